package dev.tieredjpa.cache.it;

import static dev.tieredjpa.cache.it.Rows.ITEMS;
import static dev.tieredjpa.cache.it.Rows.inspect;
import static dev.tieredjpa.cache.it.Rows.itemKey;
import static dev.tieredjpa.cache.it.Rows.peekL1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.zaxxer.hikari.HikariDataSource;
import dev.tieredjpa.cache.TieredCacheSettings;
import dev.tieredjpa.cache.internal.core.RegionStats;
import dev.tieredjpa.cache.internal.l2.EntrySnapshot;
import dev.tieredjpa.cache.it.PausingDataSource.Pause;
import dev.tieredjpa.cache.it.Rows.ItemRow;
import dev.tieredjpa.testsupport.TestDatabase;
import dev.tieredjpa.testsupport.TestDatabases;
import dev.tieredjpa.testsupport.TestDatabases.Kind;
import dev.tieredjpa.testsupport.TestRedis;
import jakarta.persistence.CacheRetrieveMode;
import jakarta.persistence.CacheStoreMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Promise "one load per key", through real Hibernate, real Redis and a real database, on two nodes: a
 * stampede of readers on a cold key costs one database load; a lease holder that stalls is taken over
 * (nobody hangs); a write during a lease refuses the holder's late put; and inside one JVM the single
 * flight alone makes one load of many readers.
 *
 * <p>Database loads are counted at the JDBC boundary of each node ({@link CountingSlowDataSource}: every
 * executed statement whose SQL contains {@code from items}), and cross-checked with Hibernate's own
 * entity-load statistics, never with the cache's counters alone. The load is made slow (a sleep after the
 * statement ran) so that the readers really overlap it. Each test says which bug would make it fail.
 */
class StampedeTest {

    private static final long SLOW_LOAD_MILLIS = 300;
    private static final Duration SHORT_LEASE = Duration.ofSeconds(1);

    /** Default lease (10s) and lease wait (11s): no reader of these tests waits anywhere near them. */
    private static final PerKind<Fixture> DEFAULT_LEASE = new PerKind<>(kind -> Fixture.start(kind, Map.of()));
    /** A 1s lease (so a lease wait of 2s): a stalled holder is taken over quickly. */
    private static final PerKind<Fixture> SHORT_LEASES = new PerKind<>(kind -> Fixture.start(kind,
            Map.of(TieredCacheSettings.LEASE_TTL, SHORT_LEASE.toMillis() + "ms")));
    private static final AtomicLong IDS = new AtomicLong(7000);

