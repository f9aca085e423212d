package dev.tieredjpa.cache.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tieredjpa.cache.RedissonClients;
import dev.tieredjpa.cache.TieredCache;
import dev.tieredjpa.cache.TieredCacheConfig;
import dev.tieredjpa.cache.TieredCacheManager;
import dev.tieredjpa.cache.TieredCacheSettings;
import dev.tieredjpa.cache.ValueFormat;
import dev.tieredjpa.cache.internal.core.DirectCache;
import dev.tieredjpa.cache.internal.core.RegionStats;
import dev.tieredjpa.cache.internal.core.TieredRegion;
import dev.tieredjpa.cache.internal.core.TieredRuntime;
import dev.tieredjpa.cache.internal.l2.EntrySnapshot;
import dev.tieredjpa.testsupport.TestRedis;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.redisson.api.RBatch;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.ByteArrayCodec;

/**
 * The direct face on two nodes (two managers, each with its own Redis client, L1 and subscription, sharing
 * one key prefix): loads once then hits, a put on one node reaches the other's L1, an invalidation fences
 * out a load that started before it, getAll answers L1 first and the rest from L2 in one round trip, and
 * undecodable bytes read as a miss.
 */
class DirectCacheTest {

    private static final Duration AT_MOST = Duration.ofSeconds(5);

    private String keyPrefix;
    private TieredCacheManager nodeA;
    private TieredCacheManager nodeB;
    private TieredCache<String, String> a;
    private TieredCache<String, String> b;

    @BeforeEach
    void startNodes() {
        keyPrefix = TestRedis.newKeyPrefix("direct");
        nodeA = TieredCacheManager.create(config("a"));
        nodeB = TieredCacheManager.create(config("b"));
        a = nodeA.cache("views", ValueFormat.utf8());
        b = nodeB.cache("views", ValueFormat.utf8());
    }

    @AfterEach
    void stopNodes() {
        nodeA.close();
        nodeB.close();
    }

    @Test
    void get_withLoader_loadsOnceThenHitsOnEveryNode() {
        AtomicInteger loads = new AtomicInteger();

        // L1 miss, L2 miss: loaded, then put into L2 and L1
        assertThat(a.get("home", key -> "<h1>" + key + " #" + loads.incrementAndGet() + "</h1>")).isEqualTo("<h1>home #1</h1>");
        assertThat(loads).hasValue(1);
        assertThat(a.stats().l2Misses()).isEqualTo(1);
        assertThat(a.stats().l2Puts()).isEqualTo(1);

        // L1 hit on a
        assertThat(a.get("home", key -> "loaded again #" + loads.incrementAndGet())).isEqualTo("<h1>home #1</h1>");
        assertThat(a.get("home")).isEqualTo("<h1>home #1</h1>");
        assertThat(a.stats().l1Hits()).isEqualTo(2);

        // L2 hit on b, then L1 hit
        assertThat(b.get("home", key -> "loaded again #" + loads.incrementAndGet())).isEqualTo("<h1>home #1</h1>");
        assertThat(b.stats().l2Hits()).isEqualTo(1);
        assertThat(b.get("home")).isEqualTo("<h1>home #1</h1>");
        assertThat(b.stats().l1Hits()).isEqualTo(1);
        assertThat(loads).hasValue(1);
    }

    /**
     * {@code get(key)} has no loader, so it must not take the key's lease: a lease nobody will fill blocks
     * every loader on every node from caching the key until the lease expires (lease-ttl, 10 s by default).
     */
    @Test
    void get_missWithoutLoader_takesNoLeaseAndALaterLoaderStillFills() {
        // L1 miss, L2 miss
        assertThat(a.get("home")).isNull();
        EntrySnapshot afterPlainGet = store(nodeA).inspect("views", "home");

        AtomicInteger loads = new AtomicInteger();
        assertThat(b.get("home", key -> "<h1>home #" + loads.incrementAndGet() + "</h1>")).isEqualTo("<h1>home #1</h1>");

        assertThat(afterPlainGet.hasLiveLease())
                .as("L2 entry after a plain get(key) missed: %s", afterPlainGet)
                .isFalse();
        assertThat(b.stats().l2Puts()).as("b's load was put into L2 (refused: %d)", b.stats().l2PutsRefused()).isEqualTo(1);
        assertThat(a.get("home")).as("a reads what b loaded").isEqualTo("<h1>home #1</h1>");
    }

