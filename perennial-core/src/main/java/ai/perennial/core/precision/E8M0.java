package ai.perennial.core.precision;

import ai.perennial.core.PerennialException;

/**
 * The MX scale format E8M0 (OCP Microscaling spec v1.0): an unsigned 8-bit exponent with bias 127, value
 * {@code 2^(code − 127)} for codes 0..254 (2⁻¹²⁷ .. 2¹²⁷) and NaN for 0xFF. No sign, no zero, no mantissa.
 */
public final class E8M0 {
    public static final int BIAS = 127;
    public static final int MIN_EXPONENT = -127;
    public static final int MAX_EXPONENT = 127;
    public static final int NAN_CODE = 0xff;

    private E8M0() {
    }

    /** {@code 2^(code − 127)}, or NaN for 0xFF. */
    public static float decode(byte code) {
        int c = code & 0xff;
        return c == NAN_CODE ? Float.NaN : Math.scalb(1f, c - BIAS);
    }

    /** The code of {@code 2^exponent}, the exponent clamped to [−127, 127]. */
    public static byte ofExponent(int exponent) {
        return (byte) (Math.max(MIN_EXPONENT, Math.min(MAX_EXPONENT, exponent)) + BIAS);
    }

    /**
     * The code of the largest power of two not above {@code v} (rounding toward zero in the exponent, as the MX scale
     * rule does), clamped to the format's range; NaN gives the NaN code. {@code v} must be positive: E8M0 has no zero.
     */
    public static byte encode(float v) {
        if (Float.isNaN(v)) {
            return (byte) NAN_CODE;
        }
        if (!(v > 0)) {
            throw new PerennialException("E8M0 encodes positive scales only, got " + v);
        }
        return ofExponent(floorLog2(v));
    }

    /** {@code ⌊log₂ v⌋} for a positive finite float, exact also for subnormals (where {@code Math.getExponent} gives −127). */
    public static int floorLog2(float v) {
        int exponent = Math.getExponent(v);
        if (exponent >= Float.MIN_EXPONENT) {
            return exponent;
        }
        int bits = Float.floatToRawIntBits(v) & 0x007fffff; // subnormal: value = bits · 2⁻¹⁴⁹
        return 31 - Integer.numberOfLeadingZeros(bits) - 149;
    }
}
