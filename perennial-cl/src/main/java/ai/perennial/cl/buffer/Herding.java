package ai.perennial.cl.buffer;

/**
 * Herding exemplar selection (Welling 2009; iCaRL, Rebuffi et al. 2017, Algorithm 4): greedily pick the
 * sample that brings the running mean of the chosen exemplars' features closest to the class mean, so
 * the mean of the first k exemplars approaches the class mean as k grows. Rows should be L2-normalized.
 */
public final class Herding {
    private Herding() {
    }

    /** Indices of {@code m} distinct rows of {@code features}, in selection order. */
    public static int[] select(float[][] features, int m) {
        int n = features.length;
        int d = n == 0 ? 0 : features[0].length;
        int k = Math.min(m, n);
        double[] mean = new double[d];
        for (float[] row : features) {
            for (int j = 0; j < d; j++) {
                mean[j] += row[j] / (double) n;
            }
        }
        double[] sum = new double[d];
        boolean[] taken = new boolean[n];
        int[] chosen = new int[k];
        for (int step = 0; step < k; step++) {
            int best = -1;
            double bestDistance = Double.POSITIVE_INFINITY;
            for (int i = 0; i < n; i++) {
                if (taken[i]) {
                    continue;
                }
                double dist = 0;
                for (int j = 0; j < d; j++) {
                    double diff = mean[j] - (sum[j] + features[i][j]) / (step + 1);
                    dist += diff * diff;
                }
                if (dist < bestDistance) {
                    bestDistance = dist;
                    best = i;
                }
            }
            taken[best] = true;
            chosen[step] = best;
            for (int j = 0; j < d; j++) {
                sum[j] += features[best][j];
            }
        }
        return chosen;
    }
}
