package dev.tieredjpa.cache;

import dev.tieredjpa.cache.internal.core.RegionStats;
import java.util.Collection;
import java.util.Map;
import java.util.function.Function;

/**
 * The direct face of the tiered cache, for data that is not an entity (computed views, rendered
 * responses): L1 in this JVM, L2 in Redis, the caller's loader behind. Values are unversioned: a put or
 * an invalidation on any node wins over a load that started before it (leases), and every node's L1
 * drops the old value when told. Get one from {@link TieredCacheManager#cache}.
 *
 * @param <K> keys; their {@code toString()} names them in Redis, so it must be stable and unique
 * @param <V> values, turned into bytes by the cache's {@link ValueFormat}
 */
public interface TieredCache<K, V> {

    /** The cached value, from L1 or L2; null on a miss. */
    V get(K key);

    /**
     * The cached value, or {@code loader}'s, which is then cached unless a write or invalidation of the
     * key happened while it loaded. A null from the loader is returned and not cached.
     */
    V get(K key, Function<? super K, ? extends V> loader);

    /** The cached values of these keys (L1, then all of L2's in one round trip); missing keys are absent. */
    Map<K, V> getAll(Collection<? extends K> keys);

    /** Stores a value on every tier and tells every node. */
    void put(K key, V value);

    /** Removes a key on every tier and every node; a load that started before cannot put it back. */
    void invalidate(K key);

    /** Removes every key of this cache on every tier and every node. */
    void invalidateAll();

    /** Loads these keys that no tier holds yet, so that the first reads hit. */
    void warm(Collection<? extends K> keys, Function<? super K, ? extends V> loader);

    /** This cache's counters on this node. */
    RegionStats stats();
}
