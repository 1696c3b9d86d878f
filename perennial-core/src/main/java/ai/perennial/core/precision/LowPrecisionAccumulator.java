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
        if (rounding == Rounding.NEAREST_EVEN) {
            for (int t = 0; t < n; t++) {
                double p = (double) a[aOffset + t] * b[bOffset + t];
                acc = round(acc + p, acc, p, 0.0);
            }
        } else {
            for (int t = 0; t < n; t++) {
                double p = (double) a[aOffset + t] * b[bOffset + t];
                acc = round(acc + p, acc, p, CounterUniforms.uniform53(key, indexBase + t));
            }
        }
        return acc;
    }

    /**
     * {@code a·bᵀ} for row-major {@code a} ({@code rows × inner}) and {@code b} ({@code cols × inner}): a dense layer's
     * {@code x·Wᵀ}. Each entry is a {@link #dot} over the shared (last) dimension; the uniforms of entry {@code (i, j)}
     * start at index {@code (i·cols + j)·inner} of the stream {@code (seed, counter)}. Rows run in parallel; the result is
     * the same on any number of threads. Entries are converted to float (exact when {@code m ≤ 23} and the range fits).
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
            for (int j = 0; j < cols; j++) {
                out[i * cols + j] = (float) dot(a, i * inner, b, j * inner, inner, key, ((long) i * cols + j) * inner);
            }
        });
        return out;
    }

    private static void checkFinite(float[] x, String which) {
        for (int i = 0; i < x.length; i++) {
            if (!Float.isFinite(x[i])) {
                throw new PerennialException("accumulator matmul: the " + which + " operand holds " + x[i] + " at index " + i
                        + "; the values are not finite (check the loss and learning rate for divergence)");
            }
        }
    }

    /** {@code s = a + b} (as computed in double) rounded into the format; {@code a}, {@code b} settle exact ties. */
    private double round(double s, double a, double b, double u) {
        long bits = Double.doubleToRawLongBits(s);
        long sign = bits & Long.MIN_VALUE;
        long magnitudeBits = bits ^ sign;
        if (magnitudeBits == 0) {
            return s;
        }
        if (magnitudeBits >= EXPONENT_MASK) {
            return sign != 0 ? -max : max; // the double sum overflowed: saturate like any other overflow
        }
        int exponent = (int) (magnitudeBits >>> 52) - 1023;
        double r;
        if (exponent >= minExponent && exponent > -1023) {
            // normal in the accumulator: drop the low (52 − m) bits of the double's mantissa; a carry moves the exponent
            long low = magnitudeBits & lowMask;
            long truncated = magnitudeBits - low;
            boolean up;
            if (shift == 0) {
                up = false;
            } else if (rounding == Rounding.NEAREST_EVEN) {
                long half = 1L << (shift - 1);
                up = low > half || low == half && tieUp((truncated >>> shift) & 1, s, a, b);
            } else {
                up = u < low * Math.scalb(1.0, -shift);
            }
            r = Double.longBitsToDouble(up ? truncated + (1L << shift) : truncated);
        } else {
            // subnormal in the accumulator: a fixed step 2^(1 − b − m)
            double scaled = Math.scalb(Math.abs(s), mantissaBits - minExponent);
            double floor = Math.floor(scaled);
            double fraction = scaled - floor;
            boolean up = rounding == Rounding.NEAREST_EVEN
                    ? fraction > 0.5 || fraction == 0.5 && tieUp(((long) floor) & 1, s, a, b)
                    : u < fraction;
            r = Math.scalb(up ? floor + 1 : floor, minExponent - mantissaBits);
        }
        if (r > max) {
            r = max;
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
