package ai.perennial.theory;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The kernels on the incubating Vector API at the machine's widest double vectors: lane-wise partial sums (one vector
 * accumulator per row, four rows per pass so x is loaded once per four rows), reduced across lanes at the end of a row.
 * Loaded only when the JVM resolved {@code jdk.incubator.vector} ({@link Kernels#vectorKernels()}).
 */
final class VectorKernels extends Kernels {
    private static final VectorSpecies<Double> S = DoubleVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    @Override
    String describe() {
        return "Vector API, " + S.vectorBitSize() + "-bit";
    }

    @Override
    void multiply(double[] rows, int offset, int count, int dim, double[] x, int xOffset, double[] out, int outOffset) {
        int bound = S.loopBound(dim);
        int i = 0;
        for (; i + 4 <= count; i += 4) {
            int o0 = offset + i * dim;
            int o1 = o0 + dim;
            int o2 = o1 + dim;
            int o3 = o2 + dim;
            DoubleVector a0 = DoubleVector.zero(S);
            DoubleVector a1 = a0;
            DoubleVector a2 = a0;
            DoubleVector a3 = a0;
            int j = 0;
            for (; j < bound; j += L) {
                DoubleVector v = DoubleVector.fromArray(S, x, xOffset + j);
                a0 = DoubleVector.fromArray(S, rows, o0 + j).fma(v, a0);
                a1 = DoubleVector.fromArray(S, rows, o1 + j).fma(v, a1);
                a2 = DoubleVector.fromArray(S, rows, o2 + j).fma(v, a2);
                a3 = DoubleVector.fromArray(S, rows, o3 + j).fma(v, a3);
            }
            double s0 = a0.reduceLanes(VectorOperators.ADD);
            double s1 = a1.reduceLanes(VectorOperators.ADD);
            double s2 = a2.reduceLanes(VectorOperators.ADD);
            double s3 = a3.reduceLanes(VectorOperators.ADD);
            for (; j < dim; j++) {
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
        int bound = S.loopBound(dim);
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
            DoubleVector b0 = DoubleVector.broadcast(S, c0);
            DoubleVector b1 = DoubleVector.broadcast(S, c1);
            DoubleVector b2 = DoubleVector.broadcast(S, c2);
            DoubleVector b3 = DoubleVector.broadcast(S, c3);
            int j = 0;
            for (; j < bound; j += L) {
                DoubleVector sum = DoubleVector.fromArray(S, rows, o0 + j).mul(b0);
                sum = DoubleVector.fromArray(S, rows, o1 + j).fma(b1, sum);
                sum = DoubleVector.fromArray(S, rows, o2 + j).fma(b2, sum);
                sum = DoubleVector.fromArray(S, rows, o3 + j).fma(b3, sum);
                DoubleVector.fromArray(S, y, yOffset + j).add(sum).intoArray(y, yOffset + j);
            }
            for (; j < dim; j++) {
                y[yOffset + j] += c0 * rows[o0 + j] + c1 * rows[o1 + j] + c2 * rows[o2 + j] + c3 * rows[o3 + j];
            }
        }
        for (; i < count; i++) {
            int o = offset + i * dim;
            double ci = c[cOffset + i];
            DoubleVector b = DoubleVector.broadcast(S, ci);
            int j = 0;
            for (; j < bound; j += L) {
                DoubleVector.fromArray(S, rows, o + j).fma(b, DoubleVector.fromArray(S, y, yOffset + j)).intoArray(y, yOffset + j);
            }
            for (; j < dim; j++) {
                y[yOffset + j] += ci * rows[o + j];
            }
        }
    }

    @Override
    double dot(double[] a, int aOffset, double[] b, int bOffset, int length) {
        int bound = S.loopBound(length);
        DoubleVector s0 = DoubleVector.zero(S);
        DoubleVector s1 = s0;
        int j = 0;
        for (; j + L < bound; j += 2 * L) {
            s0 = DoubleVector.fromArray(S, a, aOffset + j).fma(DoubleVector.fromArray(S, b, bOffset + j), s0);
            s1 = DoubleVector.fromArray(S, a, aOffset + j + L).fma(DoubleVector.fromArray(S, b, bOffset + j + L), s1);
        }
        for (; j < bound; j += L) {
            s0 = DoubleVector.fromArray(S, a, aOffset + j).fma(DoubleVector.fromArray(S, b, bOffset + j), s0);
        }
        double s = s0.add(s1).reduceLanes(VectorOperators.ADD);
        for (; j < length; j++) {
            s += a[aOffset + j] * b[bOffset + j];
        }
        return s;
    }
}
