package dev.tieredjpa.cache.internal.core;

import dev.tieredjpa.cache.stats.LatencySnapshot;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;

/**
 * A lock-free histogram of durations in nanoseconds, for percentiles that cost the recording thread a few
 * atomic increments and no lock.
 *
 * <h2>Buckets</h2>
 * Log-linear, as HdrHistogram's: values below 64 ns have a bucket each; above, every power of two
 * {@code [2^e, 2^(e+1))} is cut into 32 equal buckets of width {@code 2^(e-5)}. A bucket is then at most
 * 1/32 as wide as its lower bound, and its midpoint, which is what a percentile reports, lies within 1/64
 * (about 1.6%) of every value in it. Values from 2^42 ns (about 73 minutes) up share the top bucket;
 * {@link LatencySnapshot#maxNanos() the maximum} is kept exactly. That is {@value #BUCKETS} buckets.
 *
 * <h2>Recording</h2>
 * {@link #record} increments one bucket with one atomic add, adds the value to a {@link LongAdder} and
 * offers it to a max accumulator (a plain read unless it is a new maximum). Threads record into one of a
 * few stripes of buckets, picked by thread id, so that threads on different cores seldom share a cache line;
 * a stripe's buckets are allocated when a thread first records into it, so a histogram nobody records
 * into costs a few objects.
 *
 * <h2>Reading</h2>
 * {@link #snapshot} adds the stripes up and walks the buckets once. It is not atomic with recording: a
 * value recorded meanwhile may be in the count but not in the sum, or the reverse. Percentiles are
 * reported as the midpoint of the bucket holding the sample of rank {@code ceil(q * count)}, and never
 * above the maximum.
 */
public final class LatencyHistogram {

    /** Bits of the sub-bucket index: 2^5 = 32 buckets per power of two. */
    private static final int SUB_BITS = 5;
    private static final int SUB_COUNT = 1 << SUB_BITS;
    /** The highest power of two with buckets of its own; larger values go to the top bucket. */
    private static final int MAX_EXPONENT = 41;
    static final int BUCKETS = ((MAX_EXPONENT - SUB_BITS) << SUB_BITS) + 2 * SUB_COUNT;
    private static final int STRIPES = stripes();

    private final AtomicReferenceArray<AtomicLongArray> stripes = new AtomicReferenceArray<>(STRIPES);
    private final LongAdder totalNanos = new LongAdder();
    private final LongAccumulator maxNanos = new LongAccumulator(Math::max, 0);

    /** Records one duration; a negative one counts as 0. */
    public void record(long nanos) {
        long value = Math.max(0, nanos);
        int stripe = (int) Thread.currentThread().getId() & (STRIPES - 1);
        AtomicLongArray buckets = stripes.get(stripe);
        if (buckets == null) {
            stripes.compareAndSet(stripe, null, new AtomicLongArray(BUCKETS));
            buckets = stripes.get(stripe);
        }
        buckets.getAndIncrement(bucketOf(value));
        totalNanos.add(value);
        maxNanos.accumulate(value);
    }

    /** Count, mean and percentiles of everything recorded so far. */
    public LatencySnapshot snapshot() {
        long[] counts = new long[BUCKETS];
        long count = 0;
        for (int s = 0; s < STRIPES; s++) {
            AtomicLongArray buckets = stripes.get(s);
            if (buckets == null) {
                continue;
            }
            for (int i = 0; i < BUCKETS; i++) {
                long n = buckets.get(i);
                counts[i] += n;
                count += n;
            }
        }
        if (count == 0) {
            return LatencySnapshot.EMPTY;
        }
        long max = maxNanos.get();
        return new LatencySnapshot(count, totalNanos.sum(), percentile(counts, count, 0.50, max),
                percentile(counts, count, 0.95, max), percentile(counts, count, 0.99, max), max);
    }

    /** The bucket of a value: exact below 64, then 32 per power of two. */
    static int bucketOf(long value) {
        if (value < 2 * SUB_COUNT) {
            return (int) value;
        }
        int exponent = 63 - Long.numberOfLeadingZeros(value);
        if (exponent > MAX_EXPONENT) {
            return BUCKETS - 1;
        }
        int shift = exponent - SUB_BITS;
        return (shift << SUB_BITS) + (int) (value >>> shift);
    }

    /** The smallest value that falls in {@code bucket}. */
    static long lowerBound(int bucket) {
        if (bucket < 2 * SUB_COUNT) {
            return bucket;
        }
        int shift = (bucket >> SUB_BITS) - 1;
        return (long) (SUB_COUNT + (bucket & (SUB_COUNT - 1))) << shift;
    }

    /** The value a percentile reports for {@code bucket}: its midpoint (exact buckets: their value). */
    static long representative(int bucket) {
        if (bucket < 2 * SUB_COUNT) {
            return bucket;
        }
        int shift = (bucket >> SUB_BITS) - 1;
        return lowerBound(bucket) + (1L << shift) / 2;
    }

    private static long percentile(long[] counts, long count, double quantile, long max) {
        long rank = Math.max(1, (long) Math.ceil(quantile * count));
        long seen = 0;
        for (int i = 0; i < counts.length; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return Math.min(representative(i), max);
            }
        }
        return max;
    }

    private static int stripes() {
        // The power of two at or above the processor count, at most 4.
        int cpus = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
        return Integer.highestOneBit(cpus * 2 - 1);
    }
}