    @Test
    void put_onA_isSeenByB_whoseL1CopyIsDroppedByTheMessage() {
        a.put("menu", "v1");
        // b has heard of that put (its message would otherwise drop what b reads next)
        await().atMost(AT_MOST).until(() -> b.stats().invalidationsReceived() == 1);
        // L2 hit on b, kept in b's L1
        assertThat(b.get("menu")).isEqualTo("v1");
        assertThat(regionOf(nodeB).peekL1("menu")).isNotNull();
        long received = b.stats().invalidationsReceived();

        a.put("menu", "v2");

        // b hears it and drops its copy; then L2 hit with the new value
        await().atMost(AT_MOST).until(() -> regionOf(nodeB).peekL1("menu") == null);
        assertThat(b.stats().invalidationsReceived()).isEqualTo(received + 1);
        assertThat(b.get("menu")).isEqualTo("v2");
        assertThat(b.stats().l2Hits()).isEqualTo(2);
        // a's own L1 has its write
        assertThat(a.get("menu")).isEqualTo("v2");
        assertThat(a.stats().l1Hits()).isEqualTo(1);
    }

    @Test
    void invalidate_whileALoadIsInFlight_theLateLoadDoesNotLand() throws Exception {
        CountDownLatch loading = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<String> slowRead = CompletableFuture.supplyAsync(() -> a.get("report", key -> {
            loading.countDown();
            awaitRelease(release);
            return "computed before the invalidation";
        }));
        assertThat(loading.await(5, TimeUnit.SECONDS)).isTrue();
        EntrySnapshot leased = store(nodeA).inspect("views", "report");
        assertThat(leased.hasLiveLease()).as("a's reader holds the lease: %s", leased).isTrue();

        b.invalidate("report");

        EntrySnapshot fenced = store(nodeA).inspect("views", "report");
        assertThat(fenced.hasLiveTombstone()).as("tombstone: %s", fenced).isTrue();
        assertThat(fenced.hasLiveLease()).as("lease revoked: %s", fenced).isFalse();

        release.countDown();
        // the caller gets what it computed; no tier keeps it
        assertThat(slowRead.get(5, TimeUnit.SECONDS)).isEqualTo("computed before the invalidation");
        assertThat(a.stats().l2PutsRefused()).isEqualTo(1);
        assertThat(store(nodeA).inspect("views", "report").hasData()).isFalse();
        assertThat(regionOf(nodeA).peekL1("report")).isNull();
        assertThat(regionOf(nodeB).peekL1("report")).isNull();

        // a load that starts after the invalidation lands, on both tiers
        assertThat(b.get("report", key -> "fresh")).isEqualTo("fresh");
        assertThat(store(nodeA).inspect("views", "report").data()).asString().isEqualTo("fresh");
        assertThat(a.get("report")).isEqualTo("fresh");
    }

    @Test
    void getAll_answersL1HitsAndFetchesTheRestFromL2() {
        a.put("k1", "one");
        a.put("k2", "two");
        b.put("k3", "three");
        b.put("k4", "four");
        // a has heard of b's puts (their messages would otherwise drop what a reads next from L1)
        await().atMost(AT_MOST).until(() -> a.stats().invalidationsReceived() == 2);
        RegionStats stats = a.stats();
        long l1Hits = stats.l1Hits();
        long l2Hits = stats.l2Hits();
        long l2Misses = stats.l2Misses();

        Map<String, String> found = a.getAll(List.of("k1", "k2", "k3", "k4", "k5"));

        assertThat(found).containsExactly(Map.entry("k1", "one"), Map.entry("k2", "two"), Map.entry("k3", "three"),
                Map.entry("k4", "four"));
        // k1, k2: L1 hits; k3, k4: L2 hits; k5: nowhere
        assertThat(stats.l1Hits() - l1Hits).isEqualTo(2);
        assertThat(stats.l2Hits() - l2Hits).isEqualTo(2);
        assertThat(stats.l2Misses() - l2Misses).isEqualTo(1);
        // and now all four from L1
        assertThat(a.getAll(List.of("k4", "k3", "k2", "k1"))).hasSize(4);
        assertThat(stats.l1Hits() - l1Hits).isEqualTo(6);
        assertThat(stats.l2Hits() - l2Hits).isEqualTo(2);
    }

