package dev.tieredjpa.cache.it;

import static dev.tieredjpa.cache.internal.resilience.CircuitBreaker.State.CLOSED;
import static dev.tieredjpa.cache.internal.resilience.CircuitBreaker.State.OPEN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tieredjpa.cache.TieredCacheSettings;
import dev.tieredjpa.cache.internal.l2.EntrySnapshot;
import dev.tieredjpa.cache.internal.resilience.CircuitBreaker;
import dev.tieredjpa.testsupport.TestDatabases;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Promises 3 and 6 with a real Redis process taken away under load: two nodes keep reading and writing while
 * Redis is gone, no caller sees an exception, the breakers open and the writers' nodes owe invalidations; when
 * Redis is back the owed invalidations are replayed before L2 serves again, so no node serves a value that was
 * changed while Redis was away.
 *
 * <p>Two ways to lose Redis: killed and restarted empty (a crash without persistence), and paused with SIGSTOP
 * and resumed with SIGCONT, which keeps the data: L2 still holds the versions from before the outage, and only
 * the replay of what the nodes owe keeps them from being served.
 */
class RedisOutageTest {

    static final int ITEMS = 20;
    private static final String ITEM_KEY = "dev.tieredjpa.cache.it.Item#";
    private static final Duration AT_MOST = Duration.ofSeconds(20);

    static final Map<String, Object> SETTINGS = Map.of(
            TieredCacheSettings.BREAKER_OPEN_DURATION, "300ms",
            TieredCacheSettings.L1_DEGRADED_TTL, "300ms",
            TieredCacheSettings.LOCK_TTL, "3s",
            TieredCacheSettings.LEASE_TTL, "2s",
            TieredCacheSettings.TOMBSTONE_TTL, "10s");

    private enum Outage { KILLED_AND_RESTARTED_EMPTY, PAUSED_WITH_DATA_KEPT }

    @Test
    void redisKilledAndRestartedEmpty_underLoad_noCallerFailsAndNoNodeServesAChangeMadeMeanwhileStale() throws Exception {
        try (RedisProcess redis = RedisProcess.start()) {
            outageUnderLoad(redis, Outage.KILLED_AND_RESTARTED_EMPTY);
        }
    }

    @Test
    void redisPausedWithDataKept_underLoad_owedInvalidationsReplayedBeforeStaleL2IsServed() throws Exception {
        try (RedisProcess redis = RedisProcess.start()) {
            assumeTrue(redis.canPause(), "needs a system redis-server to SIGSTOP (e.g. Debian's /usr/bin/redis-server)");
            outageUnderLoad(redis, Outage.PAUSED_WITH_DATA_KEPT);
        }
    }

