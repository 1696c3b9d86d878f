package ai.perennial.core.data;

import ai.perennial.core.PerennialException;
import ai.perennial.core.engine.Resources;
import java.util.Arrays;

/** Primitive arrays that grow as rows stream in, so a reader never holds its input as objects. */
final class Growing {
    private Growing() {
    }

    /** The next capacity (x1.5) for {@code needed} elements, or a clear error past what one Java array holds. */
    static int grow(int capacity, long needed, String what) {
        if (needed > Resources.MAX_ARRAY) {
            throw new PerennialException(what + " hold more than 2^31 values, more than one Java array takes; use fewer rows or columns");
        }
        long next = Math.max(needed, capacity + (capacity >> 1) + 16L);
        return (int) Math.min(next, Resources.MAX_ARRAY);
    }

    static final class Floats {
        private float[] values = new float[1024];
        private int size;
        private final String what;

        Floats(String what) {
            this.what = what;
        }

        void add(float v) {
            if (size == values.length) {
                values = Arrays.copyOf(values, grow(values.length, size + 1L, what));
            }
            values[size++] = v;
        }

        int size() {
            return size;
        }

        float get(int i) {
            return values[i];
        }

        void set(int i, float v) {
            values[i] = v;
        }

        /** The backing array (longer than {@link #size}); read only the first {@code size} values. */
        float[] array() {
            return values;
        }
    }

    static final class Ints {
        private int[] values = new int[1024];
        private int size;
        private final String what;

        Ints(String what) {
            this.what = what;
        }

        void add(int v) {
            if (size == values.length) {
                values = Arrays.copyOf(values, grow(values.length, size + 1L, what));
            }
            values[size++] = v;
        }

        int size() {
            return size;
        }

        int get(int i) {
            return values[i];
        }

        int[] toArray() {
            return Arrays.copyOf(values, size);
        }
    }

    static final class Doubles {
        private double[] values = new double[1024];
        private int size;
        private final String what;

        Doubles(String what) {
            this.what = what;
        }

        void add(double v) {
            if (size == values.length) {
                values = Arrays.copyOf(values, grow(values.length, size + 1L, what));
            }
            values[size++] = v;
        }

        int size() {
            return size;
        }

        double get(int i) {
            return values[i];
        }
    }
}
