package dev.tieredjpa.cache.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tieredjpa.cache.TieredCacheSettings;
import dev.tieredjpa.testsupport.TestDatabases;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Redis behind Sentinel, chosen by the Redisson config file alone: a master, its replica and three
 * Sentinels, all real {@code redis-server} processes on loopback. Two nodes run readers and version-checked
 * writers; the master is killed with SIGKILL; the Sentinels promote the replica and the nodes follow it.
 * Then: no caller saw an exception, every committed write is in the database, and once quiet, every node
 * serves exactly what the database holds.
 */
class SentinelFailoverTest {

    private static final Duration FAILOVER_WITHIN = Duration.ofSeconds(30);

    @Test
    void masterKilled_replicaPromoted_noCallerFails_everyCommittedWriteKept_cachesEqualTheDatabase() throws Exception {
        assumeTrue(RedisProcess.systemServerAvailable(), "needs a system redis-server for the replica and the Sentinels");
        try (SentinelProcesses redis = SentinelProcesses.start()) {
            RedisProcess master = redis.master();
            Map<String, Object> settings = new HashMap<>(RedisOutageTest.SETTINGS);
            settings.put(TieredCacheSettings.REDIS_CONFIG_FILE, redis.redissonConfig().toString());

            try (Cluster cluster = Cluster.start(TestDatabases.Kind.H2, 2, master.url(), settings)) {
                RedisOutageTest.insertItems(cluster.node(0), RedisOutageTest.ITEMS);
                for (Node node : cluster.nodes()) {
                    for (long id = 1; id <= RedisOutageTest.ITEMS; id++) {
                        assertThat(node.find(Item.class, id).getName()).isEqualTo("v0");
                    }
                }
                FailoverUnderLoad.run("SENTINEL", cluster, master::kill, redis::replicaIsMaster);
            }
        }
    }

    /**
     * The write Redis acknowledged but never replicated: the replica is paused while node a updates item 1
     * (the master stores v1 in L2 and answers), then the master dies and the replica, which still holds v0,
     * is promoted. Without re-asserting recent writes after the failover, L2 would serve v0 to every node
     * until its TTL; each node owes its recent writes again when its subscription comes back, so once the
     * nodes are on the new master both read v1.
     */
    @Test
    void writeTheReplicaNeverGot_afterFailover_noNodeServesTheValueFromBeforeIt() throws Exception {
        assumeTrue(RedisProcess.systemServerAvailable(), "needs a system redis-server for the replica and the Sentinels");
        try (SentinelProcesses redis = SentinelProcesses.start()) {
            RedisProcess master = redis.master();
            Map<String, Object> settings = new HashMap<>(RedisOutageTest.SETTINGS);
            settings.put(TieredCacheSettings.REDIS_CONFIG_FILE, redis.redissonConfig().toString());
            try (Cluster cluster = Cluster.start(TestDatabases.Kind.H2, 2, master.url(), settings)) {
                Node a = cluster.node(0);
                Node b = cluster.node(1);
                RedisOutageTest.insertItems(a, 1);
                assertThat(b.find(Item.class, 1L).getVersion()).isZero();
                await().atMost(FAILOVER_WITHIN).until(() -> master.command("INFO", "replication").contains("lag=0"));

                // Cut the replication link while the replica cannot reconnect: the next write stays on the master.
                RedisProcess replica = redis.replica();
                replica.pause();
                master.command("CLIENT", "KILL", "TYPE", "replica");
                a.inTransactionDo(em -> em.find(Item.class, 1L).setName("v1"));
                assertThat(a.runtime().store().inspect("items", ITEM_KEY).version()).as("the master's L2").isEqualTo(1L);
                master.kill();
                replica.resume();

                await().atMost(FAILOVER_WITHIN).until(redis::replicaIsMaster);
                // The promoted replica starts with v0; the nodes' re-assertion tombstones it.
                await().atMost(FAILOVER_WITHIN).ignoreExceptions().until(() -> {
                    var entry = a.runtime().store().inspect("items", ITEM_KEY);
                    return !(entry.hasData() && entry.version() == 0L);
                });
                await().atMost(FAILOVER_WITHIN).until(() -> cluster.nodes().stream()
                        .allMatch(n -> n.runtime().breaker().allowsCalls() && n.runtime().pending().isEmpty()));
                for (Node node : cluster.nodes()) {
                    assertThat(node.find(Item.class, 1L).getVersion()).as("item 1 on node %s", node.name()).isEqualTo(1L);
                }
                assertThat(RedisOutageTest.databaseVersions(cluster)).containsEntry(1L, 1L);
            }
        }
    }

    private static final String ITEM_KEY = "dev.tieredjpa.cache.it.Item#1";
}
