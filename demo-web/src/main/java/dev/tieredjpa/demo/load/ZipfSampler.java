package dev.tieredjpa.demo.load;

import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * Ranks {@code 0 .. n-1} drawn with Zipf's law: rank {@code k} has probability proportional to
 * {@code 1 / (k + 1)^s}. With {@code s = 0} every rank is equally likely; with {@code s} near 1 a few ranks
 * take most draws, as the hot keys of a real service do.
 *
 * <p>The cumulative distribution is computed once ({@code n} doubles); a draw is one uniform number and a
 * binary search over it, {@code O(log n)}. Immutable; thread-safe when each thread brings its own random.
 */
public final class ZipfSampler {

    private final double exponent;
    private final double[] cumulative;

    /**
     * @param n        how many ranks, at least 1
     * @param exponent the exponent {@code s}, finite and at least 0
     */
    public ZipfSampler(int n, double exponent) {
        if (n < 1) {
            throw new IllegalArgumentException("n must be at least 1, but was " + n);
        }
        if (!(exponent >= 0) || Double.isInfinite(exponent)) {
            throw new IllegalArgumentException("exponent must be a finite number of at least 0, but was " + exponent);
        }
        this.exponent = exponent;
        this.cumulative = new double[n];
        double sum = 0;
        for (int k = 0; k < n; k++) {
            sum += weight(k);
            cumulative[k] = sum;
        }
        for (int k = 0; k < n; k++) {
            cumulative[k] /= sum;
        }
        cumulative[n - 1] = 1.0;
    }

    /** How many ranks there are. */
    public int size() {
        return cumulative.length;
    }

    /** The probability of drawing {@code rank}. */
    public double probability(int rank) {
        return rank == 0 ? cumulative[0] : cumulative[rank] - cumulative[rank - 1];
    }

    /** A rank drawn with {@code random}. */
    public int next(RandomGenerator random) {
        return rankAt(random.nextDouble());
    }

    /** The rank whose share of the cumulative distribution holds {@code u}, a number in {@code [0, 1)}. */
    int rankAt(double u) {
        int found = Arrays.binarySearch(cumulative, u);
        // Exact hit: the rank whose upper edge is u, so the next one holds it; otherwise the insertion point.
        int rank = found >= 0 ? found + 1 : -found - 1;
        return Math.min(rank, cumulative.length - 1);
    }

    private double weight(int rank) {
        return exponent == 0 ? 1.0 : Math.pow(rank + 1, -exponent);
    }

    @Override
    public String toString() {
        return "ZipfSampler{n=" + cumulative.length + ", exponent=" + exponent + "}";
    }
}
