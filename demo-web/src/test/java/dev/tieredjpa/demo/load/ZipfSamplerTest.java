package dev.tieredjpa.demo.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The Zipf sampler's distribution: exact probabilities, and draws that follow them. */
class ZipfSamplerTest {

    private static final int DRAWS = 400_000;

    @Test
    void probability_exponentOne_isHarmonic() {
        ZipfSampler zipf = new ZipfSampler(4, 1.0);
        double harmonic = 1 + 1 / 2.0 + 1 / 3.0 + 1 / 4.0;

        assertThat(zipf.probability(0)).isCloseTo(1 / harmonic, within(1e-12));
        assertThat(zipf.probability(1)).isCloseTo(1 / 2.0 / harmonic, within(1e-12));
        assertThat(zipf.probability(3)).isCloseTo(1 / 4.0 / harmonic, within(1e-12));
    }

    @Test
    void next_exponent099_drawsEachRankAsOftenAsItsProbability() {
        ZipfSampler zipf = new ZipfSampler(1000, 0.99);

        long[] counts = draw(zipf, new SplittableRandom(42));

        // The hottest ranks, one by one: within 0.4 percentage points (about 6 standard deviations).
        for (int rank = 0; rank < 10; rank++) {
            assertThat(counts[rank] / (double) DRAWS).as("share of rank %d", rank).isCloseTo(zipf.probability(rank), within(0.004));
        }
        // The shape: rank 0 about twice rank 1, ten times rank 9; the top 10% of ranks take most draws.
        assertThat(counts[0] / (double) counts[1]).isCloseTo(Math.pow(2, 0.99), within(0.1));
        assertThat(counts[0] / (double) counts[9]).isCloseTo(Math.pow(10, 0.99), within(1.0));
        long top100 = 0;
        for (int rank = 0; rank < 100; rank++) {
            top100 += counts[rank];
        }
        double expectedTop100 = 0;
        for (int rank = 0; rank < 100; rank++) {
            expectedTop100 += zipf.probability(rank);
        }
        assertThat(top100 / (double) DRAWS).isCloseTo(expectedTop100, within(0.005)).isGreaterThan(0.6);
        assertThat(counts[999]).as("the coldest rank is still drawn").isPositive();
    }

    @Test
    void next_exponentZero_isUniform() {
        ZipfSampler zipf = new ZipfSampler(10, 0);

        long[] counts = draw(zipf, new SplittableRandom(7));

        for (int rank = 0; rank < 10; rank++) {
            assertThat(zipf.probability(rank)).isCloseTo(0.1, within(1e-12));
            assertThat(counts[rank] / (double) DRAWS).as("share of rank %d", rank).isCloseTo(0.1, within(0.003));
        }
    }

    @Test
    void rankAt_edgesOfTheUnitInterval_stayInRange() {
        ZipfSampler zipf = new ZipfSampler(3, 1.0);

        assertThat(zipf.rankAt(0.0)).isZero();
        assertThat(zipf.rankAt(zipf.probability(0))).as("the upper edge of rank 0 belongs to rank 1").isEqualTo(1);
        assertThat(zipf.rankAt(Math.nextDown(1.0))).isEqualTo(2);
        assertThat(new ZipfSampler(1, 2.0).next(new SplittableRandom())).isZero();
    }

    @Test
    void constructor_badArguments_areRefusedNamingThem() {
        assertThatThrownBy(() -> new ZipfSampler(0, 1.0))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("n must be at least 1, but was 0");
        assertThatThrownBy(() -> new ZipfSampler(5, -0.5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("exponent must be a finite number of at least 0, but was -0.5");
        assertThatThrownBy(() -> new ZipfSampler(5, Double.NaN))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("exponent must be a finite number of at least 0, but was NaN");
    }

    private static long[] draw(ZipfSampler zipf, SplittableRandom random) {
        long[] counts = new long[zipf.size()];
        for (int i = 0; i < DRAWS; i++) {
            counts[zipf.next(random)]++;
        }
        return counts;
    }
}
