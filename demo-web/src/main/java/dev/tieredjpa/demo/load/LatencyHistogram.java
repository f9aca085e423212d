package dev.tieredjpa.demo.load;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Latencies in microseconds, counted in log-linear buckets: exact below 16 µs, then 16 buckets for every
 * power of two, so a percentile read back is within 1/16 (6.25%) of the true value. Up to 2^37 µs (about
 * 38 hours); longer ones count in the last bucket. Lock-free; many threads may record while one reads.
 */
public final class LatencyHistogram {

    private static final int SUB_BUCKETS = 16;
    private static final int MAX_SHIFT = 32;
    private static final int BUCKETS = SUB_BUCKETS + (MAX_SHIFT + 1) * SUB_BUCKETS;

    private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);

    /** Counts one latency. */
    public void recordNanos(long nanos) {
        counts.incrementAndGet(index(Math.max(0, nanos / 1_000)));
    }

    /** How many latencies were recorded. */
    public long count() {
        long total = 0;
        for (int i = 0; i < BUCKETS; i++) {
            total += counts.get(i);
        }
        return total;
    }

    /**
     * The latency in microseconds below which a {@code quantile} share (0 to 1) of the recorded ones lie: the
     * middle of the bucket that holds it; 0 when nothing was recorded.
     */
    public long percentileMicros(double quantile) {
        if (!(quantile >= 0 && quantile <= 1)) {
            throw new IllegalArgumentException("quantile must be from 0 to 1, but was " + quantile);
        }
        long[] snapshot = new long[BUCKETS];
        long total = 0;
        for (int i = 0; i < BUCKETS; i++) {
            snapshot[i] = counts.get(i);
            total += snapshot[i];
        }
        if (total == 0) {
            return 0;
        }
        long rank = Math.max(1, (long) Math.ceil(quantile * total));
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += snapshot[i];
            if (seen >= rank) {
                return (lowerBound(i) + lowerBound(i + 1) - 1) / 2;
            }
        }
        return lowerBound(BUCKETS - 1);
    }

    static int index(long micros) {
        if (micros < SUB_BUCKETS) {
            return (int) micros;
        }
        int shift = 63 - Long.numberOfLeadingZeros(micros) - 4;
        if (shift > MAX_SHIFT) {
            return BUCKETS - 1;
        }
        int sub = (int) (micros >>> shift) - SUB_BUCKETS;
        return SUB_BUCKETS + shift * SUB_BUCKETS + sub;
    }

    static long lowerBound(int index) {
        if (index < SUB_BUCKETS) {
            return index;
        }
        int shift = (index - SUB_BUCKETS) / SUB_BUCKETS;
        int sub = (index - SUB_BUCKETS) % SUB_BUCKETS;
        return (long) (SUB_BUCKETS + sub) << shift;
    }
}
