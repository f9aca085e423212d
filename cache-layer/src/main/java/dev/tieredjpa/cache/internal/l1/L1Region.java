package dev.tieredjpa.cache.internal.l1;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import javax.cache.Cache;

/**
 * One region's L1: an Ehcache 3 cache (through JCache, by reference: a hit returns the stored object,
 * no copy) plus the local fence that keeps a slow reader from putting back what an invalidation removed.
 *
 * <p>The race it closes: a reader misses L1 and reads v1 from L2; meanwhile another node commits v2 and
 * its invalidation evicts this key from our L1 (there is nothing to evict yet); then the reader puts v1
 * into L1, where it would stay until its TTL. So every read takes a {@link #readStamp()} before it looks
 * past L1, every invalidation records the key with a newer stamp <em>before</em> it evicts, and a put is
 * refused, or undone right after, when the key was invalidated after the reader's stamp. Undoing after the
 * put closes the gap between the check and the put: either the invalidation's evict comes after our put
 * and removes it, or our second check sees the invalidation's record.
 *
 * <p>Invalidation records are forgotten in bulk when there are many; a reader whose stamp is older than
 * the last purge then simply does not fill L1 (it can always be filled by the next read).
 */
public final class L1Region {

    private static final int MAX_RECENT_INVALIDATIONS = 50_000;

    private final Cache<Object, Object> cache;
    private final LongSupplier nanoClock;
    private final BooleanSupplier degraded;
    private final long degradedTtlNanos;
    private final AtomicLong stamps = new AtomicLong();
    private final LongAdder puts = new LongAdder();
    /** Per key, the latest invalidation: when (stamp), and the lowest version it left alive (-1: none known). */
    private final ConcurrentHashMap<Object, Invalidated> recentInvalidations = new ConcurrentHashMap<>();

    private record Invalidated(long stamp, long lowestLive) {
    }
    private volatile long forgottenBefore;

    /**
     * @param degraded         whether L1 is on its own (Redis unreachable: no invalidation can arrive)
     * @param degradedTtlNanos how old an entry may be served while degraded; 0 for regions whose data never changes
     */
    public L1Region(Cache<Object, Object> cache, LongSupplier nanoClock, BooleanSupplier degraded, long degradedTtlNanos) {
        this.cache = cache;
        this.nanoClock = nanoClock;
        this.degraded = degraded;
        this.degradedTtlNanos = degradedTtlNanos;
    }

    /** The entry for this key, or null; while degraded, entries older than the degraded TTL count as absent. */
    public L1Entry get(Object key) {
        L1Entry entry = (L1Entry) cache.get(key);
        if (entry != null && degradedTtlNanos > 0 && degraded.getAsBoolean()
                && nanoClock.getAsLong() - entry.storedAtNanos() > degradedTtlNanos) {
            cache.remove(key, entry);
            return null;
        }
        return entry;
    }

    /** The entry as stored, ignoring the degraded TTL. */
    public L1Entry peek(Object key) {
        return (L1Entry) cache.get(key);
    }

    /** Taken by a reader before it looks past L1; handed back to {@link #putFromRead}. */
    public long readStamp() {
        return stamps.get();
    }

    /**
     * Puts what a read found below L1, unless the key was invalidated since {@code readStamp} or L1
     * already holds a newer version. Returns whether the value is in L1 afterwards.
     */
    public boolean putFromRead(Object key, Object value, long version, long readStamp) {
        return putFromRead(key, value, version, readStamp, -1, -1);
    }

    /**
     * {@link #putFromRead(Object, Object, long, long)} with the value's logical expiry and load time. An
     * entry of the same version is replaced when this one expires later (a refresh).
     */
    public boolean putFromRead(Object key, Object value, long version, long readStamp, long expiresAt, long loadMillis) {
        if (invalidatedSince(key, readStamp)) {
            return false;
        }
        L1Entry entry = new L1Entry(value, version, nanoClock.getAsLong(), expiresAt, loadMillis);
        if (!putIfNewer(key, entry)) {
            return false;
        }
        if (invalidatedSince(key, readStamp)) {
            cache.remove(key, entry);
            return false;
        }
        return true;
    }

    /**
     * Puts a value this node just wrote (and fenced in L2), replacing any older version — unless another
     * node's invalidation already declared this version dead (its newer write committed first and was heard
     * here before ours landed in L1).
     */
    public void putOwnWrite(Object key, Object value, long version) {
        putOwnWrite(key, value, version, -1);
    }

    /** {@link #putOwnWrite(Object, Object, long)} with the value's logical expiry. */
    public void putOwnWrite(Object key, Object value, long version, long expiresAt) {
        if (deadByInvalidation(key, version)) {
            return;
        }
        L1Entry entry = new L1Entry(value, version, nanoClock.getAsLong(), expiresAt, -1);
        if (putIfNewer(key, entry) && deadByInvalidation(key, version)) {
            cache.remove(key, entry);
        }
    }

    private boolean deadByInvalidation(Object key, long version) {
        Invalidated invalidated = recentInvalidations.get(key);
        return version >= 0 && invalidated != null && invalidated.lowestLive() > version;
    }

    /**
     * Removes the key, and refuses it to every read that started before now. With {@code version >= 0},
     * keeps an entry that is already at that version or newer.
     */
    public void invalidate(Object key, long version) {
        long stamp = stamps.incrementAndGet();
        if (recentInvalidations.size() >= MAX_RECENT_INVALIDATIONS) {
            forgottenBefore = stamp;
            recentInvalidations.clear();
        }
        recentInvalidations.merge(key, new Invalidated(stamp, version),
                (old, now) -> new Invalidated(now.stamp(), Math.max(old.lowestLive(), now.lowestLive())));
        if (version < 0) {
            cache.remove(key);
            return;
        }
        L1Entry current = (L1Entry) cache.get(key);
        while (current != null && (current.version() < 0 || current.version() < version)) {
            if (cache.remove(key, current)) {
                return;
            }
            current = (L1Entry) cache.get(key);
        }
    }

    /** Empties the region, and refuses every read that started before now. */
    public void clear() {
        long stamp = stamps.incrementAndGet();
        forgottenBefore = stamp;
        recentInvalidations.clear();
        cache.clear();
    }

    public boolean contains(Object key) {
        return cache.containsKey(key);
    }

    /** Entries this region stored (each new or replacing entry; an entry undone right after counts too). */
    public long puts() {
        return puts.sum();
    }

    private boolean invalidatedSince(Object key, long readStamp) {
        if (readStamp < forgottenBefore) {
            return true;
        }
        Invalidated invalidated = recentInvalidations.get(key);
        return invalidated != null && invalidated.stamp() > readStamp;
    }

    private boolean putIfNewer(Object key, L1Entry entry) {
        while (true) {
            L1Entry current = (L1Entry) cache.get(key);
            if (current == null) {
                if (cache.putIfAbsent(key, entry)) {
                    puts.increment();
                    return true;
                }
            } else if (entry.version() >= 0 && current.version() > entry.version()) {
                return false;
            } else if (entry.version() >= 0 && current.version() == entry.version()
                    && (entry.expiresAt() < 0 || entry.expiresAt() <= current.expiresAt())) {
                return true;
            } else if (cache.replace(key, current, entry)) {
                puts.increment();
                return true;
            }
        }
    }
}
