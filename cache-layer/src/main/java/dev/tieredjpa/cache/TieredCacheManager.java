package dev.tieredjpa.cache;

import dev.tieredjpa.cache.internal.core.DirectCache;
import dev.tieredjpa.cache.internal.core.TieredRuntime;
import dev.tieredjpa.cache.stats.CacheStats;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.redisson.api.RedissonClient;

/**
 * The direct face's entry point: one per node, holding the Redis client, the L1 cache manager and the
 * invalidation subscription that all its caches share. Close it at shutdown.
 */
public final class TieredCacheManager implements AutoCloseable {

    private final TieredRuntime runtime;
    private final Map<String, TieredCache<?, ?>> caches = new ConcurrentHashMap<>();

    private TieredCacheManager(TieredRuntime runtime) {
        this.runtime = runtime;
    }

    /** A manager with its own Redis client, made from {@code config}. */
    public static TieredCacheManager create(TieredCacheConfig config) {
        return create(config, java.time.Clock.systemUTC());
    }

    /** A manager whose values' logical expiry (early refresh, stale-if-error) follows {@code clock}; for tests. */
    public static TieredCacheManager create(TieredCacheConfig config, java.time.Clock clock) {
        RedissonClient redisson = config.redisConfigFile() != null
                ? RedissonClients.forConfigFile(Path.of(config.redisConfigFile()))
                : RedissonClients.forUrl(config.redisUrl(), "tiered-cache-" + config.nodeName());
        return new TieredCacheManager(new TieredRuntime(config, redisson, true, clock));
    }

    /** The cache of this name; made on first use (the same name must always come with the same format). */
    public <K, V> TieredCache<K, V> cache(String name, ValueFormat<V> format) {
        return cache(name, format, ReadPolicy.DEFAULT);
    }

    /**
     * The cache of this name with this read policy (early refresh, stale-if-error, negative cache); made on
     * first use, after which the same name answers the same cache whatever is passed.
     */
    @SuppressWarnings("unchecked")
    public <K, V> TieredCache<K, V> cache(String name, ValueFormat<V> format, ReadPolicy readPolicy) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(readPolicy, "readPolicy");
        return (TieredCache<K, V>) caches.computeIfAbsent(name, n -> new DirectCache<K, V>(runtime, n, format, readPolicy));
    }

    /**
     * A snapshot of this node's caches: every cache's figures per tier, and Redis's. Cheap enough to call
     * often (see {@link CacheStats}).
     */
    public CacheStats stats() {
        return runtime.stats();
    }

    /** This node's runtime: regions, breaker, pending invalidations. For tests and health checks. */
    public TieredRuntime runtime() {
        return runtime;
    }

    @Override
    public void close() {
        runtime.close();
    }
}
