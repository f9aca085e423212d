package dev.tieredjpa.bench;

import java.util.SplittableRandom;

/**
 * Which product an operation touches: uniform over {@code 1..n}, or Zipfian with YCSB's generator (Gray et
 * al., "Quickly generating billion-record synthetic databases"), where theta 0.99 sends about a tenth of
 * all operations to the hottest key. O(1) per draw once {@code zeta(n)} is computed.
 */
abstract sealed class KeyChooser {

    /** The id of the next operation's product, in {@code 1..n}. */
    abstract long next(SplittableRandom random);

    abstract String label();

    static KeyChooser uniform(int n) {
        return new Uniform(n);
    }

    static KeyChooser zipfian(int n, double theta) {
        return new Zipfian(n, theta);
    }

    private static final class Uniform extends KeyChooser {
        private final int n;

        Uniform(int n) {
            this.n = n;
        }

        @Override
        long next(SplittableRandom random) {
            return 1 + random.nextInt(n);
        }

        @Override
        String label() {
            return "uniform";
        }
    }

    private static final class Zipfian extends KeyChooser {
        private final int n;
        private final double theta;
        private final double zetaN;
        private final double alpha;
        private final double eta;
        private final double halfPowTheta;

        Zipfian(int n, double theta) {
            this.n = n;
            this.theta = theta;
            this.zetaN = zeta(n, theta);
            this.alpha = 1.0 / (1.0 - theta);
            this.eta = (1 - Math.pow(2.0 / n, 1 - theta)) / (1 - zeta(2, theta) / zetaN);
            this.halfPowTheta = 1 + Math.pow(0.5, theta);
        }

        private static double zeta(long n, double theta) {
            double sum = 0;
            for (long i = 1; i <= n; i++) {
                sum += 1 / Math.pow(i, theta);
            }
            return sum;
        }

        @Override
        long next(SplittableRandom random) {
            double u = random.nextDouble();
            double uz = u * zetaN;
            long rank;
            if (uz < 1) {
                rank = 0;
            } else if (uz < halfPowTheta) {
                rank = 1;
            } else {
                rank = (long) (n * Math.pow(eta * u - eta + 1, alpha));
            }
            return 1 + Math.min(rank, n - 1);
        }

        @Override
        String label() {
            return "zipf " + theta;
        }
    }
}