    @Test
    void getAll_l1MissesCostOneBatchAndL1HitsNoRedisCall() {
        a.put("k1", "one");
        a.put("k2", "two");
        a.put("k3", "three");
        List<String> calls = Collections.synchronizedList(new ArrayList<>());
        RedissonClient real = RedissonClients.forUrl(TestRedis.endpoint().url(), "tiered-cache-recording");
        try (TieredRuntime recorded = new TieredRuntime(config("c"), recording(RedissonClient.class, real, "", calls), true)) {
            DirectCache<String, String> c = new DirectCache<>(recorded, "views", ValueFormat.utf8());
            c.put("k4", "four");
            assertThat(c.get("k4")).isEqualTo("four"); // L1 hit
            calls.clear();

            Map<String, String> found = c.getAll(List.of("k1", "k2", "k3", "k4", "k5"));

            assertThat(found).containsOnlyKeys("k1", "k2", "k3", "k4");
            // L1 hit for k4; k1, k2, k3 and k5 in one batch: one round trip
            assertThat(calls).containsExactly("createBatch", "batch.getScript", "batch.execute");
            assertThat(c.stats().l2Hits()).isEqualTo(3);
            assertThat(c.stats().l2Misses()).isEqualTo(1);

            calls.clear();
            assertThat(c.getAll(List.of("k1", "k2", "k3", "k4"))).hasSize(4);
            // all L1 hits: no call to Redis at all
            assertThat(calls).isEmpty();
        }
    }

    @Test
    void undecodableBytesInAUtf8Cache_readAsMissCountedAndRemoved() {
        a.put("greeting", "hello");
        a.put("serialized", "hello");
        planted("greeting", new byte[] {(byte) 0xC3, 0x28, (byte) 0xFF, (byte) 0xFE, 'h', 'i'});
        planted("serialized", new byte[] {(byte) 0xAC, (byte) 0xED, 0x00, 0x05, 0x73, 0x72});
        assertThat(regionOf(nodeB).peekL1("greeting")).isNull();

        // L2 value undecodable: a miss, counted, removed
        assertThat(b.get("greeting")).isNull();
        assertThat(b.get("serialized")).isNull();
        assertThat(b.stats().decodeFailures()).isEqualTo(2);
        assertThat(b.stats().l2Hits()).isZero();
        assertThat(store(nodeB).inspect("views", "greeting").hasData()).isFalse();
        assertThat(store(nodeB).inspect("views", "serialized").hasData()).isFalse();

        // the next read loads, fills L2 and L1 again
        AtomicInteger loads = new AtomicInteger();
        assertThat(b.get("greeting", key -> "hello again #" + loads.incrementAndGet())).isEqualTo("hello again #1");
        assertThat(store(nodeB).inspect("views", "greeting").data()).asString().isEqualTo("hello again #1");
        assertThat(b.get("greeting", key -> "hello again #" + loads.incrementAndGet())).isEqualTo("hello again #1");
        assertThat(b.stats().l1Hits()).isEqualTo(1);
        assertThat(loads).hasValue(1);
    }

    private TieredCacheConfig config(String node) {
        return TieredCacheConfig.fromProperties(Map.of(
                TieredCacheSettings.REDIS_URL, TestRedis.endpoint().url(),
                TieredCacheSettings.KEY_PREFIX, keyPrefix,
                TieredCacheSettings.NODE_NAME, node));
    }

    private static TieredRegion regionOf(TieredCacheManager manager) {
        return manager.runtime().regions().get("views");
    }

    private static dev.tieredjpa.cache.internal.l2.RedisEntryStore store(TieredCacheManager manager) {
        return manager.runtime().store();
    }

    /** Overwrites the data bytes of one L2 entry, as something else writing to Redis would. */
    private void planted(String key, byte[] data) {
        Object replaced = nodeA.runtime().redisson().getScript(ByteArrayCodec.INSTANCE).eval(RScript.Mode.READ_WRITE,
                "if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end redis.call('HSET', KEYS[1], 'd', ARGV[1]) return 1",
                RScript.ReturnType.LONG, List.of(keyPrefix + "views:" + key), (Object) data);
        assertThat(replaced).isEqualTo(1L);
    }

    private static void awaitRelease(CountDownLatch latch) {
        try {
            if (!latch.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("never released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A proxy that records the calls the test thread makes on {@code target} (and on any batch it creates). */
    @SuppressWarnings("unchecked")
    private static <T> T recording(Class<T> type, T target, String scope, List<String> calls) {
        Thread recordedThread = Thread.currentThread();
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.getDeclaringClass() != Object.class && Thread.currentThread() == recordedThread) {
                calls.add(scope + method.getName());
            }
            Object result;
            try {
                result = method.invoke(target, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
            if (result instanceof RBatch batch) {
                return recording(RBatch.class, batch, "batch.", calls);
            }
            return result;
        };
        return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, handler);
    }
}
