package dev.tieredjpa.cache.internal.core;

import dev.tieredjpa.cache.stats.LatencySnapshot;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of one region, per tier; striped (LongAdder) so that counting does not slow the hit path, and
 * lock-free latency histograms. What each counts, and how the tiers' requests add up, is told in
 * {@link dev.tieredjpa.cache.stats.RegionSnapshot}.
 */
public final class RegionStats {

    final LongAdder l1Hits = new LongAdder();
    final LongAdder l1Misses = new LongAdder();
    final LongAdder l2Hits = new LongAdder();
    final LongAdder l2Misses = new LongAdder();
    final LongAdder l2Locked = new LongAdder();
    final LongAdder l2Puts = new LongAdder();
    final LongAdder l2PutsRefused = new LongAdder();
    final LongAdder l2Errors = new LongAdder();
    /** Calls to Redis (each one round trip; a batch of many keys counts once). */
    final LongAdder l2Calls = new LongAdder();
    final LongAdder decodeFailures = new LongAdder();
    /** L2 entries a script of this node found holding what the library does not write, and repaired. */
    final LongAdder l2Repairs = new LongAdder();
    final LongAdder invalidationsSent = new LongAdder();
    final LongAdder invalidationsReceived = new LongAdder();
    /** Invalidations sent that some node did not confirm within the ack timeout. */
    final LongAdder invalidationAckTimeouts = new LongAdder();
    /** Readers that waited for a load of the same key by another thread of this JVM. */
    final LongAdder flightWaits = new LongAdder();
    /** Loads that waited for another node's lease (once per load, however many looks it took). */
    final LongAdder leaseWaits = new LongAdder();
    /** Of those, the ones that then read the other node's value from L2. */
    final LongAdder leaseWaitsServed = new LongAdder();
    /** Of those, the ones that waited past their bound and loaded themselves. */
    final LongAdder leaseWaitsTimedOut = new LongAdder();
    /** Reads that XFetch chose to refresh a value before it expired (and that got the lease to). */
    final LongAdder earlyRefreshes = new LongAdder();
    /** Misses on a value past its logical expiry (still in Redis for stale-if-error). */
    final LongAdder expiredMisses = new LongAdder();
    /** Reads answered "no such row" by the negative cache. */
    final LongAdder negativeHits = new LongAdder();
    final LongAdder negativePuts = new LongAdder();
    /** Expired values served because their reload failed, and those refused as too old. */
    final LongAdder staleServed = new LongAdder();
    final LongAdder staleRefused = new LongAdder();
    /** Hot keys reloaded ahead of expiry by this node. */
    final LongAdder refreshesAhead = new LongAdder();
    /** Values loaded from the database and put, plus "no such row" answers. */
    final LongAdder dbLoads = new LongAdder();
    /** Of the loads, the "no such row" answers. */
    final LongAdder dbAbsent = new LongAdder();
    /** Encoded sizes of the values this region stored in or read from L2: the base of L1's heap estimate. */
    final LongAdder encodedBytes = new LongAdder();
    final LongAdder encodedValues = new LongAdder();
    /** L1 hits, sampled (see {@link TieredRegion#peek}). */
    final LatencyHistogram l1HitLatency = new LatencyHistogram();
    /** Round trips of reads to L2. */
    final LatencyHistogram l2Latency = new LatencyHistogram();
    /** From the lease of a miss to its put. */
    final LatencyHistogram dbLoadTime = new LatencyHistogram();
    /** From another node's publish to this node's hearing it, by wall clocks. */
    final LatencyHistogram propagationDelay = new LatencyHistogram();

    public long l1Hits() { return l1Hits.sum(); }
    public long l1Misses() { return l1Misses.sum(); }
    public long l2Hits() { return l2Hits.sum(); }
    public long l2Misses() { return l2Misses.sum(); }
    public long l2Locked() { return l2Locked.sum(); }
    public long l2Puts() { return l2Puts.sum(); }
    public long l2PutsRefused() { return l2PutsRefused.sum(); }
    public long l2Errors() { return l2Errors.sum(); }
    public long l2Calls() { return l2Calls.sum(); }
    public long decodeFailures() { return decodeFailures.sum(); }
    public long l2Repairs() { return l2Repairs.sum(); }
    public long invalidationsSent() { return invalidationsSent.sum(); }
    public long invalidationsReceived() { return invalidationsReceived.sum(); }
    public long invalidationAckTimeouts() { return invalidationAckTimeouts.sum(); }
    public long flightWaits() { return flightWaits.sum(); }
    public long leaseWaits() { return leaseWaits.sum(); }
    public long leaseWaitsServed() { return leaseWaitsServed.sum(); }
    public long leaseWaitsTimedOut() { return leaseWaitsTimedOut.sum(); }
    public long earlyRefreshes() { return earlyRefreshes.sum(); }
    public long expiredMisses() { return expiredMisses.sum(); }
    public long negativeHits() { return negativeHits.sum(); }
    public long negativePuts() { return negativePuts.sum(); }
    public long staleServed() { return staleServed.sum(); }
    public long staleRefused() { return staleRefused.sum(); }
    public long refreshesAhead() { return refreshesAhead.sum(); }
    public long dbLoads() { return dbLoads.sum(); }
    public long dbAbsent() { return dbAbsent.sum(); }
    public LatencySnapshot l1HitLatency() { return l1HitLatency.snapshot(); }
    public LatencySnapshot l2Latency() { return l2Latency.snapshot(); }
    public LatencySnapshot dbLoadTime() { return dbLoadTime.snapshot(); }
    public LatencySnapshot propagationDelay() { return propagationDelay.snapshot(); }

    /** The mean size of the values encoded and decoded for L2, in bytes; -1 before the first. */
    public long meanEncodedBytes() {
        long values = encodedValues.sum();
        return values == 0 ? -1 : encodedBytes.sum() / values;
    }

    void recordEncodedSize(int bytes) {
        encodedBytes.add(bytes);
        encodedValues.increment();
    }

    @Override
    public String toString() {
        return "RegionStats{l1Hits=" + l1Hits() + ", l1Misses=" + l1Misses() + ", l2Hits=" + l2Hits() + ", l2Misses=" + l2Misses()
                + ", l2Locked=" + l2Locked() + ", l2Puts=" + l2Puts() + ", l2PutsRefused=" + l2PutsRefused()
                + ", l2Errors=" + l2Errors() + ", decodeFailures=" + decodeFailures() + ", l2Repairs=" + l2Repairs()
                + ", invalidationsSent=" + invalidationsSent() + ", invalidationsReceived=" + invalidationsReceived()
                + ", flightWaits=" + flightWaits() + ", leaseWaits=" + leaseWaits() + ", leaseWaitsServed=" + leaseWaitsServed()
                + ", leaseWaitsTimedOut=" + leaseWaitsTimedOut() + ", earlyRefreshes=" + earlyRefreshes()
                + ", expiredMisses=" + expiredMisses() + ", negativeHits=" + negativeHits() + ", negativePuts=" + negativePuts()
                + ", staleServed=" + staleServed() + ", staleRefused=" + staleRefused() + ", refreshesAhead=" + refreshesAhead()
                + ", l2Calls=" + l2Calls() + ", dbLoads=" + dbLoads() + ", dbAbsent=" + dbAbsent() + "}";
    }
}
