package ai.perennial.cl.strategy.plasticity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.perennial.core.engine.Engines;
import org.junit.jupiter.api.Test;

class SpectralRegularizationTest {
    /** W = R(a) · diag(3, 1.5, 0.5) · R(b)ᵀ with rotations R, so σ_max = 3 exactly. */
    static float[] knownMatrix() {
        double[][] r1 = rotation(0.7);
        double[][] r2 = rotation(-1.1);
        double[] s = {3, 1.5, 0.5};
        float[] w = new float[9];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                double sum = 0;
                for (int k = 0; k < 3; k++) {
                    sum += r1[i][k] * s[k] * r2[j][k];
                }
                w[i * 3 + j] = (float) sum;
            }
        }
        return w;
    }

    static double[][] rotation(double a) {
        // rotation about the axis (1,1,1)/√3 by angle a (Rodrigues)
        double c = Math.cos(a);
        double s = Math.sin(a);
        double t = 1 - c;
        double x = 1 / Math.sqrt(3);
        return new double[][] {
            {t * x * x + c, t * x * x - s * x, t * x * x + s * x},
            {t * x * x + s * x, t * x * x + c, t * x * x - s * x},
            {t * x * x - s * x, t * x * x + s * x, t * x * x + c}};
    }

    @Test
    void persistentPowerIterationConvergesToTheLargestSingularValue() {
        Engines.pytorch();
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray w = m.create(knownMatrix(), new Shape(3, 3));
            NDArray u = m.create(new float[] {1, 0, 0});
            NDArray v = m.create(new float[] {0, 1, 0});
            double sigma = 0;
            for (int i = 0; i < 30; i++) {
                sigma = SpectralRegularization.step(w, u, v).getFloat();
            }
            assertThat(sigma).isCloseTo(3.0, offset(1e-4));
            // u, v are the top singular pair: W v = σ u
            float[] wv = w.matMul(v.reshape(3, 1)).reshape(3).toFloatArray();
            float[] uu = u.toFloatArray();
            for (int i = 0; i < 3; i++) {
                assertThat((double) wv[i]).isCloseTo(3.0 * uu[i], offset(1e-4));
            }
        }
    }

    @Test
    void penaltyGradientMatchesFiniteDifferences() {
        // d/dW (σ_max(W)^2 − 1)² = 2·(σ² − 1)·2σ · u vᵀ ; compare one entry with a central difference of σ_max
        float[] w = knownMatrix();
        double sigma = 3.0;
        double h = 1e-3;
        Engines.pytorch();
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray u = m.create(new float[] {1, 0, 0});
            NDArray v = m.create(new float[] {0, 1, 0});
            for (int i = 0; i < 30; i++) {
                SpectralRegularization.step(m.create(w, new Shape(3, 3)), u, v);
            }
            float[] uu = u.toFloatArray();
            float[] vv = v.toFloatArray();
            for (int entry : new int[] {0, 4, 7}) {
                double[] plus = sigmaOf(w, entry, h, m);
                double[] minus = sigmaOf(w, entry, -h, m);
                double numeric = (Math.pow(plus[0] * plus[0] - 1, 2) - Math.pow(minus[0] * minus[0] - 1, 2)) / (2 * h);
                double analytic = 2 * (sigma * sigma - 1) * 2 * sigma * uu[entry / 3] * vv[entry % 3];
                assertThat(analytic).isCloseTo(numeric, offset(2e-2 * Math.abs(numeric) + 1e-3));
            }
        }
    }

    static double[] sigmaOf(float[] w, int entry, double delta, NDManager m) {
        float[] shifted = w.clone();
        shifted[entry] += (float) delta;
        NDArray u = m.create(new float[] {1, 0, 0});
        NDArray v = m.create(new float[] {0, 1, 0});
        double sigma = 0;
        for (int i = 0; i < 60; i++) {
            sigma = SpectralRegularization.step(m.create(shifted, new Shape(3, 3)), u, v).getFloat();
        }
        return new double[] {sigma};
    }
}
