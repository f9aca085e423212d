package dev.tieredjpa.cache;

import dev.tieredjpa.cache.internal.core.RegionStats;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The direct face of the tiered cache, for data that is not an entity (computed views, rendered
 * responses): L1 in this JVM, L2 in Redis, the caller's loader behind. Values are unversioned: a put or
 * an invalidation on any node wins over a load that started before it (leases), and every node's L1
 * drops the old value when told. Get one from {@link TieredCacheManager#cache}.
 *
 * <p>Loads are shared: concurrent misses of one key, in this JVM or on other nodes, run the loader once
 * (a flight per key here, a lease in Redis across nodes; waiters are woken when the value lands).
 *
 * @param <K> keys; their {@code toString()} names them in Redis, so it must be stable and unique
 * @param <V> values, turned into bytes by the cache's {@link ValueFormat}
 */
public interface TieredCache<K, V> {

    /** The cached value, from L1 or L2; null on a miss. */
    V get(K key);

    /**
     * The cached value, or {@code loader}'s, which is then cached unless a write or invalidation of the
     * key happened while it loaded. A null from the loader is returned, and remembered as absent when the
     * cache's {@link ReadPolicy} has a negative TTL.
     */
    V get(K key, Function<? super K, ? extends V> loader);

    /**
     * {@link #get(Object, Function)}, saying where the value came from. With stale-if-error on, a loader
     * that throws on an expired value yields that value marked {@link ReadSource#STALE}, within the maximum
     * staleness; past it, or for a value that was invalidated rather than expired, the loader's exception.
     */
    CacheRead<V> read(K key, Function<? super K, ? extends V> loader);

    /** The cached values of these keys (L1, then all of L2's in one round trip); missing keys are absent. */
    Map<K, V> getAll(Collection<? extends K> keys);

    /**
     * The values of these keys: L1, then every L1 miss from L2 in one round trip, then every remaining miss
     * from {@code loader} in one call (it answers the keys it found), then both tiers filled in one round
     * trip. In the order of {@code keys}; keys no tier and no loader has are absent.
     */
    Map<K, V> getAll(Collection<? extends K> keys, Function<? super Collection<K>, ? extends Map<K, ? extends V>> loader);

    /** Stores a value on every tier and tells every node. */
    void put(K key, V value);

    /** Removes a key on every tier and every node; a load that started before cannot put it back. */
    void invalidate(K key);

    /** Removes every key of this cache on every tier and every node. */
    void invalidateAll();

    /** Loads these keys that no tier holds yet, so that the first reads hit. */
    void warm(Collection<? extends K> keys, Function<? super K, ? extends V> loader);

    /**
     * Loads these keys in batches of {@code batchSize} through {@link #getAll(Collection, Function)} (so a
     * key cached, or being loaded by another node, is not loaded again), reporting after each batch.
     */
    WarmProgress warm(Collection<? extends K> keys, Function<? super Collection<K>, ? extends Map<K, ? extends V>> loader,
                      int batchSize, Consumer<WarmProgress> progress);

    /**
     * Keeps these hot keys loaded: a background task reloads each one when less than {@code window} of its
     * L2 time to live is left, under the key's lease, so only one node reloads it. Replaces the keys a
     * previous call named. Ends with the manager.
     */
    void refreshAhead(Collection<? extends K> keys, Function<? super K, ? extends V> loader, Duration window);

    /** This cache's counters on this node. */
    RegionStats stats();

    /** How far a warm-up got: keys done of the total, and of them how many the loader loaded. */
    record WarmProgress(int done, int total, int loaded) {
    }
}
