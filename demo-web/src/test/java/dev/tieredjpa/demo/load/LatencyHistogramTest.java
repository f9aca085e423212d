package dev.tieredjpa.demo.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The load command's latency histogram: percentiles within its bucket precision. */
class LatencyHistogramTest {

    @Test
    void percentile_ofOneToTenThousandMicros_isWithinOneSixteenth() {
        LatencyHistogram histogram = new LatencyHistogram();
        for (long micros = 1; micros <= 10_000; micros++) {
            histogram.recordNanos(micros * 1_000);
        }

        assertThat(histogram.count()).isEqualTo(10_000);
        assertThat(histogram.percentileMicros(0.50)).isBetween(5_000L * 15 / 16, 5_000L * 17 / 16);
        assertThat(histogram.percentileMicros(0.99)).isBetween(9_900L * 15 / 16, 9_900L * 17 / 16);
        assertThat(histogram.percentileMicros(1.0)).isBetween(10_000L * 15 / 16, 10_000L * 17 / 16);
    }

    @Test
    void percentile_smallValues_areExact_andEmptyIsZero() {
        LatencyHistogram histogram = new LatencyHistogram();
        assertThat(histogram.percentileMicros(0.5)).isZero();

        histogram.recordNanos(3_000);
        histogram.recordNanos(3_999);
        histogram.recordNanos(12_000);

        assertThat(histogram.percentileMicros(0.5)).isEqualTo(3);
        assertThat(histogram.percentileMicros(1.0)).isEqualTo(12);
    }

    @Test
    void index_andLowerBound_agreeOnEveryBucketEdge() {
        for (int index = 0; index < 200; index++) {
            long lower = LatencyHistogram.lowerBound(index);
            assertThat(LatencyHistogram.index(lower)).as("lower bound of bucket %d", index).isEqualTo(index);
            assertThat(LatencyHistogram.index(LatencyHistogram.lowerBound(index + 1) - 1)).as("top of bucket %d", index)
                    .isEqualTo(index);
        }
        assertThat(LatencyHistogram.index(Long.MAX_VALUE)).as("past the range: the last bucket").isPositive();
    }

    @Test
    void percentile_quantileOutOfRange_isRefused() {
        assertThatThrownBy(() -> new LatencyHistogram().percentileMicros(1.5))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("quantile must be from 0 to 1, but was 1.5");
    }
}
