package dev.tieredjpa.cache.stats;

import dev.tieredjpa.cache.WriteBehindStats;
import java.util.Objects;
import java.util.Optional;

/**
 * The figures of one region (an entity, collection or natural-id region, or one direct-face cache) on one
 * node, since the node started, per tier.
 *
 * <h2>How a read is counted</h2>
 * Every read (a Hibernate {@code get}, a {@code TieredCache.get}, each key of a multi-get) is one L1
 * request: an L1 hit or an L1 miss. An L1 miss that goes on to L2 is one L2 request, counted once when
 * the reader settles, however many looks it took (a value that could not be decoded, a wait for another
 * node's load): an L2 hit, or an L2 miss. A miss that the breaker answered, Redis being unreachable,
 * counts as an L2 miss. A reader that joined another thread's load of the same key in this JVM, and got
 * its value, asked L2 nothing. A read chosen by early refresh to reload a value that L1 still holds counts
 * as an L1 hit (and as an {@link Freshness#earlyRefreshes() early refresh}).
 *
 * <p>A DB load is a value the reader loaded and put ({@code putFromLoad}, one per key of a multi-load),
 * or an answer of "no such row" it put or would have put ({@code putAbsent}); a key the negative cache
 * answered was not loaded. Loads also come from query results and refresh-ahead, which are no read of
 * the cache, so {@code db.loads} can exceed the L2 misses.
 *
 * @param name           the region's name
 * @param l1             the tier in this JVM
 * @param l2             the tier in Redis
 * @param db             loads from the database
 * @param invalidations  changes told to and heard from other nodes
 * @param waits          reads that waited for another reader's load
 * @param freshness      early refresh, refresh-ahead, stale-if-error and the negative cache
 * @param decodeFailures L2 values that could not be decoded (read as misses, and removed)
 * @param writeBehind    the write-behind queue, for the region of a write-behind entity
 */
