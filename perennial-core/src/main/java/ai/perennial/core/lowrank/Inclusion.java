package ai.perennial.core.lowrank;

import java.util.Arrays;

/**
 * Fixed-size random subsets with given inclusion probabilities: the sampling half of PLUMAGE. Pure functions on
 * {@code double[]}.
 */
public final class Inclusion {
    private Inclusion() {
    }

    /**
     * Inclusion probabilities π_i = min(1, c·w_i) with Σ π_i = {@code size} (water-filling: the largest weights are
     * capped at 1 and the rest share what is left in proportion to their weight), for non-negative {@code weights}
     * sorted in descending order. Such π minimise Σ w_i²(1/π_i − 1) under Σ π_i = size, π_i ≤ 1; zero weights get 0.
     * When fewer than {@code size} weights are positive, the positive ones get 1 and the rest of the budget is spread
     * evenly over the zero weights, so that Σ π_i is still {@code size}.
     */
    public static double[] waterFilling(double[] weights, int size) {
        int k = weights.length;
        if (size < 1 || size > k) {
            throw new IllegalArgumentException("subset size " + size + " must be in 1.." + k);
        }
        double[] tail = new double[k + 1]; // tail[t] = Σ_{i ≥ t} w_i
        for (int i = k - 1; i >= 0; i--) {
            if (!(weights[i] >= 0) || i + 1 < k && weights[i] < weights[i + 1]) {
                throw new IllegalArgumentException("weights must be finite, non-negative and descending; got " + Arrays.toString(weights));
            }
            tail[i] = tail[i + 1] + weights[i];
        }
        double[] pi = new double[k];
        for (int capped = 0; capped < size; capped++) {
            // the first `capped` weights get 1; the others c·w_i with c spending the rest of the budget
            if (tail[capped] <= 0) {
                Arrays.fill(pi, 0, capped, 1.0);
                Arrays.fill(pi, capped, k, (double) (size - capped) / (k - capped));
                return pi;
            }
            double c = (size - capped) / tail[capped];
            if (c * weights[capped] <= 1) {
                Arrays.fill(pi, 0, capped, 1.0);
                for (int i = capped; i < k; i++) {
                    pi[i] = Math.min(1.0, c * weights[i]);
                }
                return pi;
            }
        }
        Arrays.fill(pi, 0, size, 1.0); // the top `size` weights carry everything
        return pi;
    }

    /**
     * Systematic (Madow) sampling: the indices whose stretch of the cumulative sum of {@code pi} contains one of the
     * points u, u+1, …, u+size−1. Each index i is chosen with probability exactly π_i (its stretch has length π_i ≤ 1
     * and the points are 1 apart), and exactly {@code size} = Σ π_i indices are chosen, in increasing order.
     * {@code u} is uniform in [0, 1).
     */
    public static int[] systematic(double[] pi, int size, double u) {
        if (!(u >= 0 && u < 1)) {
            throw new IllegalArgumentException("u must be in [0, 1), got " + u);
        }
        double total = 0;
        for (double p : pi) {
            total += p;
        }
        if (Math.abs(total - size) > 1e-6 * size) {
            throw new IllegalArgumentException("inclusion probabilities sum to " + total + ", not " + size);
        }
        double scale = size / total; // removes the rounding of the sum, so the last point always lands
        int[] chosen = new int[size];
        int count = 0;
        double upper = 0;
        for (int i = 0; i < pi.length && count < size; i++) {
            double lower = upper;
            upper = i == pi.length - 1 ? size : lower + Math.min(1.0, pi[i] * scale);
            double point = u + count;
            if (point >= lower && point < upper) {
                chosen[count++] = i;
            }
        }
        if (count < size) {
            throw new IllegalStateException("systematic sampling chose " + count + " of " + size);
        }
        return chosen;
    }

    /** A uniform double in [0, 1) from 64 random bits (the top 53). */
    public static double uniform(long bits) {
        return (bits >>> 11) * 0x1.0p-53;
    }
}
