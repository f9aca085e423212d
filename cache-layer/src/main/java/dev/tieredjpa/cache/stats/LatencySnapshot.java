package dev.tieredjpa.cache.stats;

import java.time.Duration;

/**
 * The distribution of one kind of duration on one node since it started, in <b>nanoseconds</b>.
 *
 * <p>{@code count}, {@code totalNanos} and {@code maxNanos} are exact. The percentiles come from a
 * log-linear histogram: each is within 1/64 (about 1.6%) of the recorded value of its rank
 * ({@code ceil(q * count)}), exact below 64 ns, and never above {@code maxNanos}.
 *
 * @param count      durations recorded
 * @param totalNanos their sum
 * @param p50Nanos   the median
 * @param p95Nanos   the 95th percentile
 * @param p99Nanos   the 99th percentile
 * @param maxNanos   the longest
 */
public record LatencySnapshot(long count, long totalNanos, long p50Nanos, long p95Nanos, long p99Nanos, long maxNanos) {

    /** Nothing recorded. */
    public static final LatencySnapshot EMPTY = new LatencySnapshot(0, 0, 0, 0, 0, 0);

    public LatencySnapshot {
        if (count < 0 || totalNanos < 0 || p50Nanos < 0 || p95Nanos < 0 || p99Nanos < 0 || maxNanos < 0) {
            throw new IllegalArgumentException("latency figures must not be negative, but were count=" + count
                    + ", totalNanos=" + totalNanos + ", p50Nanos=" + p50Nanos + ", p95Nanos=" + p95Nanos
                    + ", p99Nanos=" + p99Nanos + ", maxNanos=" + maxNanos);
        }
    }

    /** {@code totalNanos / count}; 0 when nothing was recorded. */
    public double meanNanos() {
        return count == 0 ? 0 : (double) totalNanos / count;
    }

    /** {@link #meanNanos()} as a duration (rounded down to the nanosecond). */
    public Duration mean() {
        return Duration.ofNanos((long) meanNanos());
    }
}
