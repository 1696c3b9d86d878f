package ai.perennial.theory;

/** The few dense-vector kernels the simulators need, on plain arrays (no allocation in loops). */
final class Vectors {
    private Vectors() {
    }

    static double dot(double[] a, int aOffset, double[] b, int length) {
        double s = 0;
        for (int j = 0; j < length; j++) {
            s += a[aOffset + j] * b[j];
        }
        return s;
    }

    static double dot(double[] a, int aOffset, double[] b, int bOffset, int length) {
        double s = 0;
        for (int j = 0; j < length; j++) {
            s += a[aOffset + j] * b[bOffset + j];
        }
        return s;
    }

    static double dot(double[] a, double[] b) {
        return dot(a, 0, b, a.length);
    }

    /** y += alpha * a[aOffset .. aOffset + y.length). */
    static void axpy(double alpha, double[] a, int aOffset, double[] y) {
        for (int j = 0; j < y.length; j++) {
            y[j] += alpha * a[aOffset + j];
        }
    }

    static double squaredNorm(double[] a) {
        return dot(a, a);
    }

    static double squaredDistance(double[] a, double[] b) {
        double s = 0;
        for (int j = 0; j < a.length; j++) {
            double d = a[j] - b[j];
            s += d * d;
        }
        return s;
    }
}
