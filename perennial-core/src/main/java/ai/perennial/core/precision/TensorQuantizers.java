package ai.perennial.core.precision;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.perennial.core.PerennialException;

/**
 * The fake quantizers on tensors, for training: block NVFP4/MXFP4, ternary, int8 absmax. Each returns a new FP32 array
 * on the input's manager, detached from autograd (a caller wanting a straight-through gradient uses
 * {@code x + (q − x).stopGradient()}), and equal bit for bit to the host reference ({@link BlockQuantizer},
 * {@link Ternary}, {@link Int8Absmax}) on the same input, seed and counter: the same float32 operations in the same order,
 * exact powers of two looked up in a table rather than computed, and the stochastic-rounding uniforms drawn on the host
 * by {@link CounterUniforms} and uploaded (the one per-element Java loop, parallel for large tensors).
 *
 * <p>Temporaries are closed before a call returns; the result is registered with the caller's {@code NDScope} (if any),
 * as an op's result would be. Each call reads back one scalar (the tensor's largest magnitude) to reject NaN and
 * infinity with a clear error.
 */
public final class TensorQuantizers {
    /** {@code 2^k} for k in [−149, 127] at index {@code k + 149}: every power of two a float holds. */
    private static final float[] POWERS_OF_TWO = new float[277];
    private static final int POWER_OFFSET = 149;

    static {
        for (int k = -POWER_OFFSET; k <= 127; k++) {
            POWERS_OF_TWO[k + POWER_OFFSET] = Math.scalb(1f, k);
        }
    }

    private TensorQuantizers() {
    }

    /**
     * {@link BlockQuantizer#fakeQuantize} along {@code axis}: blocks run along that axis, so for a GEMM it is the reduction
     * dimension ({@code x·Wᵀ}: the last axis of both; {@code ∇Yᵀ·X}: axis 0). The host reference of an array quantized
     * along axis {@code k} is the array with axes {@code k} and last swapped, read row-major as a {@code rows × size(k)}
     * matrix; element indices of the stochastic-rounding uniforms are positions in that matrix.
     */
    public static NDArray blockFakeQuantize(NDArray x, int axis, BlockFormat format, Rounding rounding, long seed, long counter) {
        Shape shape = x.getShape();
        int dims = shape.dimension();
        int along = axis < 0 ? axis + dims : axis;
        if (dims == 0 || along < 0 || along >= dims) {
            throw new PerennialException("block quantizer: axis " + axis + " does not exist in an array of shape " + shape);
        }
        NDManager manager = x.getManager();
        NDArray out;
        try (NDScope scope = new NDScope()) {
            NDArray moved = along == dims - 1 ? x.stopGradient() : x.stopGradient().swapAxes(along, dims - 1);
            Shape movedShape = moved.getShape();
            int cols = (int) movedShape.get(dims - 1);
            int rows = (int) (movedShape.size() / Math.max(1, cols));
            int size = format.blockSize();
            int perRow = format.blocksPerRow(cols);
            int paddedCols = perRow * size;
            NDArray matrix = moved.toType(DataType.FLOAT32, false).reshape(rows, cols);
            if (paddedCols != cols) { // zeros do not change a block's amax and quantize to zero
                matrix = NDArrays.concat(new NDList(matrix, manager.zeros(new Shape(rows, paddedCols - cols))), 1);
            }
            NDArray blocks = matrix.reshape(rows, perRow, size);
            NDArray blockAmax = blocks.abs().max(new int[] {2}, true);
            float amax = blockAmax.max().getFloat();
            if (!Float.isFinite(amax)) {
                throw BlockQuantizer.nonFinite(amax + " (the largest magnitude)");
            }
            NDArray powers = manager.create(POWERS_OF_TWO);
            NDArray scale;
            if (format == BlockFormat.NVFP4) {
                float tensorScale = BlockQuantizer.nvfp4TensorScale(amax);
                NDArray ratio = blockAmax.div(tensorScale).div(BlockQuantizer.E2M1_MAX);
                NDArray e4m3 = roundE4M3(ratio, powers);
                e4m3 = NDArrays.where(ratio.gt(0f), e4m3.maximum(MiniFloat.E4M3.minSubnormal()), e4m3);
                scale = e4m3.mul(tensorScale);
            } else {
                NDArray exponent = floorLog2(blockAmax, powers).sub(BlockQuantizer.E2M1_MAX_EXPONENT)
                        .clip(E8M0.MIN_EXPONENT, E8M0.MAX_EXPONENT);
                scale = powerOfTwo(exponent, powers);
            }
            NDArray divisor = scale.add(scale.eq(0f).toType(DataType.FLOAT32, false)); // 1 where the scale is 0
            NDArray scaled = blocks.div(divisor);
            NDArray clipped = scaled.clip(-BlockQuantizer.E2M1_MAX, BlockQuantizer.E2M1_MAX);
            NDArray uniforms = null;
            if (rounding == Rounding.STOCHASTIC) {
                uniforms = manager.create(paddedUniforms(seed, counter, rows, cols, paddedCols), new Shape(rows, perRow, size));
            }
            out = roundE2M1(clipped, rounding, uniforms).mul(scale).reshape(rows, paddedCols);
            if (paddedCols != cols) {
                out = out.get(new NDIndex(":, :{}", cols));
            }
            out = out.reshape(movedShape);
            if (along != dims - 1) {
                out = out.swapAxes(along, dims - 1);
            }
            NDScope.unregister(out);
        }
        return handOver(out);
    }