    /**
     * The recovery itself runs while a node keeps writing: {@code recoverIfDue} drains what the node owes,
     * replays it, and only then closes the breaker. A write that commits in between finds the breaker still
     * open and owes its invalidation; that debt must be paid too, or L2 keeps (and serves) the version from
     * before the outage.
     */
    @Test
    void recovery_writesCommittedWhileOwedInvalidationsReplay_areReplayedBeforeL2Serves() throws Exception {
        try (RedisProcess redis = RedisProcess.start()) {
            assumeTrue(redis.canPause(), "needs a system redis-server to SIGSTOP (e.g. Debian's /usr/bin/redis-server)");
            int items = 200;
            try (Cluster cluster = Cluster.start(databaseKind(), 2, redis.url(), SETTINGS)) {
                Node a = cluster.node(0);
                Node b = cluster.node(1);
                insertItems(a, items);
                // L2 holds every item at version 0 (A's inserts)
                assertThat(a.runtime().store().inspect("items", ITEM_KEY + items).version()).isEqualTo(0L);

                redis.pause();
                openBreakers(cluster);
                // A owes many invalidations (as if it had changed many rows meanwhile), so its replay takes a while
                int owed = 500;
                for (int i = 0; i < owed; i++) {
                    a.runtime().pending().add("items", ITEM_KEY + (1_000_000 + i), 0);
                }
                try (BreakerMonitor monitor = new BreakerMonitor(cluster.nodes())) {
                    long resumedAt = monitor.now();
                    redis.resume();
                    // A writes each item once, from now until well after its breaker closed
                    List<Long> written = new ArrayList<>();
                    AtomicInteger writtenAfterClose = new AtomicInteger();
                    List<Throwable> failures = new ArrayList<>();
                    for (long id = 1; id <= items && writtenAfterClose.get() < 20 && monitor.now() - resumedAt < 15_000; id++) {
                        long target = id;
                        try {
                            a.inTransactionDo(em -> em.find(Item.class, target).setName("v1"));
                            written.add(target);
                        } catch (RuntimeException e) {
                            failures.add(e);
                        }
                        if (a.runtime().breaker().state() == CLOSED) {
                            writtenAfterClose.incrementAndGet();
                        }
                        Thread.sleep(5); // a steady pace, so that writes land before, during and after the replay
                    }
                    await().atMost(AT_MOST).until(() -> bothIn(cluster, CLOSED));
                    await().atMost(AT_MOST).until(() -> monitor.enteredAt(a, CLOSED, resumedAt) >= 0);
                    long closedAt = monitor.enteredAt(a, CLOSED, resumedAt);
                    int leftOwed = a.runtime().pending().size();

                    // every write committed; what every tier and node answers for it now
                    Map<Long, Long> db = databaseVersions(cluster);
                    List<String> stale = new ArrayList<>();
                    for (long id : written) {
                        EntrySnapshot l2 = a.runtime().store().inspect("items", ITEM_KEY + id);
                        long seenByA = a.find(Item.class, id).getVersion();
                        long seenByB = b.find(Item.class, id).getVersion();
                        if (seenByA != db.get(id) || seenByB != db.get(id) || (l2.hasData() && l2.version() < db.get(id))) {
                            stale.add("#" + id + " db=v" + db.get(id) + " L2=" + (l2.hasData() ? "v" + l2.version() : "-")
                                    + " a=v" + seenByA + " b=v" + seenByB);
                        }
                    }
                    System.out.printf("[recovery-race] resumed at %d ms, A closed at %d ms; %d items written (%d after close);"
                                    + " A owes %d after closing; %d stale: %s; transitions %s%n",
                            resumedAt, closedAt, written.size(), writtenAfterClose.get(), leftOwed, stale.size(),
                            stale.stream().limit(5).toList(), monitor.transitions());

                    assertThat(failures).as("exceptions seen by the writer").isEmpty();
                    assertThat(stale.size())
                            .as("items written on A while its recovery replayed what it owed (breaker still OPEN: the"
                                    + " write's invalidation was owed after the drain, and nothing replays it once the"
                                    + " breaker is CLOSED; A still owes %d): L2 keeps the pre-outage version and both"
                                    + " nodes serve it; first ones: %s", leftOwed, stale.stream().limit(5).toList())
                            .isZero();
                    assertThat(leftOwed).as("invalidations A still owes with its breaker CLOSED").isZero();
                }
            }
        }
    }

