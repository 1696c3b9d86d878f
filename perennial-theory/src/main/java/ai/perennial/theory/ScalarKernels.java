package ai.perennial.theory;

/**
 * The kernels as plain loops, in the simple shapes C2 compiles best: four rows per pass over x (four independent sums,
 * x loaded once; measured 2.3× faster than the same with two interleaved partial sums per row) and four rows per pass
 * over y for the combination.
 */
final class ScalarKernels extends Kernels {
    @Override
    String describe() {
        return "plain loops";
    }

    @Override
    void multiply(double[] rows, int offset, int count, int dim, double[] x, int xOffset, double[] out, int outOffset) {
        int i = 0;
        for (; i + 4 <= count; i += 4) {
            int o0 = offset + i * dim;
            int o1 = o0 + dim;
            int o2 = o1 + dim;
            int o3 = o2 + dim;
            double s0 = 0;
            double s1 = 0;
            double s2 = 0;
            double s3 = 0;
            for (int j = 0; j < dim; j++) {
                double v = x[xOffset + j];
                s0 += rows[o0 + j] * v;
                s1 += rows[o1 + j] * v;
                s2 += rows[o2 + j] * v;
                s3 += rows[o3 + j] * v;
            }
            out[outOffset + i] = s0;
            out[outOffset + i + 1] = s1;
            out[outOffset + i + 2] = s2;
            out[outOffset + i + 3] = s3;
        }
        for (; i < count; i++) {
            out[outOffset + i] = dot(rows, offset + i * dim, x, xOffset, dim);
        }
    }

    @Override
    void addCombination(double[] rows, int offset, int count, int dim, double[] c, int cOffset, double[] y, int yOffset) {
        int i = 0;
        for (; i + 4 <= count; i += 4) {
            int o0 = offset + i * dim;
            int o1 = o0 + dim;
            int o2 = o1 + dim;
            int o3 = o2 + dim;
            double c0 = c[cOffset + i];
            double c1 = c[cOffset + i + 1];
            double c2 = c[cOffset + i + 2];
            double c3 = c[cOffset + i + 3];
            for (int j = 0; j < dim; j++) {
                y[yOffset + j] += c0 * rows[o0 + j] + c1 * rows[o1 + j] + c2 * rows[o2 + j] + c3 * rows[o3 + j];
            }
        }
        for (; i < count; i++) {
            int o = offset + i * dim;
            double ci = c[cOffset + i];
            for (int j = 0; j < dim; j++) {
                y[yOffset + j] += ci * rows[o + j];
            }
        }
    }

    @Override
    double dot(double[] a, int aOffset, double[] b, int bOffset, int length) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int j = 0;
        for (; j + 4 <= length; j += 4) {
            s0 += a[aOffset + j] * b[bOffset + j];
            s1 += a[aOffset + j + 1] * b[bOffset + j + 1];
            s2 += a[aOffset + j + 2] * b[bOffset + j + 2];
            s3 += a[aOffset + j + 3] * b[bOffset + j + 3];
        }
        for (; j < length; j++) {
            s0 += a[aOffset + j] * b[bOffset + j];
        }
        return (s0 + s1) + (s2 + s3);
    }
}
