package ai.perennial.theory;

import java.util.Arrays;
import java.util.List;

/**
 * Exact expected loss under the with-replacement ordering, without Monte Carlo: the error second moment
 * M_t = E[e_t e_tᵀ] obeys M_t = (1/T) Σ_m B_m M_{t−1} B_mᵀ with B_m = I − V_mᵀ diag(φ) V_m (τ(t) is independent of
 * e_{t−1}), and E[L(w_t)] = (1/T) Σ_m tr(X_mᵀX_m M_t). O(T·d²·r) per iteration, for small d. Needs a realizable
 * collection (e = w − w* determines every loss).
 *
 * <p>Each B M Bᵀ is computed as M − (VᵀA + AᵀV) with P = V M, Q = P Vᵀ and A = D P − ½ D Q D V (D = diag(φ), M and Q
 * symmetric): three passes of r·d² multiply-adds over flat row-major blocks, instead of the r²·d² of expanding the
 * product entry by entry.
 */
public final class ExpectedLoss {
    private static final Kernels KERNELS = Kernels.active();

    private ExpectedLoss() {
    }

    /** Expected mean loss over all tasks E[L(w_k)] at each checkpoint (ascending), starting from w₀ = 0. */
    public static double[] averageLoss(TaskCollection collection, Learner learner, long[] checkpoints) {
        if (!collection.realizable()) {
            throw new TheoryException("the exact expectation needs jointly realizable tasks");
        }
        int d = collection.dim();
        List<LinearTask> tasks = collection.tasks();
        int count = tasks.size();
        double[] optimum = collection.optimum();
        double[] m = new double[d * d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                m[i * d + j] = optimum[i] * optimum[j];
            }
        }
        long horizon = checkpoints[checkpoints.length - 1];
        double[][] phis = new double[count][];
        for (int n = 0; n < count; n++) {
            phis[n] = new double[tasks.get(n).rank()];
            if (learner.stationary()) {
                learner.filters(tasks.get(n), 1, horizon, phis[n]);
            }
        }
        Scratch scratch = new Scratch(d, maxRank(tasks));
        double[] out = new double[checkpoints.length];
        double[] change = new double[d * d];
        int c = 0;
        for (long t = 1; t <= horizon; t++) {
            Arrays.fill(change, 0);
            for (int n = 0; n < count; n++) {
                if (!learner.stationary()) {
                    learner.filters(tasks.get(n), t, horizon, phis[n]);
                }
                accumulate(tasks.get(n), phis[n], m, change, scratch);
            }
            for (int i = 0; i < m.length; i++) {
                m[i] -= change[i] / count;
            }
            if (t == checkpoints[c]) {
                double sum = 0;
                for (LinearTask task : tasks) {
                    sum += quadraticLoss(task, m, scratch.u);
                }
                out[c++] = sum / count;
            }
        }
        return out;
    }

    /** Work arrays of one recursion, sized for the largest task (no allocation per iteration). */
    private static final class Scratch {
        final double[] p;     // V M, r × d
        final double[] q;     // V M Vᵀ, r × r
        final double[] av;    // A (r × d) followed by V (r × d)
        final double[] coef;  // 2r
        final double[] u;     // d

        Scratch(int d, int r) {
            p = new double[r * d];
            q = new double[r * r];
            av = new double[2 * r * d];
            coef = new double[2 * r];
            u = new double[d];
        }
    }

    /** change += VᵀA + AᵀV, so that M − change = B M Bᵀ for this task. */
    private static void accumulate(LinearTask task, double[] phi, double[] m, double[] change, Scratch s) {
        int d = task.dim();
        int r = task.rank();
        double[] v = task.basisRows();
        for (int i = 0; i < r; i++) {
            KERNELS.multiply(m, 0, d, d, v, i * d, s.p, i * d); // row i of V M is M v_i (M symmetric)
        }
        for (int i = 0; i < r; i++) {
            KERNELS.multiply(s.p, 0, r, d, v, i * d, s.q, i * r);
        }
        for (int i = 0; i < r; i++) {
            int row = i * d;
            for (int b = 0; b < d; b++) {
                s.av[row + b] = phi[i] * s.p[row + b];
            }
            for (int j = 0; j < r; j++) {
                s.coef[j] = -0.5 * phi[i] * s.q[i * r + j] * phi[j];
            }
            KERNELS.addCombination(v, 0, r, d, s.coef, 0, s.av, row);
        }
        System.arraycopy(v, 0, s.av, r * d, r * d);
        for (int a = 0; a < d; a++) { // row a gains Σ_i v_i[a] A_i + A_i[a] v_i
            for (int i = 0; i < r; i++) {
                s.coef[i] = v[i * d + a];
                s.coef[r + i] = s.av[i * d + a];
            }
            KERNELS.addCombination(s.av, 0, 2 * r, d, s.coef, 0, change, a * d);
        }
    }

    /** tr(XᵀX M) = Σ_i s_i² v_iᵀ M v_i. */
    private static double quadraticLoss(LinearTask task, double[] m, double[] u) {
        int d = task.dim();
        double[] v = task.basisRows();
        double sum = 0;
        for (int i = 0; i < task.rank(); i++) {
            double s = task.singularValue(i);
            KERNELS.multiply(m, 0, d, d, v, i * d, u, 0);
            sum += s * s * KERNELS.dot(v, i * d, u, 0, d);
        }
        return sum;
    }

    private static int maxRank(List<LinearTask> tasks) {
        int r = 1;
        for (LinearTask t : tasks) {
            r = Math.max(r, t.rank());
        }
        return r;
    }
}
