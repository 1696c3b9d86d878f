package ai.perennial.core.merging;

import ai.perennial.core.PerennialException;
import java.util.Arrays;

/**
 * The linear assignment problem on a square matrix, solved exactly by the Hungarian method with potentials
 * (shortest augmenting paths, O(n³)).
 */
public final class LinearAssignment {
    private LinearAssignment() {
    }

    /** The permutation {@code p} maximizing Σ_i score[i][p[i]]. */
    public static int[] maximize(double[][] score) {
        int n = score.length;
        double[][] cost = new double[n][];
        for (int i = 0; i < n; i++) {
            cost[i] = new double[n];
            for (int j = 0; j < n; j++) {
                cost[i][j] = -score[i][j];
            }
        }
        return minimize(cost);
    }

    /** The permutation {@code p} minimizing Σ_i cost[i][p[i]]. */
    public static int[] minimize(double[][] cost) {
        int n = cost.length;
        for (double[] row : cost) {
            if (row.length != n) {
                throw new PerennialException("linear assignment needs a square matrix, got " + n + " rows of " + row.length);
            }
            for (double c : row) {
                if (!Double.isFinite(c)) {
                    throw new PerennialException("linear assignment: a cost is " + c);
                }
            }
        }
        // 1-based: row 0 and column 0 are the virtual start of each augmenting path
        double[] u = new double[n + 1];
        double[] v = new double[n + 1];
        int[] rowOf = new int[n + 1];   // the row matched to column j
        int[] way = new int[n + 1];
        double[] minv = new double[n + 1];
        boolean[] used = new boolean[n + 1];
        for (int i = 1; i <= n; i++) {
            rowOf[0] = i;
            int j0 = 0;
            Arrays.fill(minv, Double.POSITIVE_INFINITY);
            Arrays.fill(used, false);
            do {
                used[j0] = true;
                int i0 = rowOf[j0];
                double delta = Double.POSITIVE_INFINITY;
                int j1 = 0;
                for (int j = 1; j <= n; j++) {
                    if (!used[j]) {
                        double reduced = cost[i0 - 1][j - 1] - u[i0] - v[j];
                        if (reduced < minv[j]) {
                            minv[j] = reduced;
                            way[j] = j0;
                        }
                        if (minv[j] < delta) {
                            delta = minv[j];
                            j1 = j;
                        }
                    }
                }
                for (int j = 0; j <= n; j++) {
                    if (used[j]) {
                        u[rowOf[j]] += delta;
                        v[j] -= delta;
                    } else {
                        minv[j] -= delta;
                    }
                }
                j0 = j1;
            } while (rowOf[j0] != 0);
            do {
                int j1 = way[j0];
                rowOf[j0] = rowOf[j1];
                j0 = j1;
            } while (j0 != 0);
        }
        int[] out = new int[n];
        for (int j = 1; j <= n; j++) {
            out[rowOf[j] - 1] = j - 1;
        }
        return out;
    }
}
