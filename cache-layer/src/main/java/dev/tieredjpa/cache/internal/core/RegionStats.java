package dev.tieredjpa.cache.internal.core;

import java.util.concurrent.atomic.LongAdder;

/** Counters of one region, per tier; striped (LongAdder) so that counting does not slow the hit path. */
public final class RegionStats {

    final LongAdder l1Hits = new LongAdder();
    final LongAdder l1Misses = new LongAdder();
    final LongAdder l2Hits = new LongAdder();
    final LongAdder l2Misses = new LongAdder();
    final LongAdder l2Locked = new LongAdder();
    final LongAdder l2Puts = new LongAdder();
    final LongAdder l2PutsRefused = new LongAdder();
    final LongAdder l2Errors = new LongAdder();
    final LongAdder decodeFailures = new LongAdder();
    final LongAdder invalidationsSent = new LongAdder();
    final LongAdder invalidationsReceived = new LongAdder();

    public long l1Hits() { return l1Hits.sum(); }
    public long l1Misses() { return l1Misses.sum(); }
    public long l2Hits() { return l2Hits.sum(); }
    public long l2Misses() { return l2Misses.sum(); }
    public long l2Locked() { return l2Locked.sum(); }
    public long l2Puts() { return l2Puts.sum(); }
    public long l2PutsRefused() { return l2PutsRefused.sum(); }
    public long l2Errors() { return l2Errors.sum(); }
    public long decodeFailures() { return decodeFailures.sum(); }
    public long invalidationsSent() { return invalidationsSent.sum(); }
    public long invalidationsReceived() { return invalidationsReceived.sum(); }

    @Override
    public String toString() {
        return "RegionStats{l1Hits=" + l1Hits() + ", l1Misses=" + l1Misses() + ", l2Hits=" + l2Hits() + ", l2Misses=" + l2Misses()
                + ", l2Locked=" + l2Locked() + ", l2Puts=" + l2Puts() + ", l2PutsRefused=" + l2PutsRefused()
                + ", l2Errors=" + l2Errors() + ", decodeFailures=" + decodeFailures()
                + ", invalidationsSent=" + invalidationsSent() + ", invalidationsReceived=" + invalidationsReceived() + "}";
    }
}
