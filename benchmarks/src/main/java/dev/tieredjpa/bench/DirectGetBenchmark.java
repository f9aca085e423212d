package dev.tieredjpa.bench;

import dev.tieredjpa.cache.TieredCache;
import dev.tieredjpa.cache.TieredCacheConfig;
import dev.tieredjpa.cache.TieredCacheManager;
import dev.tieredjpa.cache.TieredCacheSettings;
import dev.tieredjpa.cache.ValueFormat;
import dev.tieredjpa.testsupport.TestRedis;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.redisson.Redisson;
import org.redisson.api.RBucket;
import org.redisson.api.RLocalCachedMap;
import org.redisson.api.RMap;
import org.redisson.api.RedissonClient;
import org.redisson.api.options.LocalCachedMapOptions;
import org.redisson.client.codec.StringCodec;
import org.redisson.config.Config;

/**
 * Benchmark 2: one {@code get} of a cached string without Hibernate in the way, so that the cache's own
 * cost shows: our direct face ({@link TieredCacheManager}) answering from L1 and from L2, against
 * Redisson's near cache ({@link RLocalCachedMap}) answering locally, and against plain Redisson
 * {@link RBucket#get()} and {@link RMap#get(Object)}, which always cross to Redis. The same ~200-character
 * value everywhere, on keys of the run's own that teardown deletes.
 *
 * <p>One method per case, each with only the state it needs, so no case can be combined with the wrong
 * client; {@link #PEERS} gives each method's name in the results.
 */
public class DirectGetBenchmark {

    /** The benchmark methods, each with the name the {@code direct} section gives it. */
    static final Map<String, String> PEERS = peers();

    static final String CACHE = "bench-direct";
    static final String KEY = "product:42";
    /** A product rendered as JSON, about 200 characters, as a computed view would cache it. */
    static final String VALUE = ("{\"id\":42,\"sku\":\"SKU-42\",\"name\":\"Product 42\",\"description\":\"A product of the"
            + " benchmark catalogue, number 42, with a description of a realistic length.\",\"price\":\"10.42\","
            + "\"currency\":\"EUR\",\"stock\":17,\"version\":0}");

    private static Map<String, String> peers() {
        Map<String, String> peers = new LinkedHashMap<>();
        peers.put("tieredL1Hit", "tiered L1 hit");
        peers.put("tieredL2Hit", "tiered L2 hit");
        peers.put("localCachedMapHit", "RLocalCachedMap hit");
        peers.put("bucketGet", "RBucket get");
        peers.put("mapGet", "RMap get");
        return Collections.unmodifiableMap(peers);
    }

    /** Our direct face: a manager of its own (its own Redis client and L1), the value put on both tiers. */
    @State(Scope.Benchmark)
    public static class Tiered {
        TieredCacheManager manager;
        TieredCache<String, String> cache;
        String prefix;

        @Setup(Level.Trial)
        public void start() {
            prefix = TestRedis.newKeyPrefix("bench-direct");
            manager = TieredCacheManager.create(TieredCacheConfig.fromProperties(Map.of(
                    TieredCacheSettings.REDIS_URL, TestRedis.endpoint().url(),
                    TieredCacheSettings.KEY_PREFIX, prefix)));
            cache = manager.cache(CACHE, ValueFormat.utf8());
            cache.put(KEY, VALUE);
            clearL1();
            check(cache.get(KEY)); // from L2, and now in L1 too
        }

        /** Empties this manager's L1 of the cache; local only, Redis is not told. */
        void clearL1() {
            manager.runtime().l1Cache(CACHE).clear();
        }

        @TearDown(Level.Trial)
        public void stop() {
            if (manager != null) {
                try {
                    manager.runtime().redisson().getKeys().deleteByPattern(prefix + "*");
                } finally {
                    manager.close();
                }
            }
        }
    }

    /** Clears our L1 before every invocation of {@link #tieredL2Hit}, outside the timing. */
    @State(Scope.Thread)
    public static class ClearL1 {
        @Setup(Level.Invocation)
        public void before(Tiered tiered) {
            tiered.clearL1();
        }
    }

    /** Plain Redisson, configured as its documentation starts, with the value in a bucket, a map and a near cache. */
    @State(Scope.Benchmark)
    public static class Plain {
        RedissonClient redisson;
        String prefix;
        RBucket<String> bucket;
        RMap<String, String> map;
        RLocalCachedMap<String, String> nearCache;

        @Setup(Level.Trial)
        public void start() {
            prefix = TestRedis.newKeyPrefix("bench-redisson");
            Config config = new Config();
            config.setCodec(StringCodec.INSTANCE);
            config.useSingleServer().setAddress(TestRedis.endpoint().url());
            redisson = Redisson.create(config);
            bucket = redisson.getBucket(prefix + "bucket", StringCodec.INSTANCE);
            bucket.set(VALUE);
            map = redisson.getMap(prefix + "map", StringCodec.INSTANCE);
            map.fastPut(KEY, VALUE);
            LocalCachedMapOptions<String, String> options = LocalCachedMapOptions.<String, String>name(prefix + "near")
                    .codec(StringCodec.INSTANCE);
            nearCache = redisson.getLocalCachedMap(options);
            nearCache.fastPut(KEY, VALUE);
            check(bucket.get());
            check(map.get(KEY));
            check(nearCache.get(KEY));
        }

        @TearDown(Level.Trial)
        public void stop() {
            if (redisson != null) {
                try {
                    redisson.getKeys().deleteByPattern(prefix + "*");
                } finally {
                    redisson.shutdown();
                }
            }
        }
    }

    private static void check(String value) {
        if (!VALUE.equals(value)) {
            throw new IllegalStateException("the cached value did not come back: " + value);
        }
    }

    @Benchmark
    public String tieredL1Hit(Tiered tiered) {
        return tiered.cache.get(KEY);
    }

    @Benchmark
    public String tieredL2Hit(Tiered tiered, ClearL1 cleared) {
        return tiered.cache.get(KEY);
    }

    @Benchmark
    public String localCachedMapHit(Plain plain) {
        return plain.nearCache.get(KEY);
    }

    @Benchmark
    public String bucketGet(Plain plain) {
        return plain.bucket.get();
    }

    @Benchmark
    public String mapGet(Plain plain) {
        return plain.map.get(KEY);
    }
}
