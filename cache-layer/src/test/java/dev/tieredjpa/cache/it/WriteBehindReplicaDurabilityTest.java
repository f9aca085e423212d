package dev.tieredjpa.cache.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tieredjpa.cache.TieredCacheSettings;
import dev.tieredjpa.cache.WriteBehindRejectedException;
import dev.tieredjpa.cache.WriteBehindStore;
import dev.tieredjpa.testsupport.TestDatabases;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What an acknowledged write-behind write survives (docs/write-policies.md, "What acknowledged means").
 * With {@code REPLICA} durability a write is acknowledged once a replica holds it, or else once it is in the
 * database; so a Redis that loses its memory, restarted empty or failed over, loses none of them. The
 * flush delay is long here (10 s, or 3 s): nothing is flushed by the flusher before the fault.
 */
class WriteBehindReplicaDurabilityTest {

    private static final String ENTITY = "tiered-cache.entity.Visit.";
    private static final int WRITES = 20;

    @Test
    void noReplica_everyWriteIsInTheDatabaseWhenItReturns_soRedisRestartedEmptyLosesNone() throws Exception {
        try (RedisProcess redis = RedisProcess.start();
             WriteBehindCluster cluster = WriteBehindCluster.start(TestDatabases.Kind.H2, 2,
                     settings(redis.url(), "replica", "10s"))) {
            WriteBehindStore<Visit> a = WriteBehindCluster.visits(cluster.node(0));
            writeVisits(a);
            // No replica answered: every write went to the database before it returned.
            assertThat(rowsIn(cluster)).as("rows in the database as the writes returned").isEqualTo(WRITES);
            assertThat(a.stats().writtenThrough()).isEqualTo(2 * WRITES);
            // Only the first write waited for a replica; the rest knew there was none.
            assertThat(a.stats().queueDepth()).as("records left queued").isZero();

            redis.kill();
            redis.startAgain();
            assertEveryWriteInTheDatabaseAndOnEveryNode(cluster);
        }
    }

    /**
     * No replica, and the database down: the write cannot be made durable anywhere, so it is refused, not
     * acknowledged. It stays queued, though, and lands when the database is back: the caller was told the
     * outcome is unknown, as after any failed commit.
     */
    @Test
    void noReplica_databaseDown_theWriteIsRefused_thenLandsOnceTheDatabaseIsBack() throws Exception {
        try (RedisProcess redis = RedisProcess.start();
             WriteBehindCluster cluster = WriteBehindCluster.start(TestDatabases.Kind.H2, 2,
                     settings(redis.url(), "replica", "100ms"))) {
            WriteBehindStore<Visit> a = WriteBehindCluster.visits(cluster.node(0));
            cluster.outage().goDown();
            assertThatThrownBy(() -> a.insert(new Visit("down", 1, "down")))
                    .isInstanceOf(WriteBehindRejectedException.class)
                    .hasMessageContaining("it is not acknowledged");
            cluster.outage().comeBack();
            await().atMost(Duration.ofSeconds(20)).until(() -> row(cluster, "down").equals("1@0"));
        }
    }

    /**
     * No replica, and flushers that read each record at once (a 1 ms delay): the caller's own write of a
     * record races a flusher's write of the same record. Every write must still return normally, and land.
     * (The demo's session tests found the race: the losing upsert failed the caller's write.)
     */
    @Test
    void noReplica_flusherRacesTheCallersOwnWrite_everyWriteReturnsAndLands() throws Exception {
        int visits = 100;
        try (RedisProcess redis = RedisProcess.start();
             WriteBehindCluster cluster = WriteBehindCluster.start(TestDatabases.Kind.H2, 2,
                     settings(redis.url(), "replica", "1ms"))) {
            List<Thread> writers = new ArrayList<>();
            List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
            for (int n = 0; n < 2; n++) {
                WriteBehindStore<Visit> store = WriteBehindCluster.visits(cluster.node(n));
                int first = n * visits / 2;
                writers.add(new Thread(() -> {
                    for (int i = first; i < first + visits / 2; i++) {
                        try {
                            Visit visit = store.insert(new Visit("r-" + i, 1, "race-" + i));
                            visit.setHits(2);
                            store.save(visit);
                        } catch (RuntimeException e) {
                            failures.add(e);
                        }
                    }
                }));
            }
            writers.forEach(Thread::start);
            for (Thread writer : writers) {
                writer.join();
            }
            assertThat(failures).as("writes that failed").isEmpty();
            for (int i = 0; i < visits; i++) {
                assertThat(row(cluster, "r-" + i)).as("visit %d", i).isEqualTo("2@1");
            }
        }
    }

