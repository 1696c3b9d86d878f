package ai.perennial.cl.strategy.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.perennial.core.engine.Engines;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ClassifierCorrectionTest {
    @BeforeAll
    static void engine() {
        Engines.pytorch();
    }

    @Test
    void bicChangesOnlyNewClassLogits() {
        float[] logits = {1f, 2f, 3f, 4f, -1f, 0.5f, 2f, -3f};
        float[] newMask = {0f, 0f, 1f, 1f};
        try (NDManager m = NDManager.newBaseManager()) {
            float[] out = Bic.correct(m.create(logits, new Shape(2, 4)), newMask, 0.5f, -1f).toFloatArray();
            for (int s = 0; s < 2; s++) {
                for (int c = 0; c < 4; c++) {
                    float o = logits[s * 4 + c];
                    assertThat(out[s * 4 + c]).isCloseTo(newMask[c] == 1 ? 0.5f * o - 1f : o, offset(1e-6f));
                }
            }
        }
    }

    @Test
    void biasCorrectionFitMinimizesTheLossAndRemovesTheBiasTowardsNewClasses() {
        // balanced labels; the model inflates the logits of the new classes 2 and 3
        SplittableRandom r = new SplittableRandom(1);
        int n = 400;
        int outputs = 4;
        float[] newMask = {0f, 0f, 1f, 1f};
        float[] observed = new float[n * outputs];
        int[] labels = new int[n];
        for (int s = 0; s < n; s++) {
            labels[s] = s % outputs;
            for (int c = 0; c < outputs; c++) {
                double t = (c == labels[s] ? 2.0 : 0.0) + r.nextGaussian();
                observed[s * outputs + c] = (float) (newMask[c] == 1 ? 2 * t + 2 : t);
            }
        }
        assertThat(newFraction(observed, n, outputs, newMask, 1, 0)).isGreaterThan(0.8);
        float[] fit = Bic.fitCorrection(observed, labels, outputs, newMask, 3000, 0.5);
        double best = crossEntropy(observed, labels, outputs, newMask, fit[0], fit[1]);
        for (double da = -0.05; da <= 0.05; da += 0.025) {
            for (double db = -0.1; db <= 0.1; db += 0.05) {
                assertThat(crossEntropy(observed, labels, outputs, newMask, fit[0] + da, fit[1] + db)).isGreaterThanOrEqualTo(best - 1e-9);
            }
        }
        assertThat(best).isLessThan(crossEntropy(observed, labels, outputs, newMask, 1, 0));
        assertThat(newFraction(observed, n, outputs, newMask, fit[0], fit[1])).isBetween(0.4, 0.6);
    }

    static double crossEntropy(float[] o, int[] y, int outputs, float[] mask, double a, double b) {
        double total = 0;
        for (int s = 0; s < y.length; s++) {
            double[] z = new double[outputs];
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < outputs; c++) {
                z[c] = mask[c] == 1 ? a * o[s * outputs + c] + b : o[s * outputs + c];
                max = Math.max(max, z[c]);
            }
            double sum = 0;
            for (double v : z) {
                sum += Math.exp(v - max);
            }
            total += -(z[y[s]] - max - Math.log(sum));
        }
        return total / y.length;
    }

    static double newFraction(float[] o, int n, int outputs, float[] mask, double a, double b) {
        int count = 0;
        for (int s = 0; s < n; s++) {
            int best = 0;
            double bestValue = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < outputs; c++) {
                double z = mask[c] == 1 ? a * o[s * outputs + c] + b : o[s * outputs + c];
                if (z > bestValue) {
                    bestValue = z;
                    best = c;
                }
            }
            count += mask[best] == 1 ? 1 : 0;
        }
        return count / (double) n;
    }

    @Test
    void nearestMeanLogitsPickTheClosestClassMean() {
        Map<Long, float[]> means = new LinkedHashMap<>();
        means.put(0L, new float[] {1f, 0f});
        means.put(1L, new float[] {0f, 1f});
        means.put(2L, new float[] {-0.6f, -0.8f});
        try (NDManager m = NDManager.newBaseManager()) {
            // features are normalized inside: (3, 0.5) is nearest to class 0, (-1, -2) to class 2
            NDArray f = m.create(new float[] {3f, 0.5f, -1f, -2f, 0.1f, 5f}, new Shape(3, 2));
            NDArray logits = Icarl.nearestMeanLogits(f, new int[3], means);
            assertThat(logits.argMax(1).toLongArray()).containsExactly(0L, 2L, 1L);
            float[] v = logits.toFloatArray();
            double norm = Math.hypot(3, 0.5);
            double expected = -(Math.pow(3 / norm - 1, 2) + Math.pow(0.5 / norm, 2));
            assertThat((double) v[0]).isCloseTo(expected, offset(1e-5));
        }
    }
}
