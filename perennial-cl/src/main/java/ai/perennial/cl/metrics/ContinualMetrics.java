package ai.perennial.cl.metrics;

/**
 * The field's accuracy-matrix metrics, as pure functions. {@code r[i][j]} is the accuracy on
 * experience j's test set after training experience i (0-based, T experiences); NaN marks entries that
 * were not measured and makes every metric that needs them NaN.
 *
 * <ul>
 *   <li>ACC = (1/T) Σ_j R[T-1][j] (Lopez-Paz &amp; Ranzato 2017)</li>
 *   <li>BWT = 1/(T-1) Σ_{j&lt;T-1} (R[T-1][j] − R[j][j])</li>
 *   <li>FWT = 1/(T-1) Σ_{j≥1} (R[j-1][j] − b[j]), b[j] the accuracy of the randomly initialized model</li>
 *   <li>forgetting f_j = max_{l∈[j,T-2]} R[l][j] − R[T-1][j]; average forgetting = mean over j &lt; T-1
 *       (Chaudhry et al. 2018)</li>
 *   <li>learning accuracy LA = (1/T) Σ_j R[j][j] (Riemer et al. 2019)</li>
 * </ul>
 * BWT, FWT and forgetting need a square matrix (one row per experience) and T ≥ 2.
 */
public final class ContinualMetrics {
    private ContinualMetrics() {
    }

    /** NaN for an empty matrix (nothing trained yet). */
    public static double averageAccuracy(double[][] r) {
        return r.length == 0 ? Double.NaN : mean(r[r.length - 1]);
    }

    public static double backwardTransfer(double[][] r) {
        int t = square(r);
        if (t < 2) {
            return Double.NaN;
        }
        double sum = 0;
        for (int j = 0; j < t - 1; j++) {
            sum += r[t - 1][j] - r[j][j];
        }
        return sum / (t - 1);
    }

    public static double forwardTransfer(double[][] r, double[] randomInit) {
        int t = square(r);
        if (t < 2) {
            return Double.NaN;
        }
        double sum = 0;
        for (int j = 1; j < t; j++) {
            sum += r[j - 1][j] - randomInit[j];
        }
        return sum / (t - 1);
    }

    /** f_j for j &lt; T-1; empty unless the matrix is square with T ≥ 2. */
    public static double[] forgettingPerExperience(double[][] r) {
        int t = square(r);
        if (t < 2) {
            return new double[0];
        }
        double[] f = new double[t - 1];
        for (int j = 0; j < t - 1; j++) {
            double best = Double.NEGATIVE_INFINITY;
            for (int l = j; l < t - 1; l++) {
                best = Math.max(best, r[l][j]);
            }
            f[j] = best - r[t - 1][j];
        }
        return f;
    }

    public static double averageForgetting(double[][] r) {
        double[] f = forgettingPerExperience(r);
        return f.length == 0 ? Double.NaN : mean(f);
    }

    public static double learningAccuracy(double[][] r) {
        int t = square(r);
        if (t < 1) {
            return Double.NaN;
        }
        double sum = 0;
        for (int j = 0; j < t; j++) {
            sum += r[j][j];
        }
        return sum / t;
    }

    /** T when {@code r} is T×T, else -1. */
    private static int square(double[][] r) {
        for (double[] row : r) {
            if (row.length != r.length) {
                return -1;
            }
        }
        return r.length;
    }

    static double mean(double[] values) {
        double sum = 0;
        for (double v : values) {
            sum += v;
        }
        return sum / values.length;
    }
}
