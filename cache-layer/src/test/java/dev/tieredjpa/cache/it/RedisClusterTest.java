package dev.tieredjpa.cache.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tieredjpa.cache.TieredCacheSettings;
import dev.tieredjpa.cache.TieredEntities;
import dev.tieredjpa.cache.WriteBehindStore;
import dev.tieredjpa.testsupport.TestDatabases;
import jakarta.persistence.EntityManager;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Redis Cluster as L2, chosen by the Redisson config file alone: 3 masters with a replica each, real
 * {@code redis-server} processes on loopback. Every multi-key script runs on one slot (a write-behind
 * entity's entries share its stream's hash tag); multi-gets span the slots; confirmed invalidations count
 * every node; and a master killed with SIGKILL under load fails over to its replica with nothing lost.
 * Skipped, saying why, where no system {@code redis-server} and {@code redis-cli} are found.
 */
class RedisClusterTest {

    private static RedisClusterProcesses redis;
    private static Map<String, Object> settings;

    @BeforeAll
    static void startCluster() throws Exception {
        assumeTrue(RedisClusterProcesses.available(), "needs the system's redis-server and redis-cli for a Redis Cluster");
        redis = RedisClusterProcesses.start();
        settings = new HashMap<>(RedisOutageTest.SETTINGS);
        settings.put(TieredCacheSettings.REDIS_CONFIG_FILE, redis.redissonConfig().toString());
    }

    @AfterAll
    static void stopCluster() {
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void confirmedInvalidations_onACluster_theReadRightAfterTheWriteIsNeverStale() {
        try (Cluster cluster = Cluster.start(TestDatabases.Kind.H2, 2, "redis://unused:1", settings)) {
            assertThat(AcknowledgedInvalidationTest.staleReadsRightAfterWrites(cluster)).isZero();
            // The config file asks for replicas; had a node subscribed there, PUBLISH on the master would not
            // count it and it could still hold the old value: the library subscribes on the masters. No write
            // waited out the timeout either.
            assertThat(cluster.node(0).regionStats("items").invalidationAckTimeouts()).isZero();
        }
    }

    @Test
    void multiGet_keysOnEveryMaster_servedFromL2WithoutTheDatabase() {
        int rows = 300;
        try (Cluster cluster = Cluster.start(TestDatabases.Kind.H2, 2, "redis://unused:1", settings)) {
            Node a = cluster.node(0);
            Node b = cluster.node(1);
            Rows.insertItems(cluster.dataSource(), rows);
            for (long id = 1; id <= rows; id++) {
                assertThat(b.find(Item.class, id)).isNotNull();
            }
            long statements = a.statements();
            List<Long> ids = LongStream.rangeClosed(1, rows).boxed().toList();
            List<Item> found;
            try (EntityManager em = a.emf().createEntityManager()) {
                found = TieredEntities.findAll(em, Item.class, ids, 100);
            }
            assertThat(found).extracting(Item::getId).containsExactlyElementsOf(ids);
            assertThat(a.statements() - statements).as("statements node a sent for keys in L2").isZero();
            assertThat(a.regionStats("items").l2Hits()).isGreaterThanOrEqualTo(rows);
        }
    }

    @Test
    void writeBehind_entriesAndStreamOnOneSlot_confirmedByTheShardsReplica_everyWriteFlushedAndReadOnEveryNode() throws Exception {
        int visits = 50;
        Map<String, Object> replicaDurable = new HashMap<>(settings);
        replicaDurable.put("tiered-cache.entity.Visit.write-behind-durability", "replica");
        try (WriteBehindCluster cluster = WriteBehindCluster.start(TestDatabases.Kind.H2, 2, replicaDurable)) {
            WriteBehindStore<Visit> a = WriteBehindCluster.visits(cluster.node(0));
            WriteBehindStore<Visit> b = WriteBehindCluster.visits(cluster.node(1));
            for (int i = 0; i < visits; i++) {
                a.insert(new Visit("v-" + i, i, "cluster-" + i));
            }
            for (int i = 0; i < visits; i++) {
                assertThat(b.find("v-" + i)).as("visit %d on node b", i).get().returns((long) i, Visit::getHits);
            }
            // Each write's shard's replica confirmed it (WAIT on the slot's master): none had to be written through.
            assertThat(a.stats().writtenThrough()).isZero();
            await().atMost(Duration.ofSeconds(30)).until(() -> rowsIn(cluster) == visits);
            assertThat(a.stats().queueDepth()).isZero();
            assertThat(a.stats().deadLetters()).isZero();
        }
    }

    @Test
    void masterKilled_replicaPromoted_noCallerFails_everyCommittedWriteKept_cachesEqualTheDatabase() throws Exception {
        try (Cluster cluster = Cluster.start(TestDatabases.Kind.H2, 2, "redis://unused:1", settings)) {
            RedisOutageTest.insertItems(cluster.node(0), RedisOutageTest.ITEMS);
            for (Node node : cluster.nodes()) {
                for (long id = 1; id <= RedisOutageTest.ITEMS; id++) {
                    assertThat(node.find(Item.class, id).getName()).isEqualTo("v0");
                }
            }
            RedisProcess victim = redis.masters().get(0);
            RedisProcess replica = redis.replicaOf(victim);
            List<RedisProcess> survivors = redis.masters().stream().filter(m -> m != victim).toList();
            FailoverUnderLoad.run("CLUSTER", cluster, victim::kill,
                    () -> replica.command("INFO", "replication").contains("role:master") && redis.okOn(survivors));
        }
    }

    private static long rowsIn(WriteBehindCluster cluster) throws Exception {
        try (Connection connection = cluster.dataSource().getConnection();
             ResultSet rows = connection.createStatement().executeQuery("select count(*) from visits where label like 'cluster-%'")) {
            rows.next();
            long count = rows.getLong(1);
            connection.commit();
            return count;
        }
    }
}