    private void outageUnderLoad(RedisProcess redis, Outage outage) throws Exception {
        String label = outage == Outage.PAUSED_WITH_DATA_KEPT ? "sigstop" : "kill";
        try (Cluster cluster = Cluster.start(databaseKind(), 2, redis.url(), SETTINGS)) {
            Node a = cluster.node(0);
            Node b = cluster.node(1);
            insertItems(a, ITEMS);
            for (Node node : cluster.nodes()) {
                for (long id = 1; id <= ITEMS; id++) {
                    // a: L1 hit (its own insert); b: L2 hit
                    assertThat(node.find(Item.class, id).getName()).isEqualTo("v0");
                }
            }
            for (long id = 1; id <= ITEMS; id++) {
                assertThat(a.runtime().store().inspect("items", ITEM_KEY + id).version()).isEqualTo(0L);
                for (Node node : cluster.nodes()) {
                    assertThat(node.runtime().regions().get("items").peekL1(ITEM_KEY + id)).isNotNull();
                }
            }

            try (BreakerMonitor monitor = new BreakerMonitor(cluster.nodes());
                 OutageWorkload workload = new OutageWorkload(cluster.nodes(), ITEMS, 2, 1)) {
                workload.start();
                Thread.sleep(1_000);

                // What L2 holds when Redis goes away (no write in flight)
                workload.holdWriters();
                Map<Long, Long> l2BeforeOutage = l2Versions(a);
                long writesBeforeOutage = workload.writes.get();
                workload.markPhase("outage");
                long outageAt = monitor.now();
                if (outage == Outage.PAUSED_WITH_DATA_KEPT) {
                    redis.pause();
                } else {
                    redis.kill();
                }
                workload.releaseWriters();

                // Both breakers open; reads go to L1 (degraded TTL) and the database, writes owe their invalidations
                await().atMost(AT_MOST).until(() -> bothIn(cluster, OPEN));
                await().atMost(AT_MOST).until(() -> monitor.enteredAt(a, OPEN, outageAt) >= 0 && monitor.enteredAt(b, OPEN, outageAt) >= 0);
                long aOpenedAt = monitor.enteredAt(a, OPEN, outageAt);
                long bOpenedAt = monitor.enteredAt(b, OPEN, outageAt);
                Thread.sleep(2_000);
                workload.stopWriters();
                long writesDuringOutage = workload.writes.get() - writesBeforeOutage;
                Map<String, Long> outageReads = snapshot(workload.phaseReads);
                int owedByA = a.runtime().pending().size();
                int owedByB = b.runtime().pending().size();
                assertThat(a.runtime().breaker().state()).isEqualTo(OPEN);
                assertThat(b.runtime().breaker().state()).isEqualTo(OPEN);
                assertThat(owedByA).as("invalidations a owes").isPositive();
                assertThat(owedByB).as("invalidations b owes").isPositive();
                assertThat(outageReads.getOrDefault("a", 0L)).as("reads on a while Redis was away").isPositive();
                assertThat(outageReads.getOrDefault("b", 0L)).as("reads on b while Redis was away").isPositive();

                // Redis comes back; readers keep reading through the recovery
                workload.markPhase("recovery");
                workload.watchClosedNodes();
                long restoredAt = monitor.now();
                if (outage == Outage.PAUSED_WITH_DATA_KEPT) {
                    redis.resume();
                } else {
                    redis.startAgain();
                }
                await().atMost(AT_MOST).until(() -> bothIn(cluster, CLOSED));
                await().atMost(AT_MOST).until(() -> monitor.enteredAt(a, CLOSED, restoredAt) >= 0
                        && monitor.enteredAt(b, CLOSED, restoredAt) >= 0);
                long aClosedAt = monitor.enteredAt(a, CLOSED, restoredAt);
                long bClosedAt = monitor.enteredAt(b, CLOSED, restoredAt);
                long staleDuringRecovery = workload.staleReadsInPhase();
                workload.markPhase("propagation");
                Thread.sleep(500);
                workload.markPhase("recovered");
                Thread.sleep(700);
                long staleAfterRecovery = workload.staleReadsInPhase();
                workload.markPhase("end");
                workload.close();

                // No node serves a value that was changed while Redis was away
                Map<Long, Long> db = databaseVersions(cluster);
                long changedWhileAway = db.entrySet().stream()
                        .filter(e -> l2BeforeOutage.get(e.getKey()) == null || e.getValue() > l2BeforeOutage.get(e.getKey()))
                        .count();
                Map<String, String> firstLook = staleness(cluster, db);
                Map<String, String> staleL2 = new TreeMap<>();
                for (long id = 1; id <= ITEMS; id++) {
                    EntrySnapshot l2 = a.runtime().store().inspect("items", ITEM_KEY + id);
                    if (l2.hasData() && !l2.version().equals(db.get(id))) { // both boxed: compare values, not references
                        staleL2.put("#" + id, "L2 v" + l2.version() + ", db v" + db.get(id));
                    }
                }

                System.out.printf("[%s] %s%n  writes before outage %d, during outage %d; optimistic conflicts %d; reads %d%n"
                                + "  l2 before outage %s%n  db after %s (changed while away: %d)%n"
                                + "  opened a=+%d ms b=+%d ms after the outage; owed at the end a=%d b=%d (max a=%d b=%d)%n"
                                + "  closed a=+%d ms b=+%d ms after restore; stale reads during recovery %d, after %d%n"
                                + "  phases %s%n  first look after both closed: %s%n  transitions %s%n"
                                + "  stale reads with the reader's breaker CLOSED: behind its own write %s, behind others' %s%n"
                                + "  stats a=%s%n  stats b=%s%n",
                        label, outage, writesBeforeOutage, writesDuringOutage, workload.optimisticConflicts.get(),
                        workload.reads.get(), l2BeforeOutage, db, changedWhileAway,
                        aOpenedAt - outageAt, bOpenedAt - outageAt, owedByA, owedByB, monitor.maxPending(a), monitor.maxPending(b),
                        aClosedAt - restoredAt, bClosedAt - restoredAt, staleDuringRecovery, staleAfterRecovery,
                        workload.phaseReport, firstLook, monitor.transitions(), workload.staleBehindOwnWriteWhileClosed,
                        workload.staleBehindOthersWritesWhileClosed, a.regionStats("items"), b.regionStats("items"));

                assertThat(workload.failures).as("exceptions (other than optimistic-lock conflicts) and wrong reads seen by callers")
                        .isEmpty();
                assertThat(workload.inconsistentReads.get()).isZero();
                assertThat(writesDuringOutage).as("writes committed while Redis was away").isPositive();
                assertThat(changedWhileAway).as("items changed while Redis was away").isPositive();
                assertThat(firstLook).as("items a node serves older than the database, 1 s after both breakers closed").isEmpty();
                assertThat(staleness(cluster, db)).as("the same, read again").isEmpty();
                assertThat(staleL2).as("L2 entries older than the database after recovery").isEmpty();
                assertThat(staleAfterRecovery).as("stale reads from 500 ms after both breakers closed").isZero();
                assertThat(workload.staleBehindOwnWriteWhileClosed)
                        .as("reads a node served with its breaker CLOSED, older than a version it committed itself while"
                                + " Redis was away (its owed invalidation had not been paid before L2 served)")
                        .isEmpty();
                assertThat(a.runtime().pending().size()).as("owed by a after recovery").isZero();
                assertThat(b.runtime().pending().size()).as("owed by b after recovery").isZero();
                assertThat(a.regionStats("items").l2Errors()).isPositive();
                assertThat(b.regionStats("items").l2Errors()).isPositive();
            }
        }
    }