    /** Ternary weights (see {@link Ternary}): {@code γ·clip(round(w/(γ + ε)), −1, 1)} with γ from {@link #ternaryScale}. */
    public static NDArray ternary(NDArray w, Ternary.Scale scale) {
        NDArray out;
        try (NDScope scope = new NDScope()) {
            NDArray gamma = ternaryScale(w, scale);
            out = w.stopGradient().div(gamma.add(Ternary.EPSILON)).round().clip(-1f, 1f).mul(gamma);
            NDScope.unregister(out);
        }
        return handOver(out);
    }

    /**
     * γ as a 0-d array: the float32 mean of {@code |w|} (summed by the engine, so it may differ from {@link Ternary#scale}'s
     * double sum in the last bit) or the lower median (equal to the host's).
     */
    public static NDArray ternaryScale(NDArray w, Ternary.Scale scale) {
        NDArray gamma;
        try (NDScope scope = new NDScope()) {
            NDArray magnitudes = w.stopGradient().abs().flatten();
            gamma = scale == Ternary.Scale.ABSMEAN ? magnitudes.mean() : magnitudes.median(new int[] {0});
            float value = gamma.getFloat();
            if (!Float.isFinite(value)) {
                throw BlockQuantizer.nonFinite(value + " (the ternary scale)");
            }
            NDScope.unregister(gamma);
        }
        return handOver(gamma);
    }

    /** {@link Int8Absmax#fakeQuantize}: rows are the last axis (one scale per token) or the whole tensor. */
    public static NDArray int8Absmax(NDArray x, Int8Absmax.Granularity granularity) {
        NDArray out;
        try (NDScope scope = new NDScope()) {
            NDArray input = x.stopGradient();
            NDArray amax = granularity == Int8Absmax.Granularity.ROW
                    ? input.abs().max(new int[] {-1}, true)
                    : input.abs().max();
            float largest = amax.max().getFloat();
            if (!Float.isFinite(largest)) {
                throw BlockQuantizer.nonFinite(largest + " (the largest magnitude)");
            }
            NDArray scale = x.getManager().create(127f).div(amax.maximum(Int8Absmax.EPSILON));
            out = input.mul(scale).round().clip(-128f, 127f).div(scale);
            NDScope.unregister(out);
        }
        return handOver(out);
    }

    /**
     * A result leaves this class's scope of temporaries and joins the caller's scope, if there is one (the training step's),
     * like the result of any other op: it is on the input's manager, which for a parameter outlives the step.
     */
    private static NDArray handOver(NDArray result) {
        NDScope.register(result);
        return result;
    }

    /** Uniforms for the {@code rows × cols} elements laid out in rows of {@code paddedCols} (padding gets 0). */
    private static float[] paddedUniforms(long seed, long counter, int rows, int cols, int paddedCols) {
        long key = CounterUniforms.key(seed, counter);
        float[] u = CounterUniforms.fill(key, 0, new float[rows * cols]);
        if (paddedCols == cols) {
            return u;
        }
        float[] padded = new float[rows * paddedCols];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(u, r * cols, padded, r * paddedCols, cols);
        }
        return padded;
    }

    /** {@link BlockQuantizer#roundE2M1} on tensors: values in [−6, 6] to the E2M1 grid, with their sign. */
    static NDArray roundE2M1(NDArray clipped, Rounding rounding, NDArray uniforms) {
        NDArray step = clipped.abs().mul(0.5f).floor().clip(0.5f, 2f);
        return roundToInteger(clipped.div(step), rounding, uniforms).mul(step);
    }

    /** E4M3 round-to-nearest-even of values ≥ 0, saturating at 448. */
    static NDArray roundE4M3(NDArray value, NDArray powers) {
        MiniFloat f = MiniFloat.E4M3;
        NDArray exponent = floorLog2(value, powers).clip(1 - f.bias(), 8);
        NDArray step = powerOfTwo(exponent.sub(f.mantissaBits()), powers);
        return value.div(step).round().mul(step).minimum(f.max());
    }

    private static NDArray roundToInteger(NDArray x, Rounding rounding, NDArray uniforms) {
        if (rounding == Rounding.NEAREST_EVEN) {
            return x.round(); // torch.round: half to even
        }
        NDArray floor = x.floor();
        return floor.add(uniforms.lt(x.sub(floor)).toType(DataType.FLOAT32, false));
    }

    /**
     * {@code ⌊log₂ v⌋} as floats for {@code v ≥ 0}, exact for normal {@code v}: {@code log2} is within an ulp, so its floor
     * is off by at most one near powers of two, which one comparison with the exact power from the table corrects.
     * Zero and subnormals give values at or below −126, which every caller clamps.
     */
    static NDArray floorLog2(NDArray v, NDArray powers) {
        NDArray estimate = v.log2().floor().clip(-POWER_OFFSET, 127);
        NDArray power = powerOfTwo(estimate, powers);
        NDArray tooHigh = power.gt(v).toType(DataType.FLOAT32, false);
        NDArray tooLow = power.mul(2f).lte(v).toType(DataType.FLOAT32, false);
        return estimate.sub(tooHigh).add(tooLow);
    }

    /** {@code 2^k} for integer-valued {@code k} in [−149, 127], looked up exactly. */
    static NDArray powerOfTwo(NDArray exponent, NDArray powers) {
        NDArray index = exponent.add(POWER_OFFSET).toType(DataType.INT64, false);
        return powers.take(index.flatten()).reshape(exponent.getShape());
    }
}