    @AfterAll
    static void stop() throws Exception {
        try {
            DEFAULT_LEASE.close();
        } finally {
            SHORT_LEASES.close();
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // 1. 100 + 100 concurrent finds of one cold key: one DB load
    // ---------------------------------------------------------------------------------------------------------------

    /**
     * 200 readers (100 per node, each in its own EntityManager) released together on a key no tier holds,
     * with a 300 ms database load. Fails if either node loads more than once (no single flight in the JVM),
     * if both nodes load (the lease does not make the second node wait), if the waiting node times out or is
     * not woken by the fill, or if any reader gets a wrong or missing value.
     */
    @ParameterizedTest
    @EnumSource(Kind.class)
    void coldKey_100ConcurrentFindsOnEachOfTwoNodes_exactlyOneDatabaseLoadAndEveryReaderGetsTheValue(Kind kind) throws Exception {
        Fixture f = DEFAULT_LEASE.get(kind);
        long id = IDS.incrementAndGet();
        Rows.insertItem(f.pool, id, "S-" + id, "stampede", 1);
        f.slow(SLOW_LOAD_MILLIS);
        Baseline before = f.baseline();

        int perNode = 100;
        List<Timed> reads = assertTimeoutPreemptively(Duration.ofSeconds(30),
                () -> readTogether(id, Collections.nCopies(perNode, f.a), Collections.nCopies(perNode, f.b)));

        // every reader got the row
        assertThat(reads).hasSize(2 * perNode);
        for (Timed read : reads) {
            assertThat(read.item).as("find on node %s", read.node).isNotNull();
            assertThat(read.item.getId()).isEqualTo(id);
            assertThat(read.item.getName()).isEqualTo("stampede");
            assertThat(read.item.getVersion()).isEqualTo(1);
        }

        // exactly one load reached the database, counted at the JDBC boundary and by Hibernate
        List<CountingSlowDataSource.Load> loadsA = f.loadsA.loads().subList(before.jdbcA, f.loadsA.count());
        List<CountingSlowDataSource.Load> loadsB = f.loadsB.loads().subList(before.jdbcB, f.loadsB.count());
        assertThat(loadsA.size() + loadsB.size())
                .as("item loads at the JDBC boundary: node a %d, node b %d", loadsA.size(), loadsB.size()).isEqualTo(1);
        assertThat(f.entityLoads() - before.entityLoads).as("Hibernate entity loads, both nodes").isEqualTo(1);

        Node loader = loadsA.isEmpty() ? f.b : f.a;
        Node other = loader == f.a ? f.b : f.a;
        CountingSlowDataSource.Load load = loadsA.isEmpty() ? loadsB.get(0) : loadsA.get(0);
        RegionStats loaderStats = loader.regionStats(ITEMS);
        RegionStats otherStats = other.regionStats(ITEMS);
        Delta onLoader = before.delta(loader, loaderStats);
        Delta onOther = before.delta(other, otherStats);

        // the loader's node: one leader, the 99 others waited for its flight (or came after it, an L1 hit)
        assertThat(onLoader.flightWaits + onLoader.l1Hits).as("loader node %s: %s", loader.name(), loaderStats).isEqualTo(perNode - 1);
        assertThat(onLoader.l1Misses).isEqualTo(1 + onLoader.flightWaits);
        assertThat(onLoader.leaseWaits).isZero();
        assertThat(onLoader.l2Puts).isEqualTo(1);
        // the other node: its leader waited for the loader's lease, was woken by the fill and read L2. A waiter
        // that joined its flight after the leader's last L2 read went out reads L2 itself (the leader's value
        // might predate the waiter's start), so the other node may have a few L2 hits more than one
        assertThat(onOther.leaseWaits).as("other node %s: %s", other.name(), otherStats).isEqualTo(1);
        assertThat(onOther.leaseWaitsServed).isEqualTo(1);
        assertThat(onOther.leaseWaitsTimedOut).isZero();
        assertThat(onOther.l2Hits).isBetween(1L, (long) perNode);
        assertThat(onOther.flightWaits + onOther.l1Hits).isGreaterThanOrEqualTo(perNode - onOther.l2Hits);
        assertThat(onOther.l2Puts).isZero();
        assertThat(onLoader.l2PutsRefused + onOther.l2PutsRefused).isZero();

        // latency of every request but the loading one: its own latency minus the load's duration (JDBC start
        // to result, slow sleep included), and how long after the load's result it had its value
        long loadMillis = load.millis();
        Timed leader = reads.stream().filter(r -> r.thread.equals(load.thread())).findFirst().orElseThrow();
        List<Long> sameNode = new ArrayList<>();
        List<Long> otherNode = new ArrayList<>();
        List<Long> afterLoad = new ArrayList<>();
        for (Timed read : reads) {
            if (read != leader) {
                (read.node.equals(loader.name()) ? sameNode : otherNode).add(read.millis() - loadMillis);
                afterLoad.add(TimeUnit.NANOSECONDS.toMillis(read.endNanos - load.endNanos()));
            }
        }
        List<Long> all = new ArrayList<>(sameNode);
        all.addAll(otherNode);
        System.out.printf("STAMPEDE [%s] %d finds (%d per node) -> 1 DB load of %d ms (node %s; its request %d ms). "
                        + "Waiters' extra latency over the load (latency - load): all %s | same node %s | other node %s. "
                        + "Waiters done after the load's result: %s%n",
                kind, reads.size(), perNode, loadMillis, loader.name(), leader.millis(),
                percentiles(all), percentiles(sameNode), percentiles(otherNode), percentiles(afterLoad));
        // nobody waited for a timeout (checked by the counters above: no lease wait timed out); how long the
        // waiters took is printed, not asserted
        // and the whole stampede ended with the key filled in L2 once, no lease left
        EntrySnapshot l2 = inspect(f.a, ITEMS, itemKey(id));
        assertThat(l2.hasData()).as("L2: %s", l2).isTrue();
        assertThat(l2.version()).isEqualTo(1);
        assertThat(l2.hasLiveLease()).isFalse();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // 2. The lease holder stalls past its lease
    // ---------------------------------------------------------------------------------------------------------------

    /**
     * Node a's reader takes the lease (1 s) and stalls inside its database load for longer than that; 50
     * readers on node b want the key meanwhile. Fails if b's readers hang behind the dead lease (they must
     * take it over once it expired, load and return), if more than one of them loads, or if a's late put of
     * what it loaded lands over b's (its lease is gone: it must be refused).
     */
    @ParameterizedTest
    @EnumSource(Kind.class)
    void leaseHolderStallsPastItsLease_otherNodesReadersTakeOverAndReturn_twoDatabaseLoadsAtMost(Kind kind) throws Exception {
        Fixture f = SHORT_LEASES.get(kind);
        long id = IDS.incrementAndGet();
        String key = itemKey(id);
        Rows.insertItem(f.pool, id, "S-" + id, "stalled", 1);
        f.slow(0);
        Baseline before = f.baseline();
        ExecutorService holderThread = Executors.newSingleThreadExecutor(r -> new Thread(r, "stalled-holder"));
        Pause pause = Pause.atRowOf("from items");
        try {
            assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
                // node a: L1 miss, L2 miss with the lease, DB load -- stopped with the row read
                Future<Item> holder = holderThread.submit(() -> {
                    f.pausesA.arm(pause);
                    return f.a.find(Item.class, id);
                });
                long stalledFrom;
                try {
                    pause.awaitReached();
                    stalledFrom = System.nanoTime();
                    EntrySnapshot leased = inspect(f.a, ITEMS, key);
                    assertThat(leased.hasLiveLease()).as("node a holds the lease: %s", leased).isTrue();
                    String holdersLease = leased.leaseToken();

                    // node b: 50 readers; they wait out a's lease, one takes it over and loads, all return
                    f.slow(SLOW_LOAD_MILLIS);
                    List<Timed> onB = readTogether(id, List.of(), Collections.nCopies(50, f.b));
                    long stalledFor = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stalledFrom);
                    for (Timed read : onB) {
                        assertThat(read.item).isNotNull();
                        assertThat(read.item.getName()).isEqualTo("stalled");
                        assertThat(read.item.getVersion()).isEqualTo(1);
                    }
                    assertThat(stalledFor).as("a was stalled past its lease before b's readers returned")
                            .isGreaterThan(SHORT_LEASE.toMillis() - 50);
                    EntrySnapshot takenOver = inspect(f.a, ITEMS, key);
                    assertThat(takenOver.hasData()).as("b filled L2: %s", takenOver).isTrue();
                    assertThat(takenOver.version()).isEqualTo(1);
                    assertThat(takenOver.leaseToken()).isNotEqualTo(holdersLease);
                    System.out.printf("STAMPEDE [%s] lease holder on a stalled %d ms (lease %d ms): b's 50 readers took over; "
                                    + "slowest b reader %d ms%n", kind, stalledFor, SHORT_LEASE.toMillis(),
                            onB.stream().mapToLong(Timed::millis).max().orElseThrow());
                } finally {
                    pause.release();
                }

                // node a goes on with what it read; its put under the expired lease is refused
                Item late = holder.get(10, TimeUnit.SECONDS);
                assertThat(late.getName()).isEqualTo("stalled");
                assertThat(late.getVersion()).isEqualTo(1);
            });
        } finally {
            pause.release();
            holderThread.shutdownNow();
        }

        Delta onA = before.delta(f.a, f.a.regionStats(ITEMS));
        Delta onB = before.delta(f.b, f.b.regionStats(ITEMS));
        assertThat(f.loadsA.count() - before.jdbcA).as("item loads on a (the stalled holder)").isEqualTo(1);
        assertThat(f.loadsB.count() - before.jdbcB).as("item loads on b (one take-over)").isEqualTo(1);
        assertThat(f.entityLoads() - before.entityLoads).as("Hibernate entity loads, both nodes").isEqualTo(2);
        assertThat(onA.l2PutsRefused).as("a's late put: %s", f.a.regionStats(ITEMS)).isEqualTo(1);
        assertThat(onA.l2Puts).isZero();
        assertThat(onB.l2Puts).isEqualTo(1);
        assertThat(onB.leaseWaits).as("b: %s", f.b.regionStats(ITEMS)).isEqualTo(1);
        assertThat(onB.leaseWaitsTimedOut).isZero();
        // Refused as the very version b stored: a's copy equals L2's, so a's L1 keeps it.
        assertThat(peekL1(f.a, ITEMS, key)).as("a's L1 after its put, refused as the same version").isNotNull()
                .returns(1L, dev.tieredjpa.cache.internal.l1.L1Entry::version);

        // afterwards both nodes read the value from the cache, no more loads
        assertThat(f.a.find(Item.class, id).getName()).isEqualTo("stalled");
        assertThat(f.b.find(Item.class, id).getName()).isEqualTo("stalled");
        assertThat(f.loadsA.count() + f.loadsB.count() - before.jdbcA - before.jdbcB).isEqualTo(2);
    }

