package ai.perennial.theory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;

/**
 * The flat kernels (plain loops and Vector API) against naive loops on random blocks, and the learners and the exact
 * recursion built on them against dense EJML formulas that never touch the SVD machinery.
 */
class KernelsTest {
    private static final int[] COUNTS = {0, 1, 3, 4, 5, 7, 8, 9, 20};
    private static final int[] DIMS = {1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 100, 1000};

    private final Random random = new Random(11);

    @Test
    void bothKernelsEqualNaiveLoopsOnRandomBlocks() {
        Kernels vector = Kernels.vectorKernels();
        assertThat(vector).as("the tests run with --add-modules jdk.incubator.vector (perennial-theory/pom.xml)").isNotNull();
        for (Kernels k : List.of(new ScalarKernels(), vector)) {
            for (int count : COUNTS) {
                for (int dim : DIMS) {
                    checkMultiply(k, count, dim);
                    checkCombination(k, count, dim);
                    checkDot(k, dim);
                }
            }
        }
    }

    @Test
    void activeKernelsFollowTheModuleAndTheProperty() {
        assertThat(Kernels.active().describe()).startsWith(System.getProperty(Kernels.PROPERTY, "").equals("scalar")
                ? "plain loops" : "Vector API");
    }

    private void checkMultiply(Kernels k, int count, int dim) {
        int offset = random.nextInt(3);
        int xOffset = random.nextInt(3);
        int outOffset = random.nextInt(3);
        double[] rows = vector(offset + count * dim);
        double[] x = vector(xOffset + dim);
        double[] out = vector(outOffset + count + 2);
        double[] expected = out.clone();
        for (int i = 0; i < count; i++) {
            double s = 0;
            for (int j = 0; j < dim; j++) {
                s += rows[offset + i * dim + j] * x[xOffset + j];
            }
            expected[outOffset + i] = s;
        }
        k.multiply(rows, offset, count, dim, x, xOffset, out, outOffset);
        assertClose(out, expected, 1e-12 * Math.sqrt(dim), k.describe() + " multiply " + count + "×" + dim);
    }

    private void checkCombination(Kernels k, int count, int dim) {
        int offset = random.nextInt(3);
        int cOffset = random.nextInt(3);
        int yOffset = random.nextInt(3);
        double[] rows = vector(offset + count * dim);
        double[] c = vector(cOffset + count);
        double[] y = vector(yOffset + dim + 2);
        double[] expected = y.clone();
        for (int i = 0; i < count; i++) {
            for (int j = 0; j < dim; j++) {
                expected[yOffset + j] += c[cOffset + i] * rows[offset + i * dim + j];
            }
        }
        k.addCombination(rows, offset, count, dim, c, cOffset, y, yOffset);
        assertClose(y, expected, 1e-12 * Math.sqrt(count + 1), k.describe() + " combination " + count + "×" + dim);
    }

    private void checkDot(Kernels k, int dim) {
        double[] a = vector(dim + 1);
        double[] b = vector(dim + 2);
        double expected = 0;
        for (int j = 0; j < dim; j++) {
            expected += a[1 + j] * b[2 + j];
        }
        assertThat(k.dot(a, 1, b, 2, dim)).as("%s dot %d", k.describe(), dim).isCloseTo(expected, within(1e-12 * Math.sqrt(dim)));
    }

    /** A learner with the parameters its dense reference needs. */
    private record Case(Learner learner, RegularizationSchedule lambda, double eta, StepBudget steps) {
        static Case projection() {
            return new Case(Learner.projection(), null, 0, null);
        }

        static Case ridge(RegularizationSchedule lambda) {
            return new Case(Learner.ridge(lambda), lambda, 0, null);
        }

        static Case gd(double eta, StepBudget steps) {
            return new Case(Learner.gradientSteps(eta, steps), null, eta, steps);
        }

        /**
         * The gain G of the update w ← w − G (X w − y), each from its own dense formula: X⁺ (projection),
         * Xᵀ(XXᵀ + λ_tI)⁻¹ (ridge; = (XᵀX + λ_tI)⁻¹Xᵀ, and X⁺ at λ_t = 0) or η Σ_{k<K_t} (I − ηXᵀX)^k Xᵀ (K_t gradient steps).
         */
        DMatrixRMaj gain(double[][] x, long t, long horizon) {
            DMatrixRMaj xm = new DMatrixRMaj(x);
            int dim = xm.numCols;
            DMatrixRMaj xt = CommonOps_DDRM.transpose(xm, null);
            DMatrixRMaj gram = new DMatrixRMaj(dim, dim);
            CommonOps_DDRM.multTransA(xm, xm, gram);
            DMatrixRMaj g = new DMatrixRMaj(dim, xm.numRows);
            if (lambda != null) {
                DMatrixRMaj a = CommonOps_DDRM.multTransB(xm, xm, null);
                for (int i = 0; i < a.numRows; i++) {
                    a.add(i, i, lambda.at(t, horizon));
                }
                CommonOps_DDRM.invert(a);
                CommonOps_DDRM.mult(xt, a, g);
            } else if (steps != null) {
                DMatrixRMaj contraction = CommonOps_DDRM.identity(dim);
                CommonOps_DDRM.addEquals(contraction, -eta, gram);
                DMatrixRMaj power = CommonOps_DDRM.identity(dim);
                DMatrixRMaj sum = new DMatrixRMaj(dim, dim);
                for (long k = 0; k < steps.at(t, horizon); k++) {
                    CommonOps_DDRM.addEquals(sum, power);
                    power = CommonOps_DDRM.mult(contraction, power, null);
                }
                CommonOps_DDRM.mult(eta, sum, xt, g);
            } else {
                CommonOps_DDRM.pinv(xm, g);
            }
            return g;
        }
    }

