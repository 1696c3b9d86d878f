package ai.perennial.core.precision;

import ai.perennial.core.PerennialException;
import java.util.stream.IntStream;

/**
 * A simulated floating-point accumulator with {@code e} exponent bits, {@code m} mantissa bits and bias {@code b}, rounded
 * after every addition (A10: accumulation is the hidden high-precision step of a GEMM). Products of float inputs are
 * exact in double; each partial sum {@code acc + p} is rounded into the format once, with {@link Rounding#NEAREST_EVEN}
 * or {@link Rounding#STOCHASTIC}.
 *
 * <p>The format: normal values {@code 2^E·(1 + f/2^m)} for {@code E} in {@code [1 − b, 2^e − 2 − b]} (the top exponent
 * code is left unused, as IEEE 754 reserves it for infinities and NaN, so e = 11, m = 52, b = 1023 is exactly double),
 * subnormals {@code 2^(1 − b)·f/2^m}, and no infinities: a sum beyond the largest finite value
 * {@code 2^(2^e − 2 − b)·(2 − 2^−m)} saturates to it, keeping its sign. The default bias is {@code 2^(e−1) − 1}.
 *
 * <p>Exactness: {@code acc + p} is computed in double, which rounds once already; with nearest-even rounding the result
 * is still the correctly rounded exact sum, because the only case where rounding twice differs (the double sum lands
 * exactly halfway between two accumulator values) is decided by the exact error of the double sum (TwoSum). Stochastic
 * rounding takes its probability from the double sum, off from the exact one by less than 2^(m − 52) of an accumulator
 * step.
 */
public final class LowPrecisionAccumulator {
    private static final long EXPONENT_MASK = 0x7ff0000000000000L;

    private final int exponentBits;
    private final int mantissaBits;
    private final int bias;
    private final Rounding rounding;
    private final int minExponent;
    private final double max;
    private final int shift;
    private final long lowMask;
    private final long half;
    private final long maxBits;
    private final long minNormalBits;
    private final double stepScale;
    private final boolean stochastic;
    /** {@code 2^(m − 1 + b)}, the number of subnormal steps per unit, or 0 where that is beyond double. */
    private final double subnormalSteps;

    /** The format with the IEEE-style bias {@code 2^(e−1) − 1}. */
    public LowPrecisionAccumulator(int exponentBits, int mantissaBits, Rounding rounding) {
        this(exponentBits, mantissaBits, (1 << (exponentBits - 1)) - 1, rounding);
    }

    public LowPrecisionAccumulator(int exponentBits, int mantissaBits, int bias, Rounding rounding) {
        if (exponentBits < 2 || exponentBits > 11) {
            throw new PerennialException("accumulator exponent bits must be in [2, 11], got " + exponentBits);
        }
        if (mantissaBits < 1 || mantissaBits > 52) {
            throw new PerennialException("accumulator mantissa bits must be in [1, 52], got " + mantissaBits);
        }
        int maxExponent = (1 << exponentBits) - 2 - bias;
        if (1 - bias < -1022 || maxExponent > 1023) {
            throw new PerennialException("accumulator bias " + bias + " puts the exponent range [" + (1 - bias) + ", " + maxExponent
                    + "] outside double's [-1022, 1023]; choose a bias between " + ((1 << exponentBits) - 1025) + " and 1023");
        }
        this.exponentBits = exponentBits;
        this.mantissaBits = mantissaBits;
        this.bias = bias;
        this.rounding = rounding;
        this.minExponent = 1 - bias;
        this.max = Math.scalb(2 - Math.scalb(1.0, -mantissaBits), maxExponent);
        this.shift = 52 - mantissaBits;
        this.lowMask = (1L << shift) - 1;
        this.half = shift == 0 ? 0 : 1L << (shift - 1);
        this.maxBits = Double.doubleToRawLongBits(max);
        this.minNormalBits = Double.doubleToRawLongBits(Math.scalb(1.0, minExponent));
        this.stepScale = Math.scalb(1.0, shift);
        this.stochastic = rounding == Rounding.STOCHASTIC;
        this.subnormalSteps = mantissaBits - minExponent <= 1023 ? Math.scalb(1.0, mantissaBits - minExponent) : 0;
    }