    /** The control: acknowledged in memory only, the same writes are all lost with Redis's memory. */
    @Test
    void control_memoryDurability_redisRestartedEmptyLosesTheQueuedWrites() throws Exception {
        try (RedisProcess redis = RedisProcess.start();
             WriteBehindCluster cluster = WriteBehindCluster.start(TestDatabases.Kind.H2, 2,
                     settings(redis.url(), "memory", "10s"))) {
            WriteBehindStore<Visit> a = WriteBehindCluster.visits(cluster.node(0));
            writeVisits(a);
            assertThat(a.stats().queueDepth()).isEqualTo(2 * WRITES);
            assertThat(a.stats().writtenThrough()).isZero();

            redis.kill();
            redis.startAgain();
            Thread.sleep(1_000);
            assertThat(rowsIn(cluster)).as("acknowledged writes that reached the database").isZero();
        }
    }

    /**
     * A replica confirms every write, so they stay queued (write-behind at work); while the replica is
     * stalled (SIGSTOP) a write waits the replica wait and then goes to the database before it returns.
     */
    @Test
    void replicaConfirms_writesStayQueued_replicaStalled_writesGoToTheDatabaseBeforeReturning() throws Exception {
        assumeTrue(RedisProcess.systemServerAvailable(), "needs a system redis-server for the replica");
        try (RedisProcess master = RedisProcess.start();
             RedisProcess replica = RedisProcess.startReplicaOf(master.port())) {
            await().atMost(Duration.ofSeconds(30)).until(() -> master.command("INFO", "replication").contains("state=online"));
            try (WriteBehindCluster cluster = WriteBehindCluster.start(TestDatabases.Kind.H2, 2,
                    settings(master.url(), "replica", "10s"))) {
                WriteBehindStore<Visit> a = WriteBehindCluster.visits(cluster.node(0));
                writeVisits(a);
                assertThat(a.stats().writtenThrough()).as("writes no replica confirmed").isZero();
                assertThat(a.stats().queueDepth()).isEqualTo(2 * WRITES);
                assertThat(rowsIn(cluster)).isZero();
                assertThat(replica.command("XLEN", cluster.queue().streamKey())).as("records on the replica").isEqualTo(String.valueOf(2 * WRITES));

                replica.pause();
                try {
                    Visit late = a.insert(new Visit("late", 1, "late"));
                    assertThat(late.getVersion()).isZero();
                    assertThat(rowsIn(cluster)).as("the write no replica confirmed is in the database").isEqualTo(1);
                    assertThat(a.stats().writtenThrough()).isEqualTo(1);
                    assertThat(cluster.node(1).runtime().config().writeBehindReplicaWait()).isEqualTo(Duration.ofMillis(200));
                } finally {
                    replica.resume();
                }
            }
        }
    }

