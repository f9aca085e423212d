package dev.tieredjpa.cache.internal.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.tieredjpa.cache.stats.LatencySnapshot;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The histogram's percentiles against distributions whose percentiles are known exactly. */
class LatencyHistogramTest {

    /** A bucket's midpoint is within 1/64 of every value in it. */
    private static final double PRECISION = 1.0 / 64;

    @Test
    void snapshot_uniformOneToOneMillion_percentilesWithinPrecisionAndCountSumMaxExact() {
        LatencyHistogram histogram = new LatencyHistogram();
        List<Long> values = new ArrayList<>();
        for (long v = 1; v <= 1_000_000; v++) {
            values.add(v);
        }
        Collections.shuffle(values, new Random(7));
        values.forEach(histogram::record);

        LatencySnapshot snapshot = histogram.snapshot();

        assertThat(snapshot.count()).isEqualTo(1_000_000);
        assertThat(snapshot.totalNanos()).isEqualTo(1_000_000L * 1_000_001L / 2);
        assertThat(snapshot.meanNanos()).isEqualTo(500_000.5);
        assertThat(snapshot.maxNanos()).isEqualTo(1_000_000);
        // The value of rank ceil(q * n) of 1..n is ceil(q * n) itself.
        assertThat(snapshot.p50Nanos()).isCloseTo(500_000L, within((long) (500_000 * PRECISION)));
        assertThat(snapshot.p95Nanos()).isCloseTo(950_000L, within((long) (950_000 * PRECISION)));
        assertThat(snapshot.p99Nanos()).isCloseTo(990_000L, within((long) (990_000 * PRECISION)));
    }

    @Test
    void snapshot_logNormalLatencies_eachPercentileWithinPrecisionOfExactRank() {
        // Latencies spread over four orders of magnitude (~2 µs to ~20 ms), as reads through tiers are.
        Random random = new Random(42);
        long[] values = new long[200_000];
        LatencyHistogram histogram = new LatencyHistogram();
        for (int i = 0; i < values.length; i++) {
            values[i] = (long) Math.exp(12 + 1.5 * random.nextGaussian());
            histogram.record(values[i]);
        }
        Arrays.sort(values);

        LatencySnapshot snapshot = histogram.snapshot();

        assertThat(snapshot.p50Nanos()).isCloseTo(exactRank(values, 0.50), within(tolerance(exactRank(values, 0.50))));
        assertThat(snapshot.p95Nanos()).isCloseTo(exactRank(values, 0.95), within(tolerance(exactRank(values, 0.95))));
        assertThat(snapshot.p99Nanos()).isCloseTo(exactRank(values, 0.99), within(tolerance(exactRank(values, 0.99))));
        assertThat(snapshot.maxNanos()).isEqualTo(values[values.length - 1]);
    }

    @Test
    void snapshot_twoClusters_percentilesFallInTheRightCluster() {
        LatencyHistogram histogram = new LatencyHistogram();
        for (int i = 0; i < 940; i++) {
            histogram.record(1_000); // L1-like: 1 µs
        }
        for (int i = 0; i < 60; i++) {
            histogram.record(5_000_000); // DB-like: 5 ms
        }

        LatencySnapshot snapshot = histogram.snapshot();

        assertThat(snapshot.p50Nanos()).isCloseTo(1_000L, within(16L));
        // rank 950 and 990 of 1000 are in the slow cluster
        assertThat(snapshot.p95Nanos()).isCloseTo(5_000_000L, within((long) (5_000_000 * PRECISION)));
        assertThat(snapshot.p99Nanos()).isCloseTo(5_000_000L, within((long) (5_000_000 * PRECISION)));
    }

    @Test
    void snapshot_valuesBelowSixtyFour_exact() {
        LatencyHistogram histogram = new LatencyHistogram();
        for (long v = 0; v < 64; v++) {
            histogram.record(v);
        }
        histogram.record(-5); // counts as 0

        LatencySnapshot snapshot = histogram.snapshot();

        assertThat(snapshot.count()).isEqualTo(65);
        assertThat(snapshot.p50Nanos()).isEqualTo(31); // rank 33 of 0, 0, 1, ..., 63
        assertThat(snapshot.p99Nanos()).isEqualTo(63);
        assertThat(snapshot.maxNanos()).isEqualTo(63);
    }

    @Test
    void snapshot_nothingRecorded_empty() {
        assertThat(new LatencyHistogram().snapshot()).isEqualTo(LatencySnapshot.EMPTY);
        assertThat(LatencySnapshot.EMPTY.meanNanos()).isZero();
    }

    @Test
    void snapshot_hugeValue_topBucketButExactMax() {
        LatencyHistogram histogram = new LatencyHistogram();
        long hours = TimeUnit.HOURS.toNanos(5);
        histogram.record(hours);

        LatencySnapshot snapshot = histogram.snapshot();

        assertThat(snapshot.maxNanos()).isEqualTo(hours);
        assertThat(snapshot.p50Nanos()).isLessThanOrEqualTo(hours).isGreaterThan(TimeUnit.MINUTES.toNanos(70));
    }

    @Test
    void bucketOf_everyBucketBoundary_contiguousAndWithinPrecision() {
        for (int bucket = 1; bucket < LatencyHistogram.BUCKETS; bucket++) {
            long lower = LatencyHistogram.lowerBound(bucket);
            assertThat(LatencyHistogram.bucketOf(lower)).as("lower bound of bucket %d", bucket).isEqualTo(bucket);
            assertThat(LatencyHistogram.bucketOf(lower - 1)).as("below bucket %d", bucket).isEqualTo(bucket - 1);
            long upper = bucket + 1 < LatencyHistogram.BUCKETS ? LatencyHistogram.lowerBound(bucket + 1) - 1 : lower;
            long mid = LatencyHistogram.representative(bucket);
            assertThat(Math.abs(mid - lower)).isLessThanOrEqualTo((long) Math.ceil(lower * PRECISION));
            assertThat(Math.abs(upper - mid)).isLessThanOrEqualTo((long) Math.ceil(upper * PRECISION));
        }
    }

    @Test
    void record_fourThreadsConcurrently_noRecordLost() throws Exception {
        LatencyHistogram histogram = new LatencyHistogram();
        int threads = 4;
        int each = 250_000;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                done.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < each; i++) {
                        histogram.record(1_000 + (i % 100));
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> future : done) {
                future.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        LatencySnapshot snapshot = histogram.snapshot();

        assertThat(snapshot.count()).isEqualTo((long) threads * each);
        assertThat(snapshot.totalNanos()).isEqualTo((long) threads * (each / 100) * (100 * 1_000 + 99 * 100 / 2));
        assertThat(snapshot.maxNanos()).isEqualTo(1_099);
    }

    private static long exactRank(long[] sorted, double quantile) {
        return sorted[(int) Math.ceil(quantile * sorted.length) - 1];
    }

    private static long tolerance(long value) {
        return Math.max(1, (long) Math.ceil(value * PRECISION));
    }
}
