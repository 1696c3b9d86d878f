package ai.perennial.theory;

/**
 * Published rates for the normalized loss L/(R²‖w*‖²) of continual linear regression under random orderings, as
 * shapes with unit constant (the papers' constants are not reproduced; the lines show slopes, not levels).
 */
public final class Bounds {
    private Bounds() {
    }

    /** With replacement (Evron et al. 2025): O(min(k^{−1/4}, √(d−r)/k, √(T·r)/k)). */
    public static double withReplacement(long k, int dim, double rank, int tasks) {
        return Math.min(Math.pow(k, -0.25), Math.min(Math.sqrt(Math.max(dim - rank, 0)) / k, Math.sqrt(tasks * rank) / k));
    }

    /** Without replacement, at k = T: O(min(T^{−1/4}, (d−r)/T)). */
    public static double withoutReplacement(long k, int dim, double rank) {
        return Math.min(Math.pow(k, -0.25), Math.max(dim - rank, 0) / k);
    }

    /** The worst-case lower bound Ω(1/k) (Levinstein et al. 2025), met by increasing regularization. */
    public static double lower(long k) {
        return 1.0 / k;
    }

    /** Separable classification with sequential max-margin projections: O(k^{−1/4}). */
    public static double classification(long k) {
        return Math.pow(k, -0.25);
    }
}