    private static List<Case> cases(double eta) {
        return List.of(Case.projection(), Case.ridge(RegularizationSchedule.fixed(0.7)), Case.ridge(RegularizationSchedule.sqrt(2)),
                Case.gd(eta, StepBudget.fixed(4)), Case.gd(eta, StepBudget.decreasing(6)));
    }

    @Test
    void runsEqualDenseUpdatesForEveryLearner() {
        int tasks = 6;
        int dim = 37;
        double[][][] x = new double[tasks][][];
        double[][] y = new double[tasks][];
        for (int m = 0; m < tasks; m++) {
            x[m] = matrix(m == 2 ? 1 : 5, dim); // one rank-1 task: row counts that are not multiples of four
            y[m] = vector(x[m].length);
        }
        TaskCollection c = new TaskCollection(x, y);
        int[] order = Ordering.RANDOM_WITH_REPLACEMENT.sequence(tasks, 400, new Random(3));
        for (Case k : cases(0.5 / (c.scale() * c.scale()))) {
            ContinualRegression sim = new ContinualRegression(c, k.learner(), Ordering.RANDOM_WITH_REPLACEMENT);
            assertClose(sim.fitOnly(3, order.length), sim.fitOnly(order), 0, "the seed's ordering");
            // early, before every learner nears the same limit (the minimum-norm joint solution), and late
            for (int iterations : new int[] {7, order.length}) {
                double[] w = sim.fitOnly(Arrays.copyOf(order, iterations));
                DMatrixRMaj reference = new DMatrixRMaj(dim, 1);
                for (int t = 1; t <= iterations; t++) {
                    int m = order[t - 1];
                    DMatrixRMaj residual = CommonOps_DDRM.mult(new DMatrixRMaj(x[m]), reference, null);
                    CommonOps_DDRM.subtractEquals(residual, new DMatrixRMaj(y[m].length, 1, true, y[m]));
                    CommonOps_DDRM.multAdd(-1, k.gain(x[m], t, iterations), residual, reference);
                }
                assertClose(w, reference.data, 1e-9, k.learner().describe() + " after " + iterations);
            }
        }
    }

    @Test
    void exactRecursionEqualsDenseSecondMoments() {
        int dim = 12;
        double[][][] x = new double[5][][];
        for (int m = 0; m < x.length; m++) {
            x[m] = matrix(m == 0 ? 2 : 3, dim);
        }
        TaskCollection c = Instances.withTeacher(x, vector(dim));
        long horizon = 60;
        long[] checkpoints = {1, 2, 5, 20, horizon};
        for (Case k : cases(0.5 / (c.scale() * c.scale()))) {
            double[] exact = ExpectedLoss.averageLoss(c, k.learner(), checkpoints);
            DMatrixRMaj optimum = new DMatrixRMaj(dim, 1, true, c.optimum());
            DMatrixRMaj moment = CommonOps_DDRM.multTransB(optimum, optimum, null);
            int next = 0;
            for (long t = 1; t <= horizon; t++) {
                DMatrixRMaj sum = new DMatrixRMaj(dim, dim);
                for (double[][] task : x) {
                    // the error's map e ↦ B e with B = I − G X (targets cancel for a realizable collection)
                    DMatrixRMaj b = CommonOps_DDRM.identity(dim);
                    CommonOps_DDRM.multAdd(-1, k.gain(task, t, horizon), new DMatrixRMaj(task), b);
                    DMatrixRMaj bm = CommonOps_DDRM.mult(b, moment, null);
                    CommonOps_DDRM.addEquals(sum, CommonOps_DDRM.multTransB(bm, b, null));
                }
                CommonOps_DDRM.scale(1.0 / x.length, sum, moment);
                if (t == checkpoints[next]) {
                    double loss = 0;
                    for (double[][] task : x) {
                        DMatrixRMaj xm = new DMatrixRMaj(task);
                        loss += CommonOps_DDRM.trace(CommonOps_DDRM.mult(CommonOps_DDRM.multTransA(xm, xm, null), moment, null));
                    }
                    loss /= x.length;
                    assertThat(exact[next]).as("%s at t=%d", k.learner().describe(), t).isCloseTo(loss, within(1e-10 * Math.max(1, loss)));
                    next++;
                }
            }
        }
    }

    private double[] vector(int n) {
        double[] v = new double[n];
        fill(v, random);
        return v;
    }

    private double[][] matrix(int rows, int cols) {
        double[][] a = new double[rows][cols];
        for (double[] row : a) {
            fill(row, random);
        }
        return a;
    }

    private static void fill(double[] row, Random random) {
        for (int j = 0; j < row.length; j++) {
            row[j] = random.nextGaussian();
        }
    }

    private static void assertClose(double[] actual, double[] expected, double tolerance, String what) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int j = 0; j < expected.length; j++) {
            assertThat(actual[j]).as("%s, entry %d", what, j).isCloseTo(expected[j], within(tolerance));
        }
    }
}
