package ai.perennial.theory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Decay exponent of a measure: least-squares slope of log(mean over seeds) against log k on a window of checkpoints,
 * with a 95% bootstrap interval from resampling the seeds (2,000 resamples).
 */
public record RateFit(double slope, double lower, double upper, long from, long to, int points) {
    private static final int RESAMPLES = 2000;

    /** {@code values[s][j]}: seed s at checkpoint j. */
    public static RateFit fit(long[] iterations, double[][] values, long from, long to, long seed) {
        List<Integer> window = new ArrayList<>();
        for (int j = 0; j < iterations.length; j++) {
            if (iterations[j] >= from && iterations[j] <= to) {
                window.add(j);
            }
        }
        if (window.size() < 3) {
            throw new TheoryException("the fit window [" + from + ", " + to + "] holds " + window.size()
                    + " checkpoints; widen it or run more iterations");
        }
        int seeds = values.length;
        double slope = slope(iterations, values, window, identity(seeds));
        if (Double.isNaN(slope)) {
            throw new TheoryException("the measure reaches zero or below inside the fit window [" + from + ", " + to
                    + "]; a log-log slope needs positive values, so end the window earlier");
        }
        if (seeds < 2) {
            return new RateFit(slope, slope, slope, from, to, window.size());
        }
        Random random = new Random(seed);
        double[] boot = new double[RESAMPLES];
        int[] pick = new int[seeds];
        for (int b = 0; b < RESAMPLES; b++) {
            for (int s = 0; s < seeds; s++) {
                pick[s] = random.nextInt(seeds);
            }
            boot[b] = slope(iterations, values, window, pick);
        }
        Arrays.sort(boot);
        return new RateFit(slope, boot[(int) (0.025 * RESAMPLES)], boot[(int) (0.975 * RESAMPLES) - 1], from, to, window.size());
    }

    private static double slope(long[] iterations, double[][] values, List<Integer> window, int[] seeds) {
        int n = window.size();
        double sx = 0;
        double sy = 0;
        double sxx = 0;
        double sxy = 0;
        for (int j : window) {
            double mean = 0;
            for (int s : seeds) {
                mean += values[s][j];
            }
            mean /= seeds.length;
            if (!(mean > 0)) {
                return Double.NaN;
            }
            double x = Math.log(iterations[j]);
            double y = Math.log(mean);
            sx += x;
            sy += y;
            sxx += x * x;
            sxy += x * y;
        }
        return (n * sxy - sx * sy) / (n * sxx - sx * sx);
    }

    private static int[] identity(int n) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = i;
        }
        return out;
    }
}