    /**
     * The promise under failover: writes confirmed by the replica, then the master killed with SIGKILL
     * before any flush. Sentinel promotes the replica, which holds the queue, and the flushers drain it.
     */
    @Test
    void masterKilledBeforeTheFlush_replicaPromoted_everyAcknowledgedWriteReachesTheDatabase() throws Exception {
        assumeTrue(RedisProcess.systemServerAvailable(), "needs a system redis-server for the replica and the Sentinels");
        try (SentinelProcesses redis = SentinelProcesses.start()) {
            Map<String, Object> settings = settings(redis.master().url(), "replica", "3s");
            settings.put(TieredCacheSettings.REDIS_CONFIG_FILE, redis.redissonConfig().toString());
            try (WriteBehindCluster cluster = WriteBehindCluster.start(TestDatabases.Kind.H2, 2, settings)) {
                WriteBehindStore<Visit> a = WriteBehindCluster.visits(cluster.node(0));
                writeVisits(a);
                assertThat(a.stats().writtenThrough()).isZero();
                assertThat(rowsIn(cluster)).as("flushed before the kill").isZero();

                redis.master().kill();
                await().atMost(Duration.ofSeconds(30)).until(redis::replicaIsMaster);
                await().atMost(Duration.ofSeconds(60)).until(() -> rowsIn(cluster) == WRITES);
                System.out.printf("WB-FAILOVER acknowledged %d writes of %d visits, written through %d, visits in the "
                        + "database after the failover %d%n", 2 * WRITES, WRITES, a.stats().writtenThrough(), rowsIn(cluster));
                assertEveryWriteInTheDatabaseAndOnEveryNode(cluster);
            }
        }
    }

    private static Map<String, Object> settings(String redisUrl, String durability, String delay) {
        Map<String, Object> settings = new HashMap<>(RedisOutageTest.SETTINGS);
        settings.put(TieredCacheSettings.REDIS_URL, redisUrl);
        settings.put(ENTITY + "write-behind-durability", durability);
        settings.put(ENTITY + "write-behind-delay", delay);
        settings.put(TieredCacheSettings.WRITE_BEHIND_REPLICA_WAIT, "200ms");
        return settings;
    }

    /** Inserts WRITES visits, then saves each once more: 2 acknowledged writes per visit, the last at version 1. */
    private static void writeVisits(WriteBehindStore<Visit> store) {
        for (int i = 0; i < WRITES; i++) {
            store.insert(new Visit("v-" + i, 1, "label-" + i));
        }
        for (int i = 0; i < WRITES; i++) {
            Visit visit = store.find("v-" + i).orElseThrow();
            visit.setHits(2);
            assertThat(store.save(visit).getVersion()).isEqualTo(1);
        }
    }

    private static void assertEveryWriteInTheDatabaseAndOnEveryNode(WriteBehindCluster cluster) throws Exception {
        for (int i = 0; i < WRITES; i++) {
            assertThat(row(cluster, "v-" + i)).as("visit %d in the database", i).isEqualTo("2@1");
        }
        for (Node node : List.of(cluster.node(0), cluster.node(1))) {
            WriteBehindStore<Visit> store = WriteBehindCluster.visits(node);
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
                for (int i = 0; i < WRITES; i++) {
                    Visit visit = store.find("v-" + i).orElseThrow();
                    assertThat(visit.getVersion()).as("visit %d on node %s", i, node.name()).isEqualTo(1);
                    assertThat(visit.getHits()).isEqualTo(2);
                }
            });
        }
    }

    private static long rowsIn(WriteBehindCluster cluster) throws Exception {
        try (Connection connection = cluster.dataSource().getConnection();
             ResultSet rows = connection.createStatement().executeQuery("select count(*) from visits")) {
            rows.next();
            long count = rows.getLong(1);
            connection.commit();
            return count;
        }
    }

    private static String row(WriteBehindCluster cluster, String id) throws Exception {
        try (Connection connection = cluster.dataSource().getConnection();
             PreparedStatement statement = connection.prepareStatement("select hits, version from visits where id = ?")) {
            statement.setString(1, id);
            try (ResultSet rows = statement.executeQuery()) {
                String found = rows.next() ? rows.getLong(1) + "@" + rows.getLong(2) : "none";
                connection.commit();
                return found;
            }
        }
    }
}
