package ai.perennial.core.precision;

import ai.perennial.core.PerennialException;

/**
 * NVFP4 and MXFP4 quantization of a row-major {@code rows × cols} matrix in blocks of consecutive values along a row (the
 * reduction dimension of a GEMM), on the host. {@link TensorQuantizers#blockFakeQuantize} computes the same values on
 * tensors, bit for bit.
 *
 * <p>The rules, for a block with largest magnitude {@code amax_b}:
 * <ul>
 *   <li><b>NVFP4</b>: tensor scale {@code s_T = amax_T/(6·448)} in FP32 (1 when that is 0), block scale
 *       {@code S = E4M3_RTN((amax_b/s_T)/6)}, effective scale {@code s = S·s_T}. If {@code S} rounded down, some
 *       {@code |x/s|} exceed 6 and are clamped to 6. A nonzero block whose scale would round to 0 gets the smallest
 *       subnormal 2⁻⁹ instead, so no block is silently dropped (which would also bias stochastic rounding).</li>
 *   <li><b>MXFP4</b> (OCP MX v1.0, section 6.3): {@code s = 2^(⌊log₂ amax_b⌋ − 2)}, where 2 is the exponent of E2M1's
 *       largest value 6 = 1.5·2², clamped to E8M0's range [−127, 127]. Then {@code |x/s| < 8}, and values above 6 are
 *       clamped to 6 (the spec's saturating conversion). An all-zero block gets the smallest scale 2⁻¹²⁷.</li>
 * </ul>
 * Each element is then {@code q = E2M1(clip(x/s, −6, 6))} rounded with {@link Rounding} (see {@link #roundE2M1}; the
 * uniform for element {@code i} is {@code CounterUniforms.uniform(key(seed, counter), i)}, {@code i} its row-major
 * index), and dequantizes to {@code q·s}. Zero blocks give zeros. NaN or infinite input is an error.
 */
public final class BlockQuantizer {
    /** {@code 6·448}: the largest E2M1 value times the largest E4M3 value. */
    public static final float NVFP4_TENSOR_DIVISOR = 6f * 448f;
    /** The exponent of E2M1's largest value (6 = 1.5·2²), subtracted in the MX scale rule. */
    public static final int E2M1_MAX_EXPONENT = 2;
    static final float E2M1_MAX = 6f;

    private BlockQuantizer() {
    }

    /** Quantize-dequantize: the values the format represents for {@code x} (see the class comment). */
    public static float[] fakeQuantize(float[] x, int rows, int cols, BlockFormat format, Rounding rounding, long seed, long counter) {
        return quantize(x, rows, cols, format, rounding, seed, counter).dequantize();
    }

    /** {@code x} in the packed format. */
    public static QuantizedBlocks quantize(float[] x, int rows, int cols, BlockFormat format, Rounding rounding, long seed,
            long counter) {
        if (rows < 0 || cols <= 0 || (long) rows * cols != x.length) {
            throw new PerennialException("block quantizer: " + x.length + " values do not form a " + rows + " × " + cols
                    + " matrix; pass the matrix's row and column counts");
        }
        float amaxTensor = finiteAmax(x);
        float tensorScale = format == BlockFormat.NVFP4 ? nvfp4TensorScale(amaxTensor) : 1f;
        int perRow = format.blocksPerRow(cols);
        int size = format.blockSize();
        byte[] elements = new byte[(x.length + 1) / 2];
        byte[] scales = new byte[rows * perRow];
        long key = CounterUniforms.key(seed, counter);
        for (int r = 0; r < rows; r++) {
            for (int b = 0; b < perRow; b++) {
                int start = r * cols + b * size;
                int end = r * cols + Math.min(cols, (b + 1) * size);
                float amax = 0f;
                for (int i = start; i < end; i++) {
                    amax = Math.max(amax, Math.abs(x[i]));
                }
                byte scaleCode = format == BlockFormat.NVFP4 ? nvfp4ScaleCode(amax, tensorScale) : mxfp4ScaleCode(amax);
                scales[r * perRow + b] = scaleCode;
                float scale = blockScale(format, scaleCode, tensorScale);
                float divisor = scale == 0f ? 1f : scale; // only an all-zero block has scale 0
                for (int i = start; i < end; i++) {
                    float a = x[i] / divisor;
                    float u = rounding == Rounding.STOCHASTIC ? CounterUniforms.uniform(key, i) : 0f;
                    int code = MiniFloat.E2M1.bits(roundE2M1(Math.max(-E2M1_MAX, Math.min(E2M1_MAX, a)), rounding, u));
                    elements[i >>> 1] |= (byte) (code << ((i & 1) * 4));
                }
            }
        }
        return new QuantizedBlocks(format, rows, cols, elements, scales, tensorScale);
    }

