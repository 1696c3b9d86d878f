package ai.perennial.core.precision;

import ai.perennial.core.PerennialException;

/**
 * 8-bit absmax activation quantization as in BitNet b1.58: {@code s = 127/max(amax, ε)} with ε = 10⁻⁵,
 * {@code q = clip(round(x·s), −128, 127)} (round to nearest, ties to even), dequantized {@code q/s}. The absmax is taken
 * per row (per token, the b1.58 choice: one scale per example of a batch, over its features, the last dimension) or over
 * the whole tensor. {@link TensorQuantizers#int8Absmax} computes the same on tensors.
 */
public final class Int8Absmax {
    public static final float EPSILON = 1e-5f;

    /** Which values share one absmax. */
    public enum Granularity {
        /** One scale per row of the {@code rows × cols} matrix (per token). */
        ROW,
        /** One scale for the whole tensor. */
        TENSOR
    }

    private Int8Absmax() {
    }

    /** Quantize-dequantize of a row-major {@code rows × cols} matrix. */
    public static float[] fakeQuantize(float[] x, int rows, int cols, Granularity granularity) {
        if ((long) rows * cols != x.length) {
            throw new PerennialException("int8 absmax: " + x.length + " values do not form a " + rows + " × "
                    + cols + " matrix");
        }
        float tensorAmax = BlockQuantizer.finiteAmax(x);
        float[] out = new float[x.length];
        for (int r = 0; r < rows; r++) {
            float amax = tensorAmax;
            if (granularity == Granularity.ROW) {
                amax = 0f;
                for (int c = 0; c < cols; c++) {
                    amax = Math.max(amax, Math.abs(x[r * cols + c]));
                }
            }
            float scale = 127f / Math.max(amax, EPSILON);
            for (int c = 0; c < cols; c++) {
                int i = r * cols + c;
                out[i] = Math.max(-128f, Math.min(127f, (float) Math.rint(x[i] * scale))) / scale;
            }
        }
        return out;
    }
}
