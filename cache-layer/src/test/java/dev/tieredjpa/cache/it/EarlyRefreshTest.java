package dev.tieredjpa.cache.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tieredjpa.cache.CacheRead;
import dev.tieredjpa.cache.ReadPolicy;
import dev.tieredjpa.cache.ReadSource;
import dev.tieredjpa.cache.TieredCache;
import dev.tieredjpa.cache.TieredCacheConfig;
import dev.tieredjpa.cache.TieredCacheManager;
import dev.tieredjpa.cache.TieredCacheSettings;
import dev.tieredjpa.cache.ValueFormat;
import dev.tieredjpa.testsupport.TestRedis;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * XFetch early refresh and refresh-ahead on the direct face, over simulated time: two managers (two nodes:
 * their own Redis client, L1 and subscription, one key prefix) read a hot key while one {@link SimulatedClock}
 * moves in small steps past several L2 TTLs. Time moves only between steps (a step's reads, loads
 * included, all happen at one simulated instant), so "before its expiry" is exact.
 *
 * <p>XFetch refreshes a value when {@code now + loadMillis * beta * -ln(rand) >= expiry}: the refresh
 * window is a few times the measured load time (real milliseconds). The loader takes {@value #LOAD_MILLIS}
 * ms and the clock moves {@value #STEP_MILLIS} ms per step, so a value is read many times inside its
 * window (with 8 draws per step, the chance that no read refreshes it before it expires is ~1e-7).
 */
class EarlyRefreshTest {

    private static final Duration TTL = Duration.ofSeconds(60);
    private static final long START = 1_700_000_000_000L;
    private static final long LOAD_MILLIS = 40;
    private static final long STEP_MILLIS = 20;
    /** Four and a half TTLs: the first load, then one refresh per TTL. */
    private static final long RUN_MILLIS = TTL.toMillis() * 9 / 2;
    private static final int READERS_PER_NODE = 2;
    private static final int READS_PER_STEP = 2;
    private static final String KEY = "front-page";

    private final SimulatedClock clock = new SimulatedClock(START);
    private String keyPrefix;
    private TieredCacheManager nodeA;
    private TieredCacheManager nodeB;

    /** One loader call: which node, the simulated time of the call, and the expiry of the value it replaced. */
    record Load(String node, long at, long replacedExpiry) {
    }

    private final ConcurrentLinkedQueue<Load> loads = new ConcurrentLinkedQueue<>();
    private final AtomicInteger loading = new AtomicInteger();
    private final AtomicInteger maxLoading = new AtomicInteger();
    /** The expiry of the newest loaded value (load time + TTL); -1 before the first load. */
    private final AtomicLong newestExpiry = new AtomicLong(-1);
    /** What nodes a and b read after the first value's expiry, in {@link #refreshAheadPastTheFirstWindow}. */
    private List<String> reloaded;

    @BeforeEach
    void startNodes() {
        keyPrefix = TestRedis.newKeyPrefix("xfetch");
        nodeA = TieredCacheManager.create(config("a"), clock);
        nodeB = TieredCacheManager.create(config("b"), clock);
    }

    @AfterEach
    void stopNodes() {
        nodeA.close();
        nodeB.close();
    }

    /** What a run of {@link #readHotKeyPastSeveralTtls} saw. */
    record Run(List<Load> loads, long reads, long dbReads, List<String> violations, String story, long earlyRefreshes,
               long expiredMisses, long flightWaits) {
    }

    @Test
    void hotKey_readContinuallyPastSeveralTtls_isRefreshedBeforeEachExpiry_oneLoadAtATime_andNeverMisses() throws Exception {
        Run run = readHotKeyPastSeveralTtls();

        assertThat(run.violations()).as(run.story()).isEmpty();
        assertThat(maxLoading).as("loads running at once, on both nodes together; " + run.story()).hasValue(1);
        List<Load> all = run.loads();
        assertThat(all.get(0).at()).isEqualTo(START);
        assertThat(all.get(0).replacedExpiry()).isEqualTo(-1);
        // At least one refresh per TTL (~+60 s, ~+120 s, ~+180 s, ~+240 s), each before the value it replaced expired.
        assertThat(all.size()).as(run.story()).isGreaterThanOrEqualTo(1 + (int) (RUN_MILLIS / TTL.toMillis()));
        for (int i = 1; i < all.size(); i++) {
            Load previous = all.get(i - 1);
            Load refresh = all.get(i);
            assertThat(refresh.replacedExpiry()).as("refresh %d replaced the value of load %d; %s", i, i - 1, run.story())
                    .isEqualTo(previous.at() + TTL.toMillis());
            assertThat(refresh.at()).as("refresh %d began before the value it replaced expired; %s", i, run.story())
                    .isLessThan(refresh.replacedExpiry());
        }
        // Every database read is one of those loads, or shared one in its JVM (a flight waiter of the first
        // load; a waiter that joined after its leader's L2 read looks at L2 itself instead): no reader ever
        // loaded because the value had expired.
        assertThat(run.dbReads()).as(run.story()).isBetween((long) all.size(), all.size() + run.flightWaits());
        assertThat(run.reads()).isEqualTo(RUN_MILLIS / STEP_MILLIS * 2 * READERS_PER_NODE * READS_PER_STEP);
        assertThat(run.earlyRefreshes()).as(run.story()).isEqualTo(all.size() - 1);
        assertThat(run.expiredMisses()).as(run.story()).isZero();
    }

    /**
     * One refresh per TTL for both nodes together, not one per node. After node A refreshes, node B's L1
     * still holds the replaced value with its old expiry; B's XFetch draw near that expiry asks Redis for the
     * lease. Fails if Redis grants it on B's say-so although L2 already has A's fresh value (B would load
     * again one step later: 9 loads, not 5) rather than judge on its own copy and hand that copy back.
     */
    @Test
    void hotKey_readOnTwoNodes_isRefreshedOncePerTtl_notOncePerNode() throws Exception {
        Run run = readHotKeyPastSeveralTtls();

        assertThat(run.violations()).as(run.story()).isEmpty();
        List<Load> all = run.loads();
        // The first load at START, then exactly one refresh per TTL: at ~+60 s, ~+120 s, ~+180 s, ~+240 s.
        assertThat(all).as(run.story()).hasSize(1 + (int) (RUN_MILLIS / TTL.toMillis()));
        for (int i = 1; i < all.size(); i++) {
            assertThat(all.get(i).at() - all.get(i - 1).at()).as("time between loads %d and %d; %s", i - 1, i, run.story())
                    .isGreaterThan(TTL.toMillis() - 5_000);
        }
        assertThat(run.earlyRefreshes()).as(run.story()).isEqualTo(all.size() - 1);
    }

    /**
     * Two readers per node read the hot key {@value #READS_PER_STEP} times per step while the clock moves
     * {@value #STEP_MILLIS} ms per step, for {@link #RUN_MILLIS}. Each read is checked as it returns: a value,
     * not expired, not stale.
     */
    private Run readHotKeyPastSeveralTtls() throws Exception {
        ReadPolicy xfetch = new ReadPolicy(1.0, Duration.ZERO, Duration.ZERO);
        TieredCache<String, String> a = nodeA.cache("hot", ValueFormat.utf8(), xfetch);
        TieredCache<String, String> b = nodeB.cache("hot", ValueFormat.utf8(), xfetch);
        Function<String, String> loadA = loader("a");
        Function<String, String> loadB = loader("b");

        int parties = 2 * READERS_PER_NODE + 1;
        CyclicBarrier stepStart = new CyclicBarrier(parties);
        CyclicBarrier stepEnd = new CyclicBarrier(parties);
        AtomicBoolean running = new AtomicBoolean(true);
        ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
        AtomicLong reads = new AtomicLong();
        AtomicLong dbReads = new AtomicLong();
        List<Thread> readers = new ArrayList<>();
        for (int i = 0; i < 2 * READERS_PER_NODE; i++) {
            boolean onA = i % 2 == 0;
            TieredCache<String, String> cache = onA ? a : b;
            Function<String, String> load = onA ? loadA : loadB;
            Thread reader = new Thread(() -> {
                try {
                    while (true) {
                        stepStart.await(30, TimeUnit.SECONDS);
                        if (!running.get()) {
                            return;
                        }
                        for (int r = 0; r < READS_PER_STEP; r++) {
                            long now = clock.millis();
                            CacheRead<String> read = cache.read(KEY, load);
                            reads.incrementAndGet();
                            if (read.source() == ReadSource.DB) {
                                dbReads.incrementAndGet();
                            }
                            long expiry = loadedAt(read.value()) + TTL.toMillis();
                            if (read.value() == null || expiry <= now || read.stale()) {
                                violations.add("at +" + (now - START) + " ms a read answered " + read + " (expired at +"
                                        + (expiry - START) + " ms)");
                            }
                            if (read.source() == ReadSource.DB && loadedAt(read.value()) != now) {
                                violations.add("at +" + (now - START) + " ms a read answered " + read
                                        + ": from the database, but not loaded now");
                            }
                        }
                        stepEnd.await(30, TimeUnit.SECONDS);
                    }
                } catch (InterruptedException | BrokenBarrierException | TimeoutException e) {
                    violations.add("reader stopped: " + e);
                } catch (RuntimeException e) {
                    violations.add("a read failed: " + e);
                    stepStart.reset();
                    stepEnd.reset();
                }
            }, "xfetch-reader-" + (onA ? "a" : "b") + "-" + i);
            reader.start();
            readers.add(reader);
        }

        long steps = RUN_MILLIS / STEP_MILLIS;
        try {
            for (long step = 0; step < steps && violations.isEmpty(); step++) {
                if (step > 0) {
                    clock.advanceMillis(STEP_MILLIS);
                }
                stepStart.await(30, TimeUnit.SECONDS);
                stepEnd.await(30, TimeUnit.SECONDS);
            }
        } finally {
            running.set(false);
            try {
                stepStart.await(30, TimeUnit.SECONDS);
            } catch (BrokenBarrierException | TimeoutException ignored) {
                // a reader already failed: it is in the violations
            }
            for (Thread reader : readers) {
                reader.join(10_000);
            }
        }

        List<Load> all = List.copyOf(loads);
        String story = "loads (node@+ms(+ms of the expiry it replaced)): " + all.stream()
                .map(l -> l.node() + "@+" + (l.at() - START) + "(" + (l.replacedExpiry() < 0 ? "-" : "+" + (l.replacedExpiry() - START)) + ")")
                .toList() + "; a: " + a.stats() + "; b: " + b.stats();
        return new Run(all, reads.get(), dbReads.get(), List.copyOf(violations), story,
                a.stats().earlyRefreshes() + b.stats().earlyRefreshes(), a.stats().expiredMisses() + b.stats().expiredMisses(),
                a.stats().flightWaits() + b.stats().flightWaits());
    }

    @Test
    void refreshAhead_onTwoNodes_reloadsAHotKeyBeforeItExpires_neverTwoAtOnce_andReadsNeverLoad() {
        List<Load> all = refreshAheadPastTheFirstWindow();
        String story = "loads: " + all;
        assertThat(all.size()).as(story).isGreaterThanOrEqualTo(2);
        assertThat(all.get(1).at()).as(story).isLessThan(START + TTL.toMillis());
        assertThat(maxLoading).hasValue(1);
    }

    /**
     * After node A reloads the key ahead, node B's L1 still holds the old value with its old expiry, inside
     * the window. Fails if B's next look at Redis is granted the lease (so B reloads the key A just
     * reloaded) rather than handed A's fresh copy.
     */
    @Test
    void refreshAhead_reloadsAHotKeyBeforeItExpires_onExactlyOneOfTwoNodes() {
        List<Load> all = refreshAheadPastTheFirstWindow();
        assertThat(all).as("loads: %s", all).hasSize(2);
        assertThat(all.get(1).at()).isLessThan(START + TTL.toMillis());
        assertThat(reloaded).as("what each node reads after the first expiry").containsExactly("v2@" + all.get(1).at(), "v2@" + all.get(1).at());
    }

    /**
     * Both nodes keep the key loaded ahead with a 1 s window; the clock moves half a window before the first
     * value's expiry, then past it. Answers the loads.
     */
    private List<Load> refreshAheadPastTheFirstWindow() {
        TieredCache<String, String> a = nodeA.cache("ahead", ValueFormat.utf8());
        TieredCache<String, String> b = nodeB.cache("ahead", ValueFormat.utf8());
        Duration window = Duration.ofSeconds(1); // each node looks every 250 ms (window / 4) of real time
        a.refreshAhead(List.of(KEY), loader("a"), window);
        b.refreshAhead(List.of(KEY), loader("b"), window);

        // The first look finds the key missing: one node loads it, under its lease.
        await().atMost(Duration.ofSeconds(5)).until(() -> loads.size() == 1);
        sleep(1_200); // several more looks on both nodes: none is due
        assertThat(loads).hasSize(1);
        long firstExpiry = START + TTL.toMillis();

        // Both nodes read it now (and keep it in L1): hits, no load.
        Function<String, String> mustNotLoad = key -> {
            throw new AssertionError("loaded " + key + " on a read");
        };
        assertThat(a.read(KEY, mustNotLoad).source()).isIn(ReadSource.L1, ReadSource.L2);
        assertThat(b.read(KEY, mustNotLoad).source()).isIn(ReadSource.L1, ReadSource.L2);
        assertThat(a.read(KEY, mustNotLoad).value()).isEqualTo(b.read(KEY, mustNotLoad).value()).startsWith("v1@");

        // Half a window before it expires: reloaded ahead.
        clock.set(firstExpiry - window.toMillis() / 2);
        await().atMost(Duration.ofSeconds(5)).until(() -> loads.size() >= 2);
        sleep(1_200); // several more looks on both nodes
        List<Load> all = List.copyOf(loads);

        // Past the first value's expiry: both nodes read a reloaded value without loading.
        clock.set(firstExpiry + 1_000);
        CacheRead<String> onA = a.read(KEY, mustNotLoad);
        CacheRead<String> onB = b.read(KEY, mustNotLoad);
        assertThat(onA.value()).doesNotStartWith("v1@");
        assertThat(onB.value()).doesNotStartWith("v1@");
        assertThat(loadedAt(onA.value())).isEqualTo(firstExpiry - window.toMillis() / 2);
        assertThat(loadedAt(onB.value())).isEqualTo(firstExpiry - window.toMillis() / 2);
        assertThat(onA.source()).isIn(ReadSource.L1, ReadSource.L2);
        assertThat(onB.source()).isIn(ReadSource.L1, ReadSource.L2);
        assertThat(loads).hasSize(all.size());
        reloaded = List.of(onA.value(), onB.value());
        return all;
    }

    /** A loader that takes {@value #LOAD_MILLIS} ms and answers {@code v<n>@<simulated time>}, recording its call. */
    private Function<String, String> loader(String node) {
        return key -> {
            int now = loading.incrementAndGet();
            maxLoading.accumulateAndGet(now, Math::max);
            try {
                long at = clock.millis();
                sleep(LOAD_MILLIS);
                int n;
                synchronized (loads) {
                    loads.add(new Load(node, at, newestExpiry.get()));
                    n = loads.size();
                    newestExpiry.set(at + TTL.toMillis());
                }
                return "v" + n + "@" + at;
            } finally {
                loading.decrementAndGet();
            }
        };
    }

    private static long loadedAt(String value) {
        return value == null ? Long.MIN_VALUE / 2 : Long.parseLong(value.substring(value.indexOf('@') + 1));
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private TieredCacheConfig config(String node) {
        return TieredCacheConfig.fromProperties(Map.of(
                TieredCacheSettings.REDIS_URL, TestRedis.endpoint().url(),
                TieredCacheSettings.KEY_PREFIX, keyPrefix,
                TieredCacheSettings.NODE_NAME, node,
                TieredCacheSettings.L2_TTL, TTL));
    }
}