    /**
     * A value {@code c} in [−6, 6] rounded to the E2M1 grid, in the float32 operations {@link TensorQuantizers} uses. The
     * step is {@code clip(⌊|c|/2⌋, 0.5, 2)}: 0.5 below 2, 1 below 4, 2 from 4 (6 gives 3, clipped to 2), and {@code c/step}
     * is rounded to an integer with its sign: nearest-even ({@code rint} is symmetric, so −0.2 gives −0), or
     * stochastically up, toward +∞, with probability {@code c/step − ⌊c/step⌋} — for negative values too, which keeps
     * the rounding unbiased.
     */
    static float roundE2M1(float c, Rounding rounding, float u) {
        float step = Math.min(Math.max((float) Math.floor(Math.abs(c) * 0.5f), 0.5f), 2f);
        float x = c / step;
        float level;
        if (rounding == Rounding.NEAREST_EVEN) {
            level = (float) Math.rint(x);
        } else {
            float floor = (float) Math.floor(x);
            level = floor + (u < x - floor ? 1f : 0f);
        }
        return level * step;
    }

    /** NVFP4's FP32 tensor scale {@code amax/(6·448)}, or 1 when that is 0 (then every block is zero or negligible). */
    public static float nvfp4TensorScale(float amax) {
        float scale = amax / NVFP4_TENSOR_DIVISOR;
        return scale == 0f ? 1f : scale;
    }

    /** NVFP4's E4M3 block scale code, {@code E4M3_RTN((amax/s_T)/6)}, at least the smallest subnormal for a nonzero block. */
    public static byte nvfp4ScaleCode(float blockAmax, float tensorScale) {
        float ratio = blockAmax / tensorScale / E2M1_MAX;
        byte code = MiniFloat.E4M3.encode(ratio);
        return ratio > 0f && code == 0 ? (byte) 1 : code;
    }

    /** MXFP4's E8M0 block scale code, {@code 2^(⌊log₂ amax⌋ − 2)} clamped to [2⁻¹²⁷, 2¹²⁷]. */
    public static byte mxfp4ScaleCode(float blockAmax) {
        return blockAmax == 0f ? E8M0.ofExponent(E8M0.MIN_EXPONENT) : E8M0.ofExponent(E8M0.floorLog2(blockAmax) - E2M1_MAX_EXPONENT);
    }

    /** The scale a block's elements are multiplied by: {@code E4M3(code)·s_T} (NVFP4) or {@code E8M0(code)} (MXFP4). */
    public static float blockScale(BlockFormat format, byte code, float tensorScale) {
        return format == BlockFormat.NVFP4 ? MiniFloat.E4M3.decode(code) * tensorScale : E8M0.decode(code);
    }

    /** {@code max |x|}, or an error naming the first NaN or infinite entry. */
    static float finiteAmax(float[] x) {
        float amax = 0f;
        for (int i = 0; i < x.length; i++) {
            float v = x[i];
            if (!Float.isFinite(v)) {
                throw nonFinite(v + " at index " + i);
            }
            amax = Math.max(amax, Math.abs(v));
        }
        return amax;
    }

    static PerennialException nonFinite(String where) {
        return new PerennialException("cannot quantize: the input holds " + where
                + "; the values are not finite (check the loss and learning rate for divergence)");
    }
}
