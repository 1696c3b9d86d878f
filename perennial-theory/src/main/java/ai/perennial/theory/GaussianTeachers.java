package ai.perennial.theory;

import java.util.Random;

/**
 * Over-parameterized continual regression with a distinct teacher per task and label noise (Lin et al. 2023): task t
 * has X_t ∈ ℝ^{n×p} with i.i.d. N(0, 1) entries and y_t = X_t w*_t + ε, ε ~ N(0, σ²I); the learner is the interpolator
 * closest to the previous weights, w_t = w_{t−1} + X_t⁺(y_t − X_t w_{t−1}). Model error on task i: L_i(w) = ‖w − w*_i‖².
 * With r = 1 − n/p and p ≥ n + 2 the expectation is exact:
 * E[L_i(w_t)] = r^t‖w*_i‖² + Σ_{j≤t} (1 − r) r^{t−j} ‖w*_j − w*_i‖² + p σ²/(p − n − 1)·(1 − r^t).
 */
public final class GaussianTeachers {
    private final double[][] teachers;
    private final int samples;
    private final double noise;

    public GaussianTeachers(double[][] teachers, int samples, double noise) {
        int p = teachers[0].length;
        if (samples < 1 || p < samples + 2) {
            throw new TheoryException("the closed form needs p ≥ n + 2, got p=" + p + ", n=" + samples);
        }
        if (!(noise >= 0)) {
            throw new TheoryException("the noise level σ must be non-negative, got " + noise);
        }
        this.teachers = teachers;
        this.samples = samples;
        this.noise = noise;
    }

    /** Teachers w*_t = √ρ·u + √(1 − ρ)·g_t with u, g_t ~ N(0, I_p): ρ is the similarity between tasks. */
    public static double[][] teachers(int tasks, int features, double similarity, long seed) {
        if (!(similarity >= 0 && similarity <= 1)) {
            throw new TheoryException("teacher similarity must be in [0, 1], got " + similarity);
        }
        Random random = new Random(seed);
        double[] shared = new double[features];
        for (int j = 0; j < features; j++) {
            shared[j] = random.nextGaussian();
        }
        double[][] out = new double[tasks][features];
        for (double[] w : out) {
            for (int j = 0; j < features; j++) {
                w[j] = Math.sqrt(similarity) * shared[j] + Math.sqrt(1 - similarity) * random.nextGaussian();
            }
        }
        return out;
    }

    /** E[L_i(w_t)] as [t − 1][i − 1] for t, i = 1..T. */
    public double[][] expectedErrors() {
        int tasks = teachers.length;
        int p = teachers[0].length;
        double r = 1 - samples / (double) p;
        double noiseGain = p * noise * noise / (p - samples - 1.0);
        double[][] out = new double[tasks][tasks];
        for (int t = 1; t <= tasks; t++) {
            for (int i = 0; i < tasks; i++) {
                double value = Math.pow(r, t) * Vectors.squaredNorm(teachers[i]) + noiseGain * (1 - Math.pow(r, t));
                for (int j = 1; j <= t; j++) {
                    value += (1 - r) * Math.pow(r, t - j) * Vectors.squaredDistance(teachers[j - 1], teachers[i]);
                }
                out[t - 1][i] = value;
            }
        }
        return out;
    }

    /** One sampled sequence: L_i(w_t) as [t − 1][i − 1]. */
    public double[][] sample(Random random) {
        int tasks = teachers.length;
        int p = teachers[0].length;
        double[] w = new double[p];
        double[][] out = new double[tasks][tasks];
        double[] full = new double[samples];
        java.util.Arrays.fill(full, 1);
        for (int t = 0; t < tasks; t++) {
            double[][] x = new double[samples][p];
            double[] y = new double[samples];
            for (int n = 0; n < samples; n++) {
                for (int j = 0; j < p; j++) {
                    x[n][j] = random.nextGaussian();
                }
                y[n] = Vectors.dot(x[n], teachers[t]) + noise * random.nextGaussian();
            }
            LinearTask task = new LinearTask(x, y);
            task.update(w, full);
            for (int i = 0; i < tasks; i++) {
                out[t][i] = Vectors.squaredDistance(w, teachers[i]);
            }
        }
        return out;
    }

    /** Forgetting F_T = (1/(T−1)) Σ_{i<T} [L_i(w_T) − L_i(w_i)] from an error matrix [t][i]. */
    public static double forgetting(double[][] errors) {
        int tasks = errors.length;
        if (tasks < 2) {
            return 0;
        }
        double sum = 0;
        for (int i = 0; i < tasks - 1; i++) {
            sum += errors[tasks - 1][i] - errors[i][i];
        }
        return sum / (tasks - 1);
    }

    /** Generalization G_T = (1/T) Σ_i L_i(w_T). */
    public static double generalization(double[][] errors) {
        int tasks = errors.length;
        double sum = 0;
        for (int i = 0; i < tasks; i++) {
            sum += errors[tasks - 1][i];
        }
        return sum / tasks;
    }
}