    /**
     * The 12-bit accumulator (1 sign + 4 exponent + 7 mantissa bits, bias 7): range 2⁻¹³ (smallest subnormal) to 255.
     * Seven mantissa bits are bfloat16's, a relative step of 2⁻⁷; four exponent bits cover the partial sums of a small
     * MLP's pre-activations (products of inputs in [0, 1] and weights of order 1/√fan-in, sums up to tens) with the
     * small products reaching the subnormal range rather than vanishing. The A10 abstract does not give its split.
     */
    public static LowPrecisionAccumulator twelveBit(Rounding rounding) {
        return new LowPrecisionAccumulator(4, 7, 7, rounding);
    }

    public int exponentBits() {
        return exponentBits;
    }

    public int mantissaBits() {
        return mantissaBits;
    }

    public int bias() {
        return bias;
    }

    public Rounding rounding() {
        return rounding;
    }

    /** The largest finite value; sums beyond it saturate. */
    public double max() {
        return max;
    }

    /** {@code v} rounded into the format ({@code u}: the uniform for stochastic rounding). */
    public double round(double v, double u) {
        return round(v, v, 0.0, u);
    }

    /** {@code acc + x} rounded into the format: one accumulation step. */
    public double add(double acc, double x, double u) {
        return round(acc + x, acc, x, u);
    }

    /**
     * {@code Σ a[aOffset + t]·b[bOffset + t]} for {@code t < n}, accumulated in order from 0 and rounded after every
     * addition (the first product too). The uniform for addition {@code t} is {@code uniform53(key, indexBase + t)}.
     */
    public double dot(float[] a, int aOffset, float[] b, int bOffset, int n, long key, long indexBase) {
        double acc = 0.0;
        for (int t = 0; t < n; t++) {
            acc = step(acc, (double) a[aOffset + t] * b[bOffset + t], key, indexBase + t);
        }
        return acc;
    }

    /**
     * {@code a·bᵀ} for row-major {@code a} ({@code rows × inner}) and {@code b} ({@code cols × inner}): a dense layer's
     * {@code x·Wᵀ}. Each entry is a {@link #dot} over the shared (last) dimension; the uniforms of entry {@code (i, j)}
     * start at index {@code (i·cols + j)·inner} of the stream {@code (seed, counter)}. Rows run in parallel, and four
     * entries of a row are accumulated side by side (four independent dependency chains); the result is the same on any
     * number of threads. Entries are converted to float (exact when {@code m ≤ 23} and the range fits).
     */
    public float[] matmulTransposed(float[] a, int rows, int inner, float[] b, int cols, long seed, long counter) {
        if ((long) rows * inner != a.length || (long) cols * inner != b.length) {
            throw new PerennialException("accumulator matmul: shapes do not match: a has " + a.length + " values for " + rows + " × "
                    + inner + ", b has " + b.length + " for " + cols + " × " + inner);
        }
        checkFinite(a, "left");
        checkFinite(b, "right");
        long key = CounterUniforms.key(seed, counter);
        float[] out = new float[rows * cols];
        IntStream.range(0, rows).parallel().forEach(i -> {
            int row = i * inner;
            int j = 0;
            for (; j + 4 <= cols; j += 4) {
                int b0 = j * inner;
                long index0 = ((long) i * cols + j) * inner;
                double s0 = 0.0;
                double s1 = 0.0;
                double s2 = 0.0;
                double s3 = 0.0;
                for (int t = 0; t < inner; t++) {
                    double x = a[row + t];
                    if (x == 0) {
                        continue; // four zero products: the sums stay as they are
                    }
                    long index = index0 + t;
                    s0 = step(s0, x * b[b0 + t], key, index);
                    s1 = step(s1, x * b[b0 + inner + t], key, index + inner);
                    s2 = step(s2, x * b[b0 + 2 * inner + t], key, index + 2L * inner);
                    s3 = step(s3, x * b[b0 + 3 * inner + t], key, index + 3L * inner);
                }
                out[i * cols + j] = (float) s0;
                out[i * cols + j + 1] = (float) s1;
                out[i * cols + j + 2] = (float) s2;
                out[i * cols + j + 3] = (float) s3;
            }
            for (; j < cols; j++) {
                out[i * cols + j] = (float) dot(a, row, b, j * inner, inner, key, ((long) i * cols + j) * inner);
            }
        });
        return out;
    }

