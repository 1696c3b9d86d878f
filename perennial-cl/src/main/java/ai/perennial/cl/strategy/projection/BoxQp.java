package ai.perennial.cl.strategy.projection;

/**
 * Solves min ½ vᵀQv + pᵀv subject to v ≥ lower, for a small symmetric positive semi-definite Q, by cyclic
 * coordinate descent with exact coordinate minimization, until the KKT conditions hold to {@code tol}.
 */
public final class BoxQp {
    private BoxQp() {
    }

    public static double[] solve(double[][] q, double[] p, double lower, double tol, int maxSweeps) {
        int n = p.length;
        double[] v = new double[n];
        java.util.Arrays.fill(v, lower);
        double[] grad = new double[n];
        for (int sweep = 0; sweep < maxSweeps; sweep++) {
            for (int i = 0; i < n; i++) {
                double g = p[i];
                for (int j = 0; j < n; j++) {
                    g += q[i][j] * v[j];
                }
                if (q[i][i] > 0) {
                    v[i] = Math.max(lower, v[i] - g / q[i][i]);
                }
            }
            if (kktViolation(q, p, v, lower, grad) <= tol) {
                break;
            }
        }
        return v;
    }

    /**
     * Largest violation of: ∇ = Qv + p ≥ 0 where v sits on its bound, ∇ = 0 where v is above it (for the
     * bound-constrained problem these are the complete KKT conditions).
     */
    public static double kktViolation(double[][] q, double[] p, double[] v, double lower, double[] gradOut) {
        double worst = 0;
        for (int i = 0; i < p.length; i++) {
            double g = p[i];
            for (int j = 0; j < p.length; j++) {
                g += q[i][j] * v[j];
            }
            gradOut[i] = g;
            worst = Math.max(worst, v[i] > lower ? Math.abs(g) : Math.max(0, -g));
            worst = Math.max(worst, Math.max(0, lower - v[i]));
        }
        return worst;
    }
}
