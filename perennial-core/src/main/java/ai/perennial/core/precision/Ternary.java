package ai.perennial.core.precision;

import ai.perennial.core.PerennialException;
import java.util.Arrays;

/**
 * BitNet b1.58 ternary weights: {@code W_q = γ·clip(round(W/(γ + ε)), −1, 1)} with ε = 10⁻⁵ and {@code round} to nearest,
 * ties to even, so every entry becomes −γ, 0 or γ. The scale γ is the mean of {@code |W|} (absmean, b1.58) or its median
 * (absmedian, "BitNet b1.58 Reloaded"); the median of an even count is the lower of the two middle values, as
 * {@code torch.median} returns. Whole-tensor scale. {@link TensorQuantizers#ternary} computes the same on tensors.
 */
public final class Ternary {
    public static final float EPSILON = 1e-5f;

    /** How γ is computed from the weights. */
    public enum Scale {
        ABSMEAN, ABSMEDIAN
    }

    private Ternary() {
    }

    /** γ of {@code w}: the mean (summed in double) or the lower median of {@code |w|}. */
    public static float scale(float[] w, Scale scale) {
        if (w.length == 0) {
            throw new PerennialException("ternary quantization of an empty tensor");
        }
        BlockQuantizer.finiteAmax(w);
        if (scale == Scale.ABSMEAN) {
            double sum = 0;
            for (float v : w) {
                sum += Math.abs(v);
            }
            return (float) (sum / w.length);
        }
        float[] magnitudes = new float[w.length];
        for (int i = 0; i < w.length; i++) {
            magnitudes[i] = Math.abs(w[i]);
        }
        Arrays.sort(magnitudes);
        return magnitudes[(w.length - 1) / 2];
    }

    /** {@code γ·clip(round(w/(γ + ε)), −1, 1)} for a given γ. */
    public static float[] quantize(float[] w, float gamma) {
        float divisor = gamma + EPSILON;
        float[] out = new float[w.length];
        for (int i = 0; i < w.length; i++) {
            float level = Math.max(-1f, Math.min(1f, (float) Math.rint(w[i] / divisor)));
            out[i] = level * gamma;
        }
        return out;
    }

    /** Ternary weights with the scale computed from {@code w}. */
    public static float[] quantize(float[] w, Scale scale) {
        return quantize(w, scale(w, scale));
    }
}