    /**
     * As above, but node a has readers of its own waiting for its stalled holder too, and the holder stalls
     * past the lease wait (lease + 1 s) as well. b takes over and fills L2 after about a second; a's waiters
     * wait for their own JVM's flight, which only the stalled holder can end.
     *
     * <p>Fails today (a=21 loads, b=1, on H2 and PostgreSQL): {@code TieredRegion.peek} parks a flight waiter
     * on {@code other.await(deadline)} with the lease-wait deadline; nothing but the stalled holder's land ends
     * that flight (b's "filled" message wakes only {@code FillWaiters}, i.e. a leader inside {@code lead}),
     * and a waiter that times out returns a miss without a ticket and without looking at L2 again, so every
     * waiter of a loads the row itself, although L2 has held it since b's take-over. Enable once fixed.
     */
    @ParameterizedTest
    @EnumSource(Kind.class)
    void leaseHolderStallsPastLeaseWait_itsOwnNodesWaitersAreServedByTheTakeOver_twoDatabaseLoadsAtMost(Kind kind) throws Exception {
        Fixture f = SHORT_LEASES.get(kind);
        long id = IDS.incrementAndGet();
        String key = itemKey(id);
        Rows.insertItem(f.pool, id, "S-" + id, "stalled", 1);
        f.slow(0);
        Baseline before = f.baseline();
        ExecutorService holderThread = Executors.newSingleThreadExecutor(r -> new Thread(r, "stalled-holder"));
        Pause pause = Pause.atRowOf("from items");
        int perNode = 20;
        long stallMillis = SHORT_LEASE.toMillis() + 1000 + 500; // past the lease wait (lease + 1s by default)
        List<Timed> reads;
        try {
            Future<Item> holder = holderThread.submit(() -> {
                f.pausesA.arm(pause);
                return f.a.find(Item.class, id);
            });
            pause.awaitReached();
            long stalledFrom = System.nanoTime();
            assertThat(inspect(f.a, ITEMS, key).hasLiveLease()).isTrue();
            ScheduledExecutorService releaser = Executors.newSingleThreadScheduledExecutor();
            try {
                releaser.schedule(pause::release,
                        stallMillis - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stalledFrom), TimeUnit.MILLISECONDS);
                reads = assertTimeoutPreemptively(Duration.ofSeconds(20),
                        () -> readTogether(id, Collections.nCopies(perNode, f.a), Collections.nCopies(perNode, f.b)));
                assertThat(holder.get(10, TimeUnit.SECONDS).getVersion()).isEqualTo(1);
            } finally {
                releaser.shutdown();
            }
        } finally {
            pause.release();
            holderThread.shutdownNow();
        }
        for (Timed read : reads) {
            assertThat(read.item.getName()).isEqualTo("stalled");
        }
        int loadsOnA = f.loadsA.count() - before.jdbcA;
        int loadsOnB = f.loadsB.count() - before.jdbcB;
        System.out.printf("STAMPEDE [%s] holder on a stalled %d ms (lease %d ms, lease wait %d ms), %d readers per node: "
                        + "DB loads a=%d b=%d; slowest a reader %d ms, slowest b reader %d ms; a: %s%n",
                kind, stallMillis, SHORT_LEASE.toMillis(), SHORT_LEASE.toMillis() + 1000, perNode, loadsOnA, loadsOnB,
                reads.stream().filter(r -> r.node.equals("a")).mapToLong(Timed::millis).max().orElseThrow(),
                reads.stream().filter(r -> r.node.equals("b")).mapToLong(Timed::millis).max().orElseThrow(),
                f.a.regionStats(ITEMS));
        assertThat(loadsOnA + loadsOnB).as("item loads at the JDBC boundary: a %d, b %d", loadsOnA, loadsOnB).isLessThanOrEqualTo(2);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // 3. A write during a lease
    // ---------------------------------------------------------------------------------------------------------------

