package ai.perennial.core.data;

/**
 * Strict parsing of decimal numbers as written in text data: {@code [+-]digits[.digits][e[+-]digits]} (either side of
 * the point may be empty, not both), nothing else: no hex, no {@code Infinity}, no Java suffixes like {@code 1f}.
 */
final class Decimal {
    private static final double[] POWERS_OF_TEN = new double[23];
    private static final long EXACT = 1L << 53;

    static {
        POWERS_OF_TEN[0] = 1;
        for (int i = 1; i < POWERS_OF_TEN.length; i++) {
            POWERS_OF_TEN[i] = POWERS_OF_TEN[i - 1] * 10;
        }
    }

    private Decimal() {
    }

    /** The number in {@code chars[from, to)}, or NaN when the text is not a decimal number. */
    static double parse(char[] chars, int from, int to) {
        int i = from;
        boolean negative = false;
        if (i < to && (chars[i] == '+' || chars[i] == '-')) {
            negative = chars[i] == '-';
            i++;
        }
        long mantissa = 0;
        int exponent = 0;
        boolean digits = false;
        boolean inexact = false; // more significant digits than a long holds: leave it to the JDK's parser
        while (i < to && chars[i] >= '0' && chars[i] <= '9') {
            digits = true;
            if (mantissa < 100_000_000_000_000_000L) {
                mantissa = mantissa * 10 + (chars[i] - '0');
            } else {
                exponent++;
                inexact = true;
            }
            i++;
        }
        if (i < to && chars[i] == '.') {
            i++;
            while (i < to && chars[i] >= '0' && chars[i] <= '9') {
                digits = true;
                if (mantissa < 100_000_000_000_000_000L) {
                    mantissa = mantissa * 10 + (chars[i] - '0');
                    exponent--;
                } else {
                    inexact = true;
                }
                i++;
            }
        }
        if (!digits) {
            return Double.NaN;
        }
        if (i < to && (chars[i] == 'e' || chars[i] == 'E')) {
            i++;
            boolean negativeExponent = false;
            if (i < to && (chars[i] == '+' || chars[i] == '-')) {
                negativeExponent = chars[i] == '-';
                i++;
            }
            if (i == to) {
                return Double.NaN;
            }
            int e = 0;
            while (i < to && chars[i] >= '0' && chars[i] <= '9') {
                if (e < 100_000) {
                    e = e * 10 + (chars[i] - '0');
                }
                i++;
            }
            exponent += negativeExponent ? -e : e;
        }
        if (i != to) {
            return Double.NaN;
        }
        // Clinger's fast path: an integer below 2^53 times or over an exact power of ten rounds once, correctly
        if (!inexact && mantissa < EXACT && exponent >= -22 && exponent <= 22) {
            double v = exponent >= 0 ? mantissa * POWERS_OF_TEN[exponent] : mantissa / POWERS_OF_TEN[-exponent];
            return negative ? -v : v;
        }
        return Double.parseDouble(new String(chars, from, to - from));
    }

    static double parse(String text) {
        return parse(text.toCharArray(), 0, text.length());
    }
}
