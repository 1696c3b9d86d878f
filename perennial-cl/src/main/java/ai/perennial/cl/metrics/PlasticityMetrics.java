package ai.perennial.cl.metrics;

import java.util.Arrays;
import java.util.SplittableRandom;

/** The plasticity metric over a long stream: how each new task's accuracy changes with the task's index. */
public final class PlasticityMetrics {
    private PlasticityMetrics() {
    }

    /** An estimate with a confidence interval. */
    public record Interval(double estimate, double low, double high) {
        public boolean excludesZero() {
            return low > 0 || high < 0;
        }
    }

    /**
     * Mean of the first {@code n} values minus the mean of the last {@code n} (positive: the stream ends worse than it
     * began); with fewer than 2n values, n becomes half of them.
     */
    public static double firstLastDrop(double[] perTask, int n) {
        return headMean(perTask, n) - tailMean(perTask, n);
    }

    /** Mean of the first {@code n} values (half of them when there are fewer than 2n); NaN for fewer than two. */
    public static double headMean(double[] values, int n) {
        int k = Math.min(n, values.length / 2);
        return k == 0 ? Double.NaN : mean(Arrays.copyOfRange(values, 0, k));
    }

    /** Mean of the last {@code n} values (half of them when there are fewer than 2n); NaN for fewer than two. */
    public static double tailMean(double[] values, int n) {
        int k = Math.min(n, values.length / 2);
        return k == 0 ? Double.NaN : mean(Arrays.copyOfRange(values, values.length - k, values.length));
    }

    /** Least-squares slope of the values against their index 0, 1, 2, ... (per task). */
    public static double slope(double[] y) {
        int n = y.length;
        if (n < 2) {
            return Double.NaN;
        }
        double mx = (n - 1) / 2.0;
        double my = mean(y);
        double sxy = 0;
        double sxx = 0;
        for (int i = 0; i < n; i++) {
            sxy += (i - mx) * (y[i] - my);
            sxx += (i - mx) * (i - mx);
        }
        return sxy / sxx;
    }

    /**
     * The mean of {@code values} (one per seed) with a percentile bootstrap interval at {@code level} (e.g. 0.95) from
     * {@code resamples} resamples drawn with {@code seed}. With few seeds the interval is coarse, and with one it is that
     * single value.
     */
    public static Interval bootstrapMean(double[] values, double level, int resamples, long seed) {
        double estimate = mean(values);
        if (values.length < 2) {
            return new Interval(estimate, estimate, estimate);
        }
        SplittableRandom rng = new SplittableRandom(seed);
        double[] means = new double[resamples];
        for (int r = 0; r < resamples; r++) {
            double sum = 0;
            for (int i = 0; i < values.length; i++) {
                sum += values[rng.nextInt(values.length)];
            }
            means[r] = sum / values.length;
        }
        Arrays.sort(means);
        double tail = (1 - level) / 2;
        return new Interval(estimate, means[(int) Math.floor(tail * (resamples - 1))], means[(int) Math.ceil((1 - tail) * (resamples - 1))]);
    }

    /** The arithmetic mean; NaN for no values. */
    public static double mean(double[] v) {
        return Arrays.stream(v).average().orElse(Double.NaN);
    }
}