    /**
     * Node a's reader holds the lease and is stopped in its load of v1; node b updates the row to v2 and
     * commits (b reads the row past the cache, as a writer does, so that it does not wait for a's lease);
     * then a goes on. Fails if the write did not revoke a's lease (a's put of v1 would land in L2 over v2 or
     * into the empty key), or if either node then reads v1.
     */
    @ParameterizedTest
    @EnumSource(Kind.class)
    void writeDuringLease_holdersLatePutRefused_andBothNodesReadTheNewVersion(Kind kind) throws Exception {
        Fixture f = DEFAULT_LEASE.get(kind);
        long id = IDS.incrementAndGet();
        String key = itemKey(id);
        Rows.insertItem(f.pool, id, "S-" + id, "v1", 1);
        f.slow(0);
        Baseline before = f.baseline();
        ExecutorService readerThread = Executors.newSingleThreadExecutor(r -> new Thread(r, "leased-reader"));
        Pause pause = Pause.atRowOf("from items");
        try {
            Future<Item> read = readerThread.submit(() -> {
                f.pausesA.arm(pause);
                return f.a.find(Item.class, id);
            });
            try {
                pause.awaitReached();
                EntrySnapshot leased = inspect(f.a, ITEMS, key);
                assertThat(leased.hasLiveLease()).as("a holds the lease: %s", leased).isTrue();
                assertThat(leased.hasData()).isFalse();

                // node b: update to v2 and commit
                f.b.inTransactionDo(em -> em.find(Item.class, id, CacheRetrieveMode.BYPASS, CacheStoreMode.BYPASS).setName("v2"));
                assertThat(Rows.item(f.pool, id)).contains(new ItemRow("v2", 2));
                EntrySnapshot afterWrite = inspect(f.a, ITEMS, key);
                assertThat(afterWrite.hasLiveLease()).as("the write revoked a's lease: %s", afterWrite).isFalse();
            } finally {
                pause.release();
            }

            // node a: goes on with the v1 it read; its put is refused
            Item loaded = read.get(10, TimeUnit.SECONDS);
            assertThat(loaded.getName()).as("a read the row before the write").isEqualTo("v1");
            assertThat(loaded.getVersion()).isEqualTo(1);
        } finally {
            pause.release();
            readerThread.shutdownNow();
        }
        Delta onA = before.delta(f.a, f.a.regionStats(ITEMS));
        assertThat(onA.l2PutsRefused).as("a's put of v1: %s", f.a.regionStats(ITEMS)).isEqualTo(1);
        assertThat(onA.l2Puts).isZero();
        assertThat(peekL1(f.a, ITEMS, key)).as("a's L1 after its refused put").isNull();
        EntrySnapshot l2 = inspect(f.a, ITEMS, key);
        assertThat(l2.hasData() ? l2.version() : null).as("L2 does not hold v1: %s", l2).isNotEqualTo(1L);
        assertThat(l2.locks()).isEmpty();

        // both nodes read v2 (twice: the second read is served by whatever the first one filled)
        for (int round = 0; round < 2; round++) {
            for (Node node : List.of(f.a, f.b)) {
                Item item = node.find(Item.class, id);
                assertThat(item.getName()).as("round %d on node %s", round, node.name()).isEqualTo("v2");
                assertThat(item.getVersion()).isEqualTo(2);
            }
        }
        EntrySnapshot settled = inspect(f.a, ITEMS, key);
        assertThat(settled.hasData()).as("L2 at the end: %s", settled).isTrue();
        assertThat(settled.version()).isEqualTo(2);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // 4. Single flight inside one JVM
    // ---------------------------------------------------------------------------------------------------------------

    /**
     * 50 readers of one cold key on one node, released together, with a 300 ms load. Fails if the JVM's
     * single flight does not hold (each reader that missed would ask Redis, and with no lease would load
     * itself), or if the waiters were not counted.
     */
    @ParameterizedTest
    @EnumSource(Kind.class)
    void singleFlight_50ConcurrentFindsOnOneNode_oneDatabaseLoadAndFlightWaitsCounted(Kind kind) throws Exception {
        Fixture f = DEFAULT_LEASE.get(kind);
        long id = IDS.incrementAndGet();
        Rows.insertItem(f.pool, id, "S-" + id, "flight", 1);
        f.slow(SLOW_LOAD_MILLIS);
        Baseline before = f.baseline();
        int readers = 50;
        List<Timed> reads = assertTimeoutPreemptively(Duration.ofSeconds(30),
                () -> readTogether(id, Collections.nCopies(readers, f.a), List.of()));
        for (Timed read : reads) {
            assertThat(read.item).isNotNull();
            assertThat(read.item.getName()).isEqualTo("flight");
            assertThat(read.item.getVersion()).isEqualTo(1);
        }
        Delta onA = before.delta(f.a, f.a.regionStats(ITEMS));
        assertThat(f.loadsA.count() - before.jdbcA).as("item loads at a's JDBC boundary").isEqualTo(1);
        assertThat(f.loadsB.count() - before.jdbcB).isZero();
        assertThat(f.entityLoads() - before.entityLoads).as("Hibernate entity loads").isEqualTo(1);
        assertThat(onA.flightWaits).as("a: %s", f.a.regionStats(ITEMS)).isGreaterThan(0);
        assertThat(onA.flightWaits + onA.l1Hits).isEqualTo(readers - 1);
        assertThat(onA.l1Misses).isEqualTo(1 + onA.flightWaits);
        assertThat(onA.leaseWaits).isZero();
        assertThat(onA.l2Puts).isEqualTo(1);
        System.out.printf("STAMPEDE [%s] single flight: %d finds on one node -> 1 DB load; flightWaits=%d, L1 hits=%d%n",
                kind, readers, onA.flightWaits, onA.l1Hits);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // helpers
    // ---------------------------------------------------------------------------------------------------------------

    /** One find: on which node, in which thread, how long (from the common start), what it returned. */
    private record Timed(String node, String thread, long startNanos, long endNanos, Item item) {
        long millis() {
            return TimeUnit.NANOSECONDS.toMillis(endNanos - startNanos);
        }
    }

    /**
     * {@code em.find} of the item, once per entry of both lists (each in its own thread and EntityManager),
     * all released together once every thread stands at the start; answers every find.
     */
    private static List<Timed> readTogether(long id, List<Node> onA, List<Node> onB) throws Exception {
        List<Node> nodes = new ArrayList<>(onA);
        nodes.addAll(onB);
        AtomicInteger threads = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(nodes.size(),
                r -> new Thread(r, "stampede-reader-" + threads.incrementAndGet()));
        try {
            CountDownLatch ready = new CountDownLatch(nodes.size());
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Timed>> futures = new ArrayList<>();
            for (Node node : nodes) {
                Callable<Timed> find = () -> {
                    ready.countDown();
                    if (!go.await(10, TimeUnit.SECONDS)) {
                        throw new IllegalStateException("never released");
                    }
                    long start = System.nanoTime();
                    Item item = node.find(Item.class, id);
                    return new Timed(node.name(), Thread.currentThread().getName(), start, System.nanoTime(), item);
                };
                futures.add(pool.submit(find));
            }
            assertThat(ready.await(10, TimeUnit.SECONDS)).as("all readers started").isTrue();
            go.countDown();
            List<Timed> done = new ArrayList<>();
            for (Future<Timed> future : futures) {
                done.add(future.get(15, TimeUnit.SECONDS));
            }
            return done;
        } finally {
            pool.shutdownNow();
        }
    }

    private static String percentiles(List<Long> millis) {
        if (millis.isEmpty()) {
            return "n=0";
        }
        List<Long> sorted = new ArrayList<>(millis);
        Collections.sort(sorted);
        return "n=" + sorted.size() + " p50=" + rank(sorted, 50) + "ms p99=" + rank(sorted, 99) + "ms max="
                + sorted.get(sorted.size() - 1) + "ms";
    }

    /** Nearest-rank percentile. */
    private static long rank(List<Long> sorted, int percentile) {
        int index = (int) Math.ceil(percentile / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }

    /** The counters a test compares against, taken before it acts. */
    private record Baseline(int jdbcA, int jdbcB, long entityLoads, Map<String, long[]> stats) {
        Delta delta(Node node, RegionStats now) {
            long[] then = stats.get(node.name());
            long[] current = Delta.values(now);
            long[] d = new long[current.length];
            for (int i = 0; i < d.length; i++) {
                d[i] = current[i] - then[i];
            }
            return new Delta(d);
        }
    }

    /** Changes of one node's region counters over a test. */
    private static final class Delta {
        final long l1Hits;
        final long l1Misses;
        final long l2Hits;
        final long l2Puts;
        final long l2PutsRefused;
        final long flightWaits;
        final long leaseWaits;
        final long leaseWaitsServed;
        final long leaseWaitsTimedOut;

        Delta(long[] d) {
            l1Hits = d[0];
            l1Misses = d[1];
            l2Hits = d[2];
            l2Puts = d[3];
            l2PutsRefused = d[4];
            flightWaits = d[5];
            leaseWaits = d[6];
            leaseWaitsServed = d[7];
            leaseWaitsTimedOut = d[8];
        }

        static long[] values(RegionStats s) {
            return new long[] {s.l1Hits(), s.l1Misses(), s.l2Hits(), s.l2Puts(), s.l2PutsRefused(), s.flightWaits(),
                    s.leaseWaits(), s.leaseWaitsServed(), s.leaseWaitsTimedOut()};
        }
    }

    /**
     * Two nodes on one fresh database and one Redis key prefix: node a borrows its connections through a
     * {@link PausingDataSource} (a test can stop its reader inside the load) and both through a
     * {@link CountingSlowDataSource} (item loads counted at the JDBC boundary, optionally slow).
     */
    private static final class Fixture implements AutoCloseable {
        final TestDatabase database;
        final HikariDataSource pool;
        final PausingDataSource pausesA;
        final CountingSlowDataSource loadsA;
        final CountingSlowDataSource loadsB;
        final Node a;
        final Node b;

        private Fixture(TestDatabase database, Map<String, Object> settings) {
            this.database = database;
            this.pool = database.newDataSource(40);
            this.pausesA = new PausingDataSource(pool);
            this.loadsA = new CountingSlowDataSource(pausesA, "from items");
            this.loadsB = new CountingSlowDataSource(pool, "from items");
            String redisUrl = TestRedis.endpoint().url();
            String prefix = TestRedis.newKeyPrefix("stampede");
            this.a = new Node("a", loadsA, redisUrl, prefix, true, settings);
            Node second;
            try {
                second = new Node("b", loadsB, redisUrl, prefix, false, settings);
            } catch (RuntimeException e) {
                a.close();
                throw e;
            }
            this.b = second;
        }

        static Fixture start(Kind kind, Map<String, Object> settings) {
            TestDatabase database = TestDatabases.create(kind);
            Fixture fixture;
            try {
                fixture = new Fixture(database, settings);
            } catch (RuntimeException e) {
                database.close();
                throw e;
            }
            try {
                fixture.warmUp();
            } catch (Exception e) {
                fixture.close();
                throw new IllegalStateException("warm-up failed", e);
            }
            return fixture;
        }

        /**
         * A small stampede on a key of its own, so that the measured tests do not pay for first use (class
         * loading, Hibernate's first load, Redis script loading, the first bus message).
         */
        private void warmUp() throws Exception {
            long id = IDS.incrementAndGet();
            Rows.insertItem(pool, id, "W-" + id, "warm-up", 1);
            readTogether(id, Collections.nCopies(10, a), Collections.nCopies(10, b));
            a.find(Item.class, id);
            b.find(Item.class, id);
        }

        void slow(long millis) {
            loadsA.delay(millis);
            loadsB.delay(millis);
        }

        long entityLoads() {
            return a.statistics().getEntityLoadCount() + b.statistics().getEntityLoadCount();
        }

        Baseline baseline() {
            return new Baseline(loadsA.count(), loadsB.count(), entityLoads(),
                    Map.of("a", Delta.values(a.regionStats(ITEMS)), "b", Delta.values(b.regionStats(ITEMS))));
        }

        @Override
        public void close() {
            try {
                a.close();
                b.close();
            } finally {
                database.close();
            }
        }
    }
}
