package ai.perennial.theory;

import java.util.List;

/**
 * Exact expected loss under the with-replacement ordering, without Monte Carlo: the error second moment
 * M_t = E[e_t e_tᵀ] obeys M_t = (1/T) Σ_m B_m M_{t−1} B_mᵀ with B_m = I − V_mᵀ diag(φ) V_m (τ(t) is independent of
 * e_{t−1}), and E[L(w_t)] = (1/T) Σ_m tr(X_mᵀX_m M_t). O(T·d²·r) per iteration, for small d. Needs a realizable
 * collection (e = w − w* determines every loss).
 */
public final class ExpectedLoss {
    private ExpectedLoss() {
    }

    /** Expected mean loss over all tasks E[L(w_k)] at each checkpoint (ascending), starting from w₀ = 0. */
    public static double[] averageLoss(TaskCollection collection, Learner learner, long[] checkpoints) {
        if (!collection.realizable()) {
            throw new TheoryException("the exact expectation needs jointly realizable tasks");
        }
        int d = collection.dim();
        List<LinearTask> tasks = collection.tasks();
        double[] optimum = collection.optimum();
        double[] m = new double[d * d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                m[i * d + j] = optimum[i] * optimum[j];
            }
        }
        long horizon = checkpoints[checkpoints.length - 1];
        double[] out = new double[checkpoints.length];
        double[] next = new double[d * d];
        int c = 0;
        for (long t = 1; t <= horizon; t++) {
            java.util.Arrays.fill(next, 0);
            for (LinearTask task : tasks) {
                accumulate(task, learner, t, horizon, m, next);
            }
            for (int i = 0; i < next.length; i++) {
                m[i] = next[i] / tasks.size();
            }
            if (t == checkpoints[c]) {
                double sum = 0;
                for (LinearTask task : tasks) {
                    sum += quadraticLoss(task, m);
                }
                out[c++] = sum / tasks.size();
            }
        }
        return out;
    }

    /** next += B M Bᵀ with B = I − Vᵀ D V. */
    private static void accumulate(LinearTask task, Learner learner, long t, long horizon, double[] m, double[] next) {
        int d = task.dim();
        int r = task.rank();
        double[] v = task.basisRows();
        double[] phi = new double[r];
        for (int i = 0; i < r; i++) {
            double s = task.singularValue(i);
            phi[i] = learner.filter(s * s, t, horizon);
        }
        double[] p = new double[r * d]; // V M
        for (int i = 0; i < r; i++) {
            for (int a = 0; a < d; a++) {
                double via = v[i * d + a];
                if (via != 0) {
                    for (int b = 0; b < d; b++) {
                        p[i * d + b] += via * m[a * d + b];
                    }
                }
            }
        }
        double[] q = new double[r * r]; // V M Vᵀ
        for (int i = 0; i < r; i++) {
            for (int j = 0; j < r; j++) {
                q[i * r + j] = Vectors.dot(p, i * d, v, j * d, d);
            }
        }
        for (int a = 0; a < d; a++) {
            for (int b = 0; b < d; b++) {
                double value = m[a * d + b];
                for (int i = 0; i < r; i++) {
                    value -= phi[i] * (v[i * d + a] * p[i * d + b] + p[i * d + a] * v[i * d + b]);
                    for (int j = 0; j < r; j++) {
                        value += v[i * d + a] * phi[i] * q[i * r + j] * phi[j] * v[j * d + b];
                    }
                }
                next[a * d + b] += value;
            }
        }
    }

    /** tr(XᵀX M) = Σ_i s_i² v_iᵀ M v_i. */
    private static double quadraticLoss(LinearTask task, double[] m) {
        int d = task.dim();
        double[] v = task.basisRows();
        double sum = 0;
        for (int i = 0; i < task.rank(); i++) {
            double s = task.singularValue(i);
            double quad = 0;
            for (int a = 0; a < d; a++) {
                for (int b = 0; b < d; b++) {
                    quad += v[i * d + a] * m[a * d + b] * v[i * d + b];
                }
            }
            sum += s * s * quad;
        }
        return sum;
    }
}
