package ai.perennial.cl.strategy.regularization;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.perennial.core.data.FloatDataset;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.model.Mlp;
import ai.perennial.core.model.Parameter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class RegularizationMathTest {
    @BeforeAll
    static void engine() {
        Engines.pytorch();
    }

    static List<Parameter> params(NDManager m, float[]... values) {
        List<Parameter> out = new ArrayList<>();
        for (int i = 0; i < values.length; i++) {
            out.add(new Parameter("p" + i, m.create(values[i]), true));
        }
        return out;
    }

    static List<NDArray> arrays(NDManager m, float[]... values) {
        List<NDArray> out = new ArrayList<>();
        for (float[] v : values) {
            NDArray a = m.create(v);
            NDScope.unregister(a);
            out.add(a);
        }
        return out;
    }

    @Test
    void ewcPenaltyGradientIsTheSumOfOnePenaltyPerTask() {
        double lambda = 3.0;
        float[] f1 = {0.5f, 2f, 0f};
        float[] f2 = {1.5f, 0f, 0f};
        float[] anchor1 = {1f, -1f, 4f};
        float[] anchor2 = {-2f, 3f, 5f};
        float[] now = {0.3f, 0.7f, -1.2f};
        try (NDManager m = NDManager.newBaseManager()) {
            QuadraticPenalty penalty = new QuadraticPenalty(lambda);
            List<Parameter> p = params(m, anchor1.clone());
            penalty.accumulate(arrays(m, f1), p);                 // task 1 ends at anchor1
            p.get(0).array().set(anchor2);
            penalty.accumulate(arrays(m, f2), p);                 // task 2 ends at anchor2
            p.get(0).array().set(now);
            float[] grad = penalty.addGradient(arrays(m, new float[3]), p).get(0).toFloatArray();
            for (int i = 0; i < 3; i++) {
                double expected = lambda * (f1[i] * (now[i] - anchor1[i]) + f2[i] * (now[i] - anchor2[i]));
                assertThat((double) grad[i]).isCloseTo(expected, offset(1e-5));
            }
            // the penalty differs from Σ_k (λ/2) Σ F_k (θ − θ*_k)² only by a constant: compare differences
            float[] other = {-0.4f, 1.1f, 2.0f};
            double ours = penalty.value(p);
            p.get(0).array().set(other);
            double oursOther = penalty.value(p);
            assertThat(oursOther - ours).isCloseTo(perTask(lambda, other, f1, anchor1, f2, anchor2)
                    - perTask(lambda, now, f1, anchor1, f2, anchor2), offset(1e-4));
        }
    }

    static double perTask(double lambda, float[] theta, float[] f1, float[] a1, float[] f2, float[] a2) {
        double s = 0;
        for (int i = 0; i < theta.length; i++) {
            s += f1[i] * Math.pow(theta[i] - a1[i], 2) + f2[i] * Math.pow(theta[i] - a2[i], 2);
        }
        return lambda / 2 * s;
    }

    @Test
    void onlineEwcDecaysTheRunningFisherAndMovesTheAnchor() {
        try (NDManager m = NDManager.newBaseManager()) {
            QuadraticPenalty penalty = new QuadraticPenalty(2.0);
            List<Parameter> p = params(m, new float[] {1f, 1f});
            penalty.decayAndAdd(0.5, arrays(m, new float[] {4f, 2f}), p);
            p.get(0).array().set(new float[] {3f, -1f});
            penalty.decayAndAdd(0.5, arrays(m, new float[] {1f, 1f}), p);
            assertThat(penalty.importance().get(0).toFloatArray()).containsExactly(3f, 2f);
            assertThat(penalty.anchor().get(0).toFloatArray()).containsExactly(3f, -1f);
            p.get(0).array().set(new float[] {4f, 0f});
            assertThat(penalty.addGradient(arrays(m, new float[2]), p).get(0).toFloatArray()).containsExactly(6f, 4f);
        }
    }

    @Test
    void diagonalFisherOfSoftmaxRegressionMatchesTheHandFormula() {
        // linear softmax model (no hidden layer): d log p(y|x)/dW_k = (1[k=y] - p_k) x, d/db_k = 1[k=y] - p_k
        float[] x = {1f, -0.5f, 2f, 0f, 1.5f, -1f, 0.3f, 0.8f, -0.2f, 2f, 1f, 1f};
        int[] y = {0, 1, 1, 0};
        FloatDataset data = new FloatDataset("tiny", x, y, new Shape(3), 2);
        try (NDManager m = NDManager.newBaseManager()) {
            Mlp model = new Mlp(m, 3, new int[0], 2, 1, 5);
            float[] w = model.parameters().get(0).array().toFloatArray();
            float[] b = model.parameters().get(1).array().toFloatArray();
            // per-sample gradients of log p(y|x): 4 samples × (6 weights, then 2 biases)
            double[][] g = softmaxLogLikelihoodGradients(w, b, x, y);
            double[] fw = new double[6];
            double[] fb = new double[2];
            for (double[] gn : g) {
                for (int i = 0; i < 6; i++) {
                    fw[i] += gn[i] * gn[i] / 4;
                }
                for (int k = 0; k < 2; k++) {
                    fb[k] += gn[6 + k] * gn[6 + k] / 4;
                }
            }
            List<NDArray> fisher = Importance.fisher(model, data, 4, 1, m);
            float[] gotW = fisher.get(0).toFloatArray();
            float[] gotB = fisher.get(1).toFloatArray();
            for (int i = 0; i < 6; i++) {
                assertThat((double) gotW[i]).isCloseTo(fw[i], offset(1e-6));
            }
            assertThat((double) gotB[0]).isCloseTo(fb[0], offset(1e-6));
            assertThat((double) gotB[1]).isCloseTo(fb[1], offset(1e-6));

            // one batch of all four: the square of the mean gradient (the mini-batch estimate), not the mean of squares
            double[] gw = new double[6];
            double[] gb = new double[2];
            for (double[] gn : g) {
                for (int i = 0; i < 6; i++) {
                    gw[i] += gn[i] / 4;
                }
                for (int k = 0; k < 2; k++) {
                    gb[k] += gn[6 + k] / 4;
                }
            }
            List<NDArray> batched = Importance.fisher(model, data, 4, 4, 1, m);
            float[] batchW = batched.get(0).toFloatArray();
            for (int i = 0; i < 6; i++) {
                assertThat((double) batchW[i]).isCloseTo(gw[i] * gw[i], offset(1e-6));
            }
            assertThat((double) batched.get(1).toFloatArray()[1]).isCloseTo(gb[1] * gb[1], offset(1e-6));
        }
    }

    /**
     * Per-sample gradients of log p(y|x) for a 3-input, 2-class linear softmax model: (1[k=y] − p_k)·x for the weights
     * (row-major), then 1[k=y] − p_k for the biases.
     */
    private static double[][] softmaxLogLikelihoodGradients(float[] w, float[] b, float[] x, int[] y) {
        double[][] out = new double[y.length][8];
        for (int n = 0; n < y.length; n++) {
            double[] z = new double[2];
            for (int k = 0; k < 2; k++) {
                z[k] = b[k];
                for (int j = 0; j < 3; j++) {
                    z[k] += w[k * 3 + j] * x[n * 3 + j];
                }
            }
            double norm = Math.exp(z[0]) + Math.exp(z[1]);
            for (int k = 0; k < 2; k++) {
                double r = (k == y[n] ? 1 : 0) - Math.exp(z[k]) / norm;
                out[n][6 + k] = r;
                for (int j = 0; j < 3; j++) {
                    out[n][k * 3 + j] = r * x[n * 3 + j];
                }
            }
        }
        return out;
    }

    @Test
    void masImportanceIsTheMeanAbsoluteGradientOfTheSquaredOutputNorm() {
        // one linear layer f = Wx + b: d||f||²/dW_kj = 2 f_k x_j, d/db_k = 2 f_k
        float[] x = {1f, 2f, -1f, 0.5f};
        FloatDataset data = new FloatDataset("tiny", x, new int[] {0, 1}, new Shape(2), 2);
        try (NDManager m = NDManager.newBaseManager()) {
            Mlp model = new Mlp(m, 2, new int[0], 2, 1, 9);
            float[] w = model.parameters().get(0).array().toFloatArray();
            float[] b = model.parameters().get(1).array().toFloatArray();
            double[] expected = new double[4];
            for (int n = 0; n < 2; n++) {
                for (int k = 0; k < 2; k++) {
                    double f = b[k] + w[k * 2] * x[n * 2] + w[k * 2 + 1] * x[n * 2 + 1];
                    for (int j = 0; j < 2; j++) {
                        expected[k * 2 + j] += Math.abs(2 * f * x[n * 2 + j]) / 2;
                    }
                }
            }
            float[] got = Importance.mas(model, data, 2, 1, m).get(0).toFloatArray();
            for (int i = 0; i < 4; i++) {
                assertThat((double) got[i]).isCloseTo(expected[i], offset(1e-5));
            }
        }
    }

    @Test
    void distillationMatchesKlDivergenceOverTheMaskedUnits() {
        float[] zNew = {1f, 2f, 0.5f, -1f, 0f, 3f};
        float[] zOld = {0.2f, 1.5f, 2f, 0.3f, -0.7f, 1f};
        float[] mask = {1f, 1f, 0f};
        double t = 2.0;
        double expected = 0;
        for (int n = 0; n < 2; n++) {
            double zo0 = zOld[n * 3] / t;
            double zo1 = zOld[n * 3 + 1] / t;
            double zn0 = zNew[n * 3] / t;
            double zn1 = zNew[n * 3 + 1] / t;
            double po0 = Math.exp(zo0) / (Math.exp(zo0) + Math.exp(zo1));
            double pn0 = Math.exp(zn0) / (Math.exp(zn0) + Math.exp(zn1));
            expected += po0 * Math.log(po0 / pn0) + (1 - po0) * Math.log((1 - po0) / (1 - pn0));
        }
        expected = expected / 2 * t * t;
        try (NDManager m = NDManager.newBaseManager()) {
            double got = Lwf.distillation(m.create(zNew, new Shape(2, 3)), m.create(zOld, new Shape(2, 3)),
                    m.create(mask, new Shape(1, 3)), t).getFloat();
            assertThat(got).isCloseTo(expected, offset(1e-5));
            double none = Lwf.distillation(m.create(zOld, new Shape(2, 3)), m.create(zOld, new Shape(2, 3)), null, t).getFloat();
            assertThat(none).isCloseTo(0, offset(1e-6));
        }
    }
}