    /** Every item on every node, against the database: "node #id" to what it served, for those that differ. */
    static Map<String, String> staleness(Cluster cluster, Map<Long, Long> db) {
        Map<String, String> stale = new TreeMap<>();
        for (Node node : cluster.nodes()) {
            for (long id : db.keySet()) {
                Item item = node.find(Item.class, id);
                if (item.getVersion() != db.get(id)) {
                    stale.put(node.name() + " #" + id, "v" + item.getVersion() + " (db v" + db.get(id) + ")");
                }
            }
        }
        return stale;
    }

    static void insertItems(Node node, int count) {
        node.inTransactionDo(em -> {
            for (long id = 1; id <= count; id++) {
                em.persist(new Item(id, "I-" + id, "v0", BigDecimal.ONE));
            }
        });
    }

    /** Reads ids no tier holds, from several threads per node, until every node's breaker is open. */
    private static void openBreakers(Cluster cluster) throws InterruptedException {
        AtomicLong next = new AtomicLong(900_000);
        List<Thread> readers = new ArrayList<>();
        for (Node node : cluster.nodes()) {
            for (int t = 0; t < 3; t++) {
                Thread reader = new Thread(() -> {
                    while (node.runtime().breaker().state() != OPEN) {
                        node.find(Item.class, next.incrementAndGet());
                    }
                }, "open-breaker-" + node.name() + "-" + t);
                reader.setDaemon(true);
                reader.start();
                readers.add(reader);
            }
        }
        await().atMost(AT_MOST).until(() -> bothIn(cluster, OPEN));
        for (Thread reader : readers) {
            reader.join(10_000);
        }
    }

    private static boolean bothIn(Cluster cluster, CircuitBreaker.State state) {
        return cluster.nodes().stream().allMatch(n -> n.runtime().breaker().state() == state);
    }

    private static Map<Long, Long> l2Versions(Node node) {
        Map<Long, Long> versions = new TreeMap<>();
        for (long id = 1; id <= ITEMS; id++) {
            EntrySnapshot l2 = node.runtime().store().inspect("items", ITEM_KEY + id);
            versions.put(id, l2.hasData() ? l2.version() : null);
        }
        return versions;
    }

    static Map<Long, Long> databaseVersions(Cluster cluster) throws SQLException {
        Map<Long, Long> versions = new TreeMap<>();
        try (Connection connection = cluster.dataSource().getConnection();
             PreparedStatement select = connection.prepareStatement("select id, version from items");
             ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                versions.put(rows.getLong(1), rows.getLong(2));
            }
        }
        return versions;
    }

    private static Map<String, Long> snapshot(Map<String, AtomicLong> counters) {
        Map<String, Long> copy = new LinkedHashMap<>();
        counters.forEach((k, v) -> copy.put(k, v.get()));
        return copy;
    }

    private static TestDatabases.Kind databaseKind() {
        return TestDatabases.isAvailable(TestDatabases.Kind.POSTGRES) ? TestDatabases.Kind.POSTGRES : TestDatabases.Kind.H2;
    }
}