    /** One accumulation step. A zero product rounds to the unchanged sum, which is already on the grid. */
    private double step(double acc, double p, long key, long index) {
        return round(acc + p, acc, p, stochastic ? CounterUniforms.uniform53(key, index) : 0.0);
    }

    private static void checkFinite(float[] x, String which) {
        for (int i = 0; i < x.length; i++) {
            if (!Float.isFinite(x[i])) {
                throw new PerennialException("accumulator matmul: the " + which + " operand holds " + x[i] + " at index " + i
                        + "; the values are not finite (check the loss and learning rate for divergence)");
            }
        }
    }

    /**
     * {@code s = a + b} (as computed in double) rounded into the format; {@code a}, {@code b} settle exact ties. The
     * common case, a sum in the accumulator's normal range, works without branches on the double's bits: add a rounding
     * increment below the kept {@code m} mantissa bits, then clear them (a carry moves the exponent), and saturate by
     * comparing bit patterns (positive doubles order like their bits). Nearest-even adds {@code half − 1} plus the last
     * kept bit; stochastic rounding adds {@code r = ⌊u·2^(52−m)⌋}, uniform on the dropped bits' range, so it rounds up
     * exactly when {@code low + r ≥ 2^(52−m)}: with probability {@code low/2^(52−m)}, the fractional position.
     */
    private double round(double s, double a, double b, double u) {
        long bits = Double.doubleToRawLongBits(s);
        long sign = bits & Long.MIN_VALUE;
        long magnitudeBits = bits ^ sign;
        if (magnitudeBits < minNormalBits || magnitudeBits >= EXPONENT_MASK || shift == 0) {
            return roundOutsideNormalRange(s, a, b, u);
        }
        long rounded;
        if (stochastic) {
            rounded = (magnitudeBits + (long) (u * stepScale)) & ~lowMask;
        } else {
            rounded = (magnitudeBits + half - 1 + ((magnitudeBits >>> shift) & 1)) & ~lowMask;
            if ((magnitudeBits & lowMask) == half) { // halfway in double: the exact sum decides
                long truncated = magnitudeBits & ~lowMask;
                rounded = tieUp((truncated >>> shift) & 1, s, a, b) ? truncated + (1L << shift) : truncated;
            }
        }
        return Double.longBitsToDouble(Math.min(rounded, maxBits) | sign);
    }

    /** {@link #round} for zero, sums below the smallest normal value, infinite double sums and {@code m = 52}. */
    private double roundOutsideNormalRange(double s, double a, double b, double u) {
        long bits = Double.doubleToRawLongBits(s);
        long sign = bits & Long.MIN_VALUE;
        long magnitudeBits = bits ^ sign;
        if (magnitudeBits == 0) {
            return s;
        }
        if (magnitudeBits >= EXPONENT_MASK) {
            return sign != 0 ? -max : max; // the double sum overflowed: saturate like any other overflow
        }
        double r;
        if (magnitudeBits >= minNormalBits) {
            r = Math.min(Math.abs(s), max); // m = 52: every double in range is on the grid
        } else {
            // subnormal in the accumulator: a fixed step 2^(1 − b − m); scaling by powers of two is exact here (scalb only
            // where 2^(m − 1 + b) is beyond double, i.e. the double format itself)
            double scaled = subnormalSteps > 0 ? Math.abs(s) * subnormalSteps : Math.scalb(Math.abs(s), mantissaBits - minExponent);
            double floor = Math.floor(scaled);
            double fraction = scaled - floor;
            boolean up = stochastic ? u >= 1 - fraction : fraction > 0.5 || fraction == 0.5 && tieUp(((long) floor) & 1, s, a, b);
            r = subnormalSteps > 0 ? (up ? floor + 1 : floor) / subnormalSteps
                    : Math.scalb(up ? floor + 1 : floor, minExponent - mantissaBits);
        }
        return sign != 0 ? -r : r;
    }

    /**
     * Whether a double sum exactly halfway between two accumulator values rounds away from zero: yes if the exact sum lies
     * beyond it (TwoSum error of the sign of {@code s}), no if short of it, and to the even neighbour if exact.
     */
    private static boolean tieUp(long lastBit, double s, double a, double b) {
        double bVirtual = s - a;
        double error = (a - (s - bVirtual)) + (b - bVirtual);
        return error == 0 ? lastBit != 0 : (error > 0) == (s > 0);
    }
}
