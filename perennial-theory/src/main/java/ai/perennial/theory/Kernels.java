package ai.perennial.theory;

import java.util.Locale;

/**
 * The two dense kernels every learner update, loss and exact-recursion step is made of, over row-major blocks of
 * flat {@code double[]}: a block of rows times a vector, and a vector plus a combination of rows. Two implementations
 * compute the same sums in different orders: plain loops (any JVM) and the incubating Vector API, used when the JVM was
 * started with {@code --add-modules jdk.incubator.vector} (about 1.9× faster at d = 1000, docs/theory.md).
 * No method allocates.
 */
abstract class Kernels {
    /** System property forcing {@code scalar} or {@code vector} kernels (default: vector when the module is present). */
    static final String PROPERTY = "perennial.theory.kernels";

    private static final Kernels ACTIVE = select();

    /** The kernels this JVM uses. */
    static Kernels active() {
        return ACTIVE;
    }

    /** One line for reports, e.g. {@code Vector API, 512-bit}. */
    abstract String describe();

    /** out[outOffset + i] = rows_i · x[xOffset ..) for i < count, row i at rows[offset + i·dim ..). */
    abstract void multiply(double[] rows, int offset, int count, int dim, double[] x, int xOffset, double[] out, int outOffset);

    /** y[yOffset ..) += Σ_{i < count} c[cOffset + i] · rows_i, row i at rows[offset + i·dim ..). */
    abstract void addCombination(double[] rows, int offset, int count, int dim, double[] c, int cOffset, double[] y, int yOffset);

    /** a[aOffset ..) · b[bOffset ..) over {@code length} entries. */
    abstract double dot(double[] a, int aOffset, double[] b, int bOffset, int length);

    private static Kernels select() {
        String forced = System.getProperty(PROPERTY, "").toLowerCase(Locale.ROOT);
        if (forced.equals("scalar")) {
            return new ScalarKernels();
        }
        Kernels vector = vectorKernels();
        if (vector == null && forced.equals("vector")) {
            throw new TheoryException("-D" + PROPERTY + "=vector needs the JVM option --add-modules jdk.incubator.vector");
        }
        return vector != null ? vector : new ScalarKernels();
    }

    /** The Vector API kernels, or null when this JVM did not resolve the incubator module. */
    static Kernels vectorKernels() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return null;
        }
        try {
            return (Kernels) Class.forName("ai.perennial.theory.VectorKernels").getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | LinkageError e) {
            return null;
        }
    }
}
