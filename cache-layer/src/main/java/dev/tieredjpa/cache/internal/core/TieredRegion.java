package dev.tieredjpa.cache.internal.core;

import dev.tieredjpa.cache.internal.bus.Invalidation;
import dev.tieredjpa.cache.internal.l1.L1Entry;
import dev.tieredjpa.cache.internal.l1.L1Region;
import dev.tieredjpa.cache.internal.l2.Lookup;
import dev.tieredjpa.cache.internal.l2.PutOutcome;
import dev.tieredjpa.cache.internal.l2.RedisEntryStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One region of the tiered cache: L1 in this JVM, L2 in Redis, and the protocol that keeps them right.
 * Both faces — Hibernate's region access and the direct cache API — are written on these operations.
 *
 * <h2>The protocol, as the calls a read and a write make</h2>
 * <ol>
 *   <li><b>Read</b> ({@link #get}): L1 hit, done. Else take an L1 read stamp and ask L2; a miss there hands
 *       the reader a lease (its right to fill the key). A locked key (a write in flight) reads as a miss
 *       without a lease.</li>
 *   <li><b>Fill</b> ({@link #putFromLoad}): the reader, having loaded from the database, puts with its lease
 *       and the version it loaded. Redis refuses it if a write locked the key or invalidated it since the
 *       lease (the lease is gone), or if a newer version or tombstone is there. Only what Redis stored goes
 *       into L1, and only if no invalidation reached this node since the read stamp.</li>
 *   <li><b>Write</b>: before the database write, {@link #lock} (revokes every lease: no load that started
 *       before the write can land). After commit: {@link #afterUpdate} stores the new version (fenced) and
 *       releases the lock, or {@link #afterRemove} leaves a tombstone; after rollback {@link #afterRollback}
 *       only releases the lock, so every tier holds what it held before. Then every other node is told,
 *       and evicts older L1 entries.</li>
 *   <li><b>Redis unreachable</b>: reads go L1 then the database; a write's L2 step is owed and replayed as
 *       an invalidation when Redis answers (see {@link TieredRuntime}). A lock that was taken but whose
 *       release was lost expires into a tombstone, so the pre-write value is never served again.</li>
 * </ol>
 */
public final class TieredRegion {

    private static final Logger log = LoggerFactory.getLogger(TieredRegion.class);

    private final String name;
    private final String l2Name;
    private final TieredRuntime runtime;
    private final L1Region l1;
    private final ValueCodec codec;
    private final RedisEntryStore store;
    private final Duration l2Ttl;
    private final RegionStats stats = new RegionStats();

    TieredRegion(String name, String l2Name, TieredRuntime runtime, L1Region l1, ValueCodec codec, Duration l2Ttl) {
        this.name = name;
        this.l2Name = l2Name;
        this.runtime = runtime;
        this.l1 = l1;
        this.codec = codec;
        this.store = runtime.store();
        this.l2Ttl = l2Ttl;
    }

    public String name() {
        return name;
    }

    /**
     * The region's name in Redis: its name, or for a write-behind entity's region the name hash-tagged with
     * the entity, so that its entries and its queue share a Redis Cluster slot.
     */
    public String l2Name() {
        return l2Name;
    }

    public RegionStats stats() {
        return stats;
    }

    /** The value for this key from L1 or L2, or null on a miss (a lease, if Redis granted one, goes to {@code leases}). */
    public Object get(TieredKey key, LeaseHolder leases) {
        Object value = peek(key, leases);
        return value instanceof PendingDelete ? null : value;
    }

    /**
     * Like {@link #get}, but a key whose write-behind delete is pending answers {@link PendingDelete}
     * rather than a miss: the caller must not go to the database for it.
     */
    public Object peek(TieredKey key, LeaseHolder leases) {
        L1Entry entry = l1.get(key);
        if (entry != null) {
            stats.l1Hits.increment();
            return entry.value();
        }
        stats.l1Misses.increment();
        long readStamp = l1.readStamp();
        // A caller that will not fill the key takes no lease: an unused one would block other loaders.
        String token = leases == LeaseHolder.NONE ? null : newToken();
        Lookup lookup = runtime.l2("get", name, key, () -> store.get(l2Name, key.text(), token), () -> null);
        if (lookup instanceof Lookup.Hit hit) {
            Object value = decode(key, hit.data());
            if (value == null) {
                return null;
            }
            stats.l2Hits.increment();
            l1.putFromRead(key, value, hit.version(), readStamp);
            return value;
        }
        if (lookup instanceof Lookup.Deleted deleted) {
            stats.l2Hits.increment();
            PendingDelete gone = new PendingDelete(deleted.version());
            l1.putFromRead(key, gone, deleted.version(), readStamp);
            return gone;
        }
        if (lookup instanceof Lookup.Miss miss && miss.leaseGranted()) {
            leases.granted(name, key, token);
        } else if (lookup instanceof Lookup.Locked) {
            stats.l2Locked.increment();
        }
        stats.l2Misses.increment();
        return null;
    }

    /**
     * The values of these keys, in order (null where no tier has one; {@link PendingDelete} where a
     * write-behind delete is pending): L1 first, then every L1 miss from L2 in one round trip. Takes no
     * leases: a caller that loads the misses fills them with plain puts.
     */
    public List<Object> getAll(List<TieredKey> keys) {
        List<Object> values = new ArrayList<>(Collections.nCopies(keys.size(), null));
        List<Integer> misses = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            L1Entry entry = l1.get(keys.get(i));
            if (entry != null) {
                stats.l1Hits.increment();
                values.set(i, entry.value());
            } else {
                stats.l1Misses.increment();
                misses.add(i);
            }
        }
        if (misses.isEmpty()) {
            return values;
        }
        long readStamp = l1.readStamp();
        List<String> texts = misses.stream().map(i -> keys.get(i).text()).toList();
        List<Lookup> lookups = runtime.l2("getAll", name, texts.size() + " keys", () -> store.getAll(l2Name, texts, null), () -> null);
        for (int m = 0; m < misses.size(); m++) {
            TieredKey key = keys.get(misses.get(m));
            if (lookups != null && lookups.get(m) instanceof Lookup.Deleted deleted) {
                // Known absent: a write-behind delete is pending, and the database still has the row.
                stats.l2Hits.increment();
                PendingDelete gone = new PendingDelete(deleted.version());
                l1.putFromRead(key, gone, deleted.version(), readStamp);
                values.set(misses.get(m), gone);
                continue;
            }
            if (lookups != null && lookups.get(m) instanceof Lookup.Hit hit) {
                Object value = decode(key, hit.data());
                if (value != null) {
                    stats.l2Hits.increment();
                    l1.putFromRead(key, value, hit.version(), readStamp);
                    values.set(misses.get(m), value);
                    continue;
                }
            }
            stats.l2Misses.increment();
        }
        return values;
    }

    /**
     * Puts what a reader loaded from the database: fenced in L2 by its lease and version, then in L1.
     * While Redis is unreachable, L1 only (its entries then live no longer than the degraded TTL).
     */
    public boolean putFromLoad(TieredKey key, Object value, long version, LeaseHolder leases) {
        String lease = leases.take(name, key);
        long readStamp = l1.readStamp();
        if (!runtime.breaker().allowsCalls()) {
            return l1.putFromRead(key, value, version, readStamp);
        }
        byte[] bytes = encode(key, value);
        if (bytes == null) {
            return false;
        }
        PutOutcome outcome = runtime.l2("putFromLoad", name, key,
                () -> store.putFromLoad(l2Name, key.text(), lease, version, bytes, l2Ttl), () -> null);
        if (outcome == PutOutcome.STORED) {
            stats.l2Puts.increment();
            return l1.putFromRead(key, value, version, readStamp);
        }
        if (outcome == null) {
            return l1.putFromRead(key, value, version, readStamp);
        }
        stats.l2PutsRefused.increment();
        return false;
    }

    /**
     * A new row's value after its insert commits: fenced in L2 (by version; unversioned, only into an empty
     * key), then L1.
     */
    public boolean putOwnWrite(TieredKey key, Object value, long version) {
        byte[] bytes = encode(key, value);
        if (bytes == null) {
            invalidate(key, deadUpTo(version));
            return false;
        }
        PutOutcome outcome = runtime.l2("putNew", name, key, () -> store.putNew(l2Name, key.text(), version, bytes, l2Ttl), () -> null);
        if (outcome == null) {
            // Redis unreachable: owe a tombstone so that no node keeps or refills an older copy.
            owe(key, deadUpTo(version));
            l1.putOwnWrite(key, value, version);
            return false;
        }
        if (outcome == PutOutcome.STORED) {
            stats.l2Puts.increment();
            l1.putOwnWrite(key, value, version);
            return true;
        }
        stats.l2PutsRefused.increment();
        l1.invalidate(key, version);
        return false;
    }

    /**
     * A write-behind write: the new state (null: a delete) goes to L2, pinned, together with its change
     * record in the queue, in one atomic step; then to L1, and every node is told. Returns the queue's
     * answer, or null when Redis is unreachable (the caller then writes to the database itself).
     */
    public <R> R writeBehind(TieredKey key, Object value, long version,
                             java.util.function.Function<byte[], R> enqueue, java.util.function.Predicate<R> stored) {
        byte[] bytes = null;
        if (value != null) {
            bytes = encode(key, value);
            if (bytes == null) {
                throw new IllegalArgumentException("The new state of " + key + " cannot be stored in L2: see the log");
            }
        }
        byte[] data = bytes;
        R result = runtime.l2("writeBehind", name, key, () -> enqueue.apply(data), () -> null);
        if (result != null && stored.test(result)) {
            stats.l2Puts.increment();
            l1.putOwnWrite(key, value == null ? new PendingDelete(version) : value, version);
            broadcast(key, version);
        }
        return result;
    }

    /** The bytes this region stores for {@code value} (throws if the codec cannot encode it). */
    public byte[] encodeValue(Object value) {
        return codec.encode(value);
    }

    /** The value these bytes stand for (throws if they are not a value of this region). */
    public Object decodeValue(byte[] bytes) {
        return codec.decode(bytes);
    }

    /** Locks the key in L2 before a database write; returns the lock token (null when Redis is unreachable). */
    public String lock(TieredKey key) {
        String token = newToken();
        boolean locked = runtime.l2("lock", name, key, () -> {
            store.lock(l2Name, key.text(), token);
            return true;
        }, () -> false);
        return locked ? token : null;
    }

    /** The write committed with a new value: store it (fenced), release the lock, tell every node. */
    public boolean afterUpdate(TieredKey key, String lockToken, Object value, long version) {
        byte[] bytes = encode(key, value);
        if (bytes == null) {
            afterRemove(key, lockToken, deadUpTo(version));
            return false;
        }
        PutOutcome outcome = runtime.l2("afterUpdate", name, key, () -> lockToken != null
                ? store.releaseAfterUpdate(l2Name, key.text(), lockToken, version, bytes, l2Ttl)
                : store.put(l2Name, key.text(), version, bytes, l2Ttl), () -> null);
        if (outcome == null) {
            owe(key, deadUpTo(version));
            l1.invalidate(key, -1);
            return false;
        }
        if (outcome == PutOutcome.STORED) {
            stats.l2Puts.increment();
            l1.putOwnWrite(key, value, version);
        } else {
            stats.l2PutsRefused.increment();
            l1.invalidate(key, version);
        }
        broadcast(key, version);
        return outcome == PutOutcome.STORED;
    }

    /** A delete committed (or a write whose new state must not be cached): tombstone, release, tell every node. */
    public void afterRemove(TieredKey key, String lockToken, long version) {
        l1.invalidate(key, -1);
        boolean done = runtime.l2("afterRemove", name, key, () -> {
            if (lockToken != null) {
                store.releaseAfterRemove(l2Name, key.text(), lockToken, version);
            } else {
                store.invalidate(l2Name, key.text(), version);
            }
            return true;
        }, () -> false);
        // Every version up to the removed one is dead: other nodes keep only newer L1 entries.
        if (done) {
            broadcast(key, lowestLive(version));
        } else {
            owe(key, version);
        }
    }

    /** The write rolled back: release the lock; every tier keeps what it had. */
    public void afterRollback(TieredKey key, String lockToken) {
        if (lockToken != null) {
            runtime.l2("afterRollback", name, key, () -> {
                store.releaseAfterRollback(l2Name, key.text(), lockToken);
                return true;
            }, () -> false);
            // If this fails the lock expires by itself into a tombstone: a miss, never a wrong value.
        }
    }

    /** Evicts the key everywhere (a tombstone in L2 refuses older late puts). */
    public void invalidate(TieredKey key, long version) {
        afterRemove(key, null, version);
    }

    /** Evicts the whole region everywhere. */
    public void clear() {
        l1.clear();
        boolean done = runtime.l2("clear", name, "*", () -> {
            store.clearRegion(l2Name);
            return true;
        }, () -> false);
        if (done) {
            stats.invalidationsSent.increment();
            runtime.publish(Invalidation.region(runtime.nodeId(), name), null);
        } else {
            runtime.pending().addRegion(name);
        }
    }

    /** What L1 holds for this key text, without counting a hit or a miss (for checkers and diagnostics). */
    public L1Entry peekL1(String keyText) {
        return l1.peek(TieredKey.ofText(keyText));
    }

    public boolean containsInL1(TieredKey key) {
        return l1.contains(key);
    }

    void clearL1() {
        l1.clear();
    }

    void onRemoteInvalidation(Invalidation invalidation) {
        stats.invalidationsReceived.increment();
        if (invalidation.kind() == Invalidation.Kind.REGION) {
            l1.clear();
        } else {
            l1.invalidate(TieredKey.ofText(invalidation.keyText()), invalidation.version());
        }
    }

    private void broadcast(TieredKey key, long version) {
        stats.invalidationsSent.increment();
        runtime.publish(Invalidation.key(runtime.nodeId(), name, key.text(), version), key.text());
    }

    /** Owes Redis a tombstone for every version up to {@code deadUpTo}, and the message that says so. */
    private void owe(TieredKey key, long deadUpTo) {
        runtime.pending().add(name, key.text(), deadUpTo);
    }

    /** The versions a write at {@code version} makes dead: all before it (none known when unversioned). */
    private static long deadUpTo(long version) {
        return version < 0 ? -1 : version - 1;
    }

    /** The lowest version still alive once every version up to {@code deadUpTo} is dead. */
    static long lowestLive(long deadUpTo) {
        return deadUpTo < 0 ? -1 : deadUpTo + 1;
    }

    private Object decode(TieredKey key, byte[] bytes) {
        try {
            return codec.decode(bytes);
        } catch (RuntimeException undecodable) {
            stats.decodeFailures.increment();
            if (stats.decodeFailures.sum() == 1) {
                log.warn("Undecodable L2 value for {} in region {}: treated as a miss and removed ({})",
                        key, name, undecodable.getMessage());
            } else {
                log.debug("Undecodable L2 value for {} in region {}", key, name, undecodable);
            }
            boolean removed = runtime.l2("remove", name, key, () -> store.remove(l2Name, key.text()), () -> false);
            if (!removed) {
                log.warn("Undecodable pinned L2 value for {} in region {} (a write-behind write is pending): kept for the flusher",
                        key, name);
            }
            return null;
        }
    }

    private byte[] encode(TieredKey key, Object value) {
        try {
            return codec.encode(value);
        } catch (RuntimeException unencodable) {
            log.warn("Cannot encode a value for {} in region {}; it stays out of L2: {}", key, name, unencodable.getMessage());
            return null;
        }
    }

    private static String newToken() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        return Long.toHexString(random.nextLong()) + Long.toHexString(random.nextLong());
    }
}
