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
            double variance = seeds > 1 ? Math.max(0, (sumSq - seeds * mean[j] * mean[j]) / (seeds - 1)) : 0;
            double half = 1.96 * Math.sqrt(variance / seeds);
            lower[j] = mean[j] - half;
            upper[j] = mean[j] + half;
        }
        return new Band(k, mean, lower, upper);
    }
}
