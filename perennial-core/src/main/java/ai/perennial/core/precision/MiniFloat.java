package ai.perennial.core.precision;

import ai.perennial.core.PerennialException;

/**
 * A small floating-point format with a sign bit, {@code e} exponent bits (bias {@code b}) and {@code m} mantissa bits,
 * with subnormals and without infinities: {@link #E2M1} (FP4, the elements of NVFP4 and MXFP4) and {@link #E4M3} (FP8
 * E4M3FN, the block scales of NVFP4). Values: exponent field 0 gives subnormals {@code 2^(1−b)·(f/2^m)}; field
 * {@code E > 0} gives {@code 2^(E−b)·(1 + f/2^m)}.
 *
 * <p>Rounding is to the format's grid ({@link Rounding}), saturating: magnitudes at or above the largest finite value
 * (including infinity) become that value, as in the OCP "satfinite" conversion. NaN encodes to the NaN pattern where the
 * format has one (E4M3: {@code S.1111.111}) and is an error where it has none (E2M1). Negative zero keeps its sign.
 */
public final class MiniFloat {
    /** FP4 E2M1: bias 1, magnitudes {0, 0.5, 1, 1.5, 2, 3, 4, 6}, no infinity or NaN (OCP MX spec). */
    public static final MiniFloat E2M1 = new MiniFloat("E2M1", 2, 1, 1, false);
    /** FP8 E4M3FN: bias 7, max 448 ({@code S.1111.110}), smallest normal 2⁻⁶, smallest subnormal 2⁻⁹, NaN {@code S.1111.111}. */
    public static final MiniFloat E4M3 = new MiniFloat("E4M3", 4, 3, 7, true);

    private final String name;
    private final int exponentBits;
    private final int mantissaBits;
    private final int bias;
    private final boolean hasNaN;
    private final int minExponent;
    private final float max;
    private final float[] decoded;

    private MiniFloat(String name, int exponentBits, int mantissaBits, int bias, boolean hasNaN) {
        this.name = name;
        this.exponentBits = exponentBits;
        this.mantissaBits = mantissaBits;
        this.bias = bias;
        this.hasNaN = hasNaN;
        this.minExponent = 1 - bias;
        int maxField = (1 << exponentBits) - 1;
        int maxMantissa = (1 << mantissaBits) - (hasNaN ? 2 : 1); // the all-ones pattern is NaN where there is one
        this.max = Math.scalb(1f + maxMantissa / (float) (1 << mantissaBits), maxField - bias);
        this.decoded = new float[1 << (1 + exponentBits + mantissaBits)];
        for (int code = 0; code < decoded.length; code++) {
            decoded[code] = decodeSlow(code);
        }
    }

    public String name() {
        return name;
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

    /** The largest finite value. */
    public float max() {
        return max;
    }

    /** The smallest positive value, {@code 2^(1 − b − m)}. */
    public float minSubnormal() {
        return Math.scalb(1f, minExponent - mantissaBits);
    }

    /** The smallest positive normal value, {@code 2^(1 − b)}. */
    public float minNormal() {
        return Math.scalb(1f, minExponent);
    }

    /** Number of bit patterns, {@code 2^(1 + e + m)}. */
    public int codes() {
        return decoded.length;
    }

    /** {@code v} rounded to the grid with {@code rounding} ({@code u}: the uniform for {@link Rounding#STOCHASTIC}). */
    public float round(float v, Rounding rounding, float u) {
        if (Float.isNaN(v)) {
            if (hasNaN) {
                return v;
            }
            throw new PerennialException(name + " has no NaN: cannot round NaN; remove NaN from the input before quantizing");
        }
        return Math.copySign(roundMagnitude(Math.abs(v), rounding, u), v);
    }

    /** {@code v} rounded to the nearest grid value, ties to even. */
    public float roundNearest(float v) {
        return round(v, Rounding.NEAREST_EVEN, 0f);
    }

    /**
     * A magnitude {@code a ≥ 0} (not NaN) rounded to the grid, saturating at {@link #max}. The grid step is {@code 2^(E − m)}
     * for the binade {@code E = max(⌊log₂ a⌋, 1 − b)}, so {@code a/step} is exact and rounding it to an integer is rounding
     * to the grid; the even integer is the one with mantissa bit 0, so {@code rint} gives ties-to-even.
     */
    private float roundMagnitude(float a, Rounding rounding, float u) {
        if (a >= max) {
            return max;
        }
        float step = Math.scalb(1f, Math.max(Math.getExponent(a), minExponent) - mantissaBits);
        return Math.min(max, roundToInteger(a / step, rounding, u) * step);
    }

    /** {@code x ≥ 0} rounded to an integer: nearest (ties to even) or up with probability equal to its fraction. */
    static float roundToInteger(float x, Rounding rounding, float u) {
        if (rounding == Rounding.NEAREST_EVEN) {
            return (float) Math.rint(x);
        }
        float floor = (float) Math.floor(x);
        return u < x - floor ? floor + 1f : floor;
    }

    /** The bit pattern of {@code v} rounded to the nearest grid value (ties to even), in the low {@code 1 + e + m} bits. */
    public byte encode(float v) {
        return bits(roundNearest(v));
    }

    /** The bit pattern of {@code v} rounded with {@code rounding}. */
    public byte encode(float v, Rounding rounding, float u) {
        return bits(round(v, rounding, u));
    }

    /** The bit pattern of a value already on the grid (as {@link #round} returns). */
    byte bits(float onGrid) {
        int sign = (Float.floatToRawIntBits(onGrid) >>> 31) << (exponentBits + mantissaBits);
        if (Float.isNaN(onGrid)) {
            return (byte) (sign | (1 << (exponentBits + mantissaBits)) - 1);
        }
        float a = Math.abs(onGrid);
        if (a < minNormal()) {
            return (byte) (sign | (int) (a / minSubnormal()));
        }
        int exponent = Math.getExponent(a);
        int mantissa = (int) (a / Math.scalb(1f, exponent - mantissaBits)) - (1 << mantissaBits);
        return (byte) (sign | (exponent + bias) << mantissaBits | mantissa);
    }

    /** The value of a bit pattern (its low {@code 1 + e + m} bits; higher bits must be 0). */
    public float decode(byte code) {
        int c = code & 0xff;
        if (c >= decoded.length) {
            throw new IllegalArgumentException(name + " codes have " + (1 + exponentBits + mantissaBits) + " bits, got 0x"
                    + Integer.toHexString(c));
        }
        return decoded[c];
    }

    private float decodeSlow(int code) {
        int mantissaMask = (1 << mantissaBits) - 1;
        int field = (code >>> mantissaBits) & ((1 << exponentBits) - 1);
        int mantissa = code & mantissaMask;
        boolean negative = (code >>> (exponentBits + mantissaBits)) != 0;
        float magnitude;
        if (hasNaN && field == (1 << exponentBits) - 1 && mantissa == mantissaMask) {
            return Float.intBitsToFloat(negative ? 0xffc00000 : 0x7fc00000);
        } else if (field == 0) {
            magnitude = mantissa * minSubnormal();
        } else {
            magnitude = Math.scalb(1f + mantissa / (float) (1 << mantissaBits), field - bias);
        }
        return negative ? -magnitude : magnitude;
    }

    @Override
    public String toString() {
        return name;
    }
}