public record RegionSnapshot(String name, L1 l1, L2 l2, Db db, Invalidations invalidations, Waits waits,
                             Freshness freshness, long decodeFailures, Optional<WriteBehindStats> writeBehind) {

    public RegionSnapshot {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(l1, "l1");
        Objects.requireNonNull(l2, "l2");
        Objects.requireNonNull(db, "db");
        Objects.requireNonNull(invalidations, "invalidations");
        Objects.requireNonNull(waits, "waits");
        Objects.requireNonNull(freshness, "freshness");
        Objects.requireNonNull(writeBehind, "writeBehind");
    }

    /** Reads of this region: {@code l1.hits + l1.misses}. */
    public long requests() {
        return l1.requests();
    }

    /** {@code l1.hits / requests}: reads served by L1; 1.0 when there were none. */
    public double l1HitRate() {
        return l1.hitRate();
    }

    /** {@code l2.hits / l2.requests}: of the L1 misses that went on to L2, those L2 served; 1.0 when there were none. */
    public double l2HitRate() {
        return l2.hitRate();
    }

    /** {@code db.loads / requests}: loads per read; 0.0 when there were no reads (can exceed 1, see above). */
    public double dbLoadRate() {
        return requests() == 0 ? 0.0 : (double) db.loads() / requests();
    }

    /**
     * The mean time of a read, estimated from the tiers:
     * {@code (l1.hits * l1.hitLatency.mean + l2.requests * l2.latency.mean + db.loads * db.loadTime.mean) / requests},
     * in nanoseconds; 0 when there were no reads. Each term is what reads served at that tier spent there
     * (a read served by the database also paid its L2 round trip, which the second term holds). An
     * estimate: L1 hit latency is sampled, and L2 latency counts every round trip of a read.
     */
    public double averageLatencyNanos() {
        long requests = requests();
        if (requests == 0) {
            return 0.0;
        }
        double total = l1.hits() * l1.hitLatency().meanNanos() + l2.requests() * l2.latency().meanNanos()
                + db.loads() * db.loadTime().meanNanos();
        return total / requests;
    }

    /**
     * L1, this JVM's Ehcache.
     *
     * @param hits               reads L1 answered
     * @param misses             reads L1 had no live entry for
     * @param puts               entries stored (a fill, an L2 hit, this node's own write)
     * @param evictions          entries Ehcache evicted to stay within its size (-1: unknown)
     * @param entries            entries held now (-1: unknown)
     * @param estimatedHeapBytes {@code entries * (200 + 4 * mean encoded value size)}: a rough estimate of the
     *                           heap they take. The encoded size is the mean over the values this region
     *                           encoded and decoded for L2 (0 before the first); in the heap a value takes a few times its
     *                           compact encoding, and each entry carries its key, holder and map node
     *                           (about 200 bytes). Good to an order of magnitude; -1 when unknown.
     * @param hitLatency         the time of an L1 hit, from the start of the read to its answer, <b>sampled</b>:
     *                           one single-key read in 64 (drawn at random) is timed, so {@code hitLatency.count}
     *                           is about {@code hits / 64}; a multi-get's hits are counted but not timed
     */
    public record L1(long hits, long misses, long puts, long evictions, long entries, long estimatedHeapBytes,
                     LatencySnapshot hitLatency) {

        /** {@code hits + misses}: every read. */
        public long requests() {
            return hits + misses;
        }

        /** {@code hits / requests}; 1.0 when there were none. */
        public double hitRate() {
            long requests = requests();
            return requests == 0 ? 1.0 : (double) hits / requests;
        }
    }

    /**
     * L2, Redis.
     *
     * @param hits        L1 misses that L2 answered with a value (or with a pending write-behind delete)
     * @param misses      L1 misses that L2 did not answer with a value: absent, locked by a write, expired,
     *                    negatively cached, undecodable, or Redis unreachable
     * @param puts        values stored in L2 (fills and writes)
     * @param putsRefused fills and writes L2 refused (a newer version, a tombstone, a revoked lease)
     * @param errors      L2 calls that failed (each is answered from the next tier)
     * @param calls       round trips to Redis (a multi-get counts once)
     * @param locked      of the misses, those where a write held the key's lock
     * @param repairs     entries a script of this node found holding what the library does not write, and
     *                    repaired, in the same round trip: a key of another Redis type under the entry's name
     *                    (deleted), fields whose value is not of the library's form (a version, time or flag
     *                    that is not one; dropped), data without a version (dropped). Once per entry and repair.
     *                    Values that do not decode are counted apart, as {@link RegionSnapshot#decodeFailures()}
     * @param latency     the time of each read's round trip to Redis (every look a read made; multi-gets once)
     */
    public record L2(long hits, long misses, long puts, long putsRefused, long errors, long calls, long locked,
                     long repairs, LatencySnapshot latency) {

        /** {@code hits + misses}: the L1 misses that went on to L2. */
        public long requests() {
            return hits + misses;
        }

        /** {@code hits / requests}; 1.0 when there were none. */
        public double hitRate() {
            long requests = requests();
            return requests == 0 ? 1.0 : (double) hits / requests;
        }
    }

    /**
     * The database, behind both tiers.
     *
     * @param loads    values loaded (each {@code putFromLoad} key) plus "no such row" answers
     * @param absent   of the loads, those that found no row
     * @param loadTime from the miss that granted the reader its lease to its put: the database read and
     *                 whatever the caller did before putting (loads without a lease are not timed)
     */
    public record Db(long loads, long absent, LatencySnapshot loadTime) {
    }

    /**
     * Changes of this region's keys told to other nodes, and heard from them.
     *
     * @param sent             key and whole-region invalidations this node published to the other nodes (a
     *                         publish that failed, and was owed until Redis answered again, included)
     * @param received         invalidations heard from other nodes
     * @param ackTimeouts      invalidations sent that some node did not confirm within
     *                         {@code tiered-cache.invalidation.ack-timeout}: that node may have served the old
     *                         value from L1 after the write returned (alert when this grows)
     * @param propagationDelay from the sender's wall clock when it published to this node's wall clock when it
     *                         heard: exact only as far as the nodes' clocks agree (nodes on one machine share
     *                         a clock; across machines, NTP skew adds to or hides delay, and a negative delay
     *                         is recorded as 0). Messages from nodes that do not send their time are not timed.
     */
    public record Invalidations(long sent, long received, long ackTimeouts, LatencySnapshot propagationDelay) {
    }

    /**
     * Reads that waited for another reader's load of the same key rather than loading it too.
     *
     * @param flight        waits for another thread of this JVM
     * @param lease         loads that waited for another node's lease (once per load)
     * @param leaseServed   of those, the ones that then read the other node's value from L2
     * @param leaseTimedOut of those, the ones that waited past their bound and loaded themselves
     */
    public record Waits(long flight, long lease, long leaseServed, long leaseTimedOut) {
    }

    /**
     * The read policy at work.
     *
     * @param earlyRefreshes reads XFetch chose to reload a value before it expired
     * @param refreshesAhead hot keys this node reloaded ahead of expiry
     * @param expiredMisses  misses on a value past its logical expiry
     * @param negativeHits   reads answered "no such row" by the negative cache
     * @param negativePuts   "no such row" answers stored in the negative cache
     * @param staleServed    expired values served because their reload failed
     * @param staleRefused   expired values refused as too old to serve
     */
    public record Freshness(long earlyRefreshes, long refreshesAhead, long expiredMisses, long negativeHits,
                            long negativePuts, long staleServed, long staleRefused) {
    }
}
