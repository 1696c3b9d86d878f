package ai.perennial.core.precision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.perennial.core.PerennialException;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Ternary b1.58 weights (absmean and absmedian scale) and 8-bit absmax activations on hand examples. */
class TernaryAndInt8Test {

    @Test
    void absmeanAndAbsmedianScalesOnAHandExample() {
        // |w| = 0.1 ×4 and 2: mean 0.48, median 0.1. The mean, pulled up by the outlier, zeroes the small weights;
        // the median keeps them.
        float[] w = {0.1f, -0.1f, 0.1f, 0.1f, 2f};
        assertThat(Ternary.scale(w, Ternary.Scale.ABSMEAN)).isEqualTo(0.48f);
        assertThat(Ternary.scale(w, Ternary.Scale.ABSMEDIAN)).isEqualTo(0.1f);
        assertThat(Ternary.quantize(w, Ternary.Scale.ABSMEAN)).containsExactly(0f, -0f, 0f, 0f, 0.48f);
        assertThat(Ternary.quantize(w, Ternary.Scale.ABSMEDIAN)).containsExactly(0.1f, -0.1f, 0.1f, 0.1f, 0.1f);
        // an even count: the lower of the two middle values, as torch.median
        assertThat(Ternary.scale(new float[] {0.4f, -0.1f, 0.3f, 0.2f}, Ternary.Scale.ABSMEDIAN)).isEqualTo(0.2f);
        // w/(γ+ε) = ±0.5 exactly rounds to even (±0); ±3 is clipped to ±1
        float g = 0.75f;
        float d = g + Ternary.EPSILON;
        assertThat(Ternary.quantize(new float[] {0.5f * d, -0.5f * d, 3 * d, -3 * d}, g)).containsExactly(0f, -0f, g, -g);
    }

    @Test
    void ternaryWeightsTakeOnlyThreeValues() {
        SplittableRandom random = new SplittableRandom(2);
        float[] w = new float[5000];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (random.nextGaussian() * 0.05);
        }
        for (Ternary.Scale scale : Ternary.Scale.values()) {
            float gamma = Ternary.scale(w, scale);
            float[] q = Ternary.quantize(w, gamma);
            int zeros = 0;
            for (int i = 0; i < q.length; i++) {
                assertThat(Math.abs(q[i])).isIn(0f, gamma); // −γ, ±0 or γ
                zeros += q[i] == 0f ? 1 : 0;
                // each weight goes to the nearest level of {−1, 0, 1}·(γ + ε), up to ties
                float level = q[i] / gamma;
                assertThat(Math.abs(w[i] / (gamma + Ternary.EPSILON) - level)).isLessThanOrEqualTo(
                        Math.abs(level) == 1 ? Float.MAX_VALUE : 0.5f);
            }
            assertThat(zeros).isBetween(1, q.length - 1);
        }
        assertThatThrownBy(() -> Ternary.scale(new float[] {1f, Float.NaN}, Ternary.Scale.ABSMEAN))
                .isInstanceOf(PerennialException.class).hasMessageContaining("NaN");
    }

    @Test
    void int8AbsmaxPerRowAndPerTensorOnAHandExample() {
        float[] x = {1f, -2f, 0.5f, 0.01f, 0f, 0f, 0f, 0f, 0f};
        float[] perRow = Int8Absmax.fakeQuantize(x, 3, 3, Int8Absmax.Granularity.ROW);
        // row 0: s = 127/2 = 63.5; 1·63.5 = 63.5 ties to 64; 0.5·63.5 = 31.75 → 32
        assertThat(perRow[0]).isEqualTo(64f / 63.5f).isCloseTo(1.0078740f, org.assertj.core.data.Offset.offset(1e-7f));
        assertThat(perRow[1]).isEqualTo(-2f);
        assertThat(perRow[2]).isEqualTo(32f / 63.5f);
        // row 1 has its own scale 127/0.01: its largest entry is kept; an all-zero row stays zero
        assertThat(perRow[3]).isEqualTo(127f / (127f / 0.01f));
        assertThat(perRow[3]).isCloseTo(0.01f, org.assertj.core.data.Offset.offset(1e-9f));
        assertThat(new float[] {perRow[6], perRow[7], perRow[8]}).containsOnly(0f);
        float[] perTensor = Int8Absmax.fakeQuantize(x, 3, 3, Int8Absmax.Granularity.TENSOR);
        // with the tensor's scale 63.5, 0.01·63.5 = 0.635 → 1 level = 1/63.5
        assertThat(perTensor[3]).isEqualTo(1f / 63.5f);
        assertThat(perTensor[0]).isEqualTo(perRow[0]);
        // levels are integers in [−128, 127] times 1/s
        SplittableRandom random = new SplittableRandom(3);
        float[] y = new float[400];
        for (int i = 0; i < y.length; i++) {
            y[i] = (float) random.nextGaussian();
        }
        float[] q = Int8Absmax.fakeQuantize(y, 4, 100, Int8Absmax.Granularity.ROW);
        for (int r = 0; r < 4; r++) {
            float amax = 0;
            for (int c = 0; c < 100; c++) {
                amax = Math.max(amax, Math.abs(y[r * 100 + c]));
            }
            float s = 127f / amax;
            for (int c = 0; c < 100; c++) {
                double level = q[r * 100 + c] * (double) s;
                assertThat(Math.abs(level - Math.rint(level))).isLessThan(1e-4);
                assertThat(Math.abs(q[r * 100 + c] - y[r * 100 + c])).isLessThanOrEqualTo(0.5f / s * 1.0001f);
            }
        }
    }
}
