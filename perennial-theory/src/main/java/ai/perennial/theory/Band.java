package ai.perennial.theory;

import java.util.List;
import java.util.function.Function;

/** Mean of a measure over seeds at each checkpoint with a 95% normal confidence band (mean ± 1.96 standard errors). */
public record Band(long[] iterations, double[] mean, double[] lower, double[] upper) {

    public static Band over(List<Trajectory> runs, Function<Trajectory, double[]> measure) {
        long[] k = runs.get(0).iterations();
        int n = k.length;
        double[] mean = new double[n];
        double[] lower = new double[n];
        double[] upper = new double[n];
        int seeds = runs.size();
        for (int j = 0; j < n; j++) {
            double sum = 0;
            double sumSq = 0;
            for (Trajectory t : runs) {
                double v = measure.apply(t)[j];
                sum += v;
                sumSq += v * v;
            }
            mean[j] = sum / seeds;
            double half = 1.96 * standardError(sum, sumSq, seeds);
            lower[j] = mean[j] - half;
            upper[j] = mean[j] + half;
        }
        return new Band(k, mean, lower, upper);
    }

    /** Standard error of a mean from the sum and the sum of squares of n samples (0 for a single sample). */
    public static double standardError(double sum, double sumOfSquares, int n) {
        if (n < 2) {
            return 0;
        }
        double mean = sum / n;
        return Math.sqrt(Math.max(0, (sumOfSquares - n * mean * mean) / (n - 1)) / n);
    }
}
