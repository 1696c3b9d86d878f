package ai.perennial.theory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;

/** The spectral-filter learners against dense EJML formulas built independently of the SVD machinery. */
class LearnerExactnessTest {
    private static final int N = 4;
    private static final int D = 9;

    private final Random random = new Random(7);
    private final double[][] x = gaussian(N, D);
    private final double[] y = vector(N);
    private final double[] w0 = vector(D);
    private final LinearTask task = new LinearTask(x, y);

    @Test
    void projectionEqualsPseudoInverseFormulaAndOneSurrogateSgdStep() {
        DMatrixRMaj xm = new DMatrixRMaj(x);
        DMatrixRMaj pinv = new DMatrixRMaj(D, N);
        CommonOps_DDRM.pinv(xm, pinv);
        // w0 + X⁺(y − X w0)
        double[] expected = add(w0, mult(pinv, sub(y, mult(xm, w0))));
        // one step of size 1 on f(w) = ½‖X⁺(Xw − y)‖²: ∇f = Xᵀ X⁺ᵀ X⁺ (Xw − y)
        DMatrixRMaj pinvT = CommonOps_DDRM.transpose(pinv, null);
        double[] gradient = mult(CommonOps_DDRM.transpose(xm, null), mult(pinvT, mult(pinv, sub(mult(xm, w0), y))));
        double[] sgd = sub(w0, gradient);

        double[] w = fit(Learner.projection());
        assertClose(w, expected, 1e-12);
        assertClose(w, sgd, 1e-12);
        assertThat(task.loss(w)).isLessThan(1e-20);
        assertThat(task.rank()).isEqualTo(N);
    }

    @Test
    void ridgeMatchesItsClosedFormAndItsLimits() {
        DMatrixRMaj xm = new DMatrixRMaj(x);
        for (double lambda : new double[] {0.1, 1, 10}) {
            // w0 − (XᵀX + λI)⁻¹ Xᵀ(X w0 − y)
            DMatrixRMaj gram = new DMatrixRMaj(D, D);
            CommonOps_DDRM.multTransA(xm, xm, gram);
            for (int i = 0; i < D; i++) {
                gram.add(i, i, lambda);
            }
            CommonOps_DDRM.invert(gram);
            double[] expected = sub(w0, mult(gram, mult(CommonOps_DDRM.transpose(xm, null), sub(mult(xm, w0), y))));
            assertClose(fit(Learner.ridge(RegularizationSchedule.fixed(lambda))), expected, 1e-10);
        }
        double[] projection = fit(Learner.projection());
        double previous = Double.MAX_VALUE;
        for (double lambda : new double[] {1e-1, 1e-3, 1e-5, 1e-7}) {
            double error = Math.sqrt(Vectors.squaredDistance(fit(Learner.ridge(RegularizationSchedule.fixed(lambda))), projection));
            assertThat(error).isLessThan(previous);
            previous = error;
        }
        assertThat(previous).isLessThan(1e-5);
        assertClose(fit(Learner.ridge(RegularizationSchedule.fixed(1e14))), w0, 1e-10);
    }

    @Test
    void gradientStepsMatchExplicitLoopsAndApproachTheProjection() {
        DMatrixRMaj xm = new DMatrixRMaj(x);
        double eta = 0.5 / (task.spectralNorm() * task.spectralNorm());
        for (int k : new int[] {1, 3, 25}) {
            double[] w = w0.clone();
            for (int step = 0; step < k; step++) {
                double[] gradient = mult(CommonOps_DDRM.transpose(xm, null), sub(mult(xm, w), y));
                for (int j = 0; j < D; j++) {
                    w[j] -= eta * gradient[j];
                }
            }
            assertClose(fit(Learner.gradientSteps(eta, StepBudget.fixed(k))), w, 1e-10);
        }
        double[] projection = fit(Learner.projection());
        double far = Vectors.squaredDistance(fit(Learner.gradientSteps(eta, StepBudget.fixed(10))), projection);
        double near = Vectors.squaredDistance(fit(Learner.gradientSteps(eta, StepBudget.fixed(1_000_000))), projection);
        assertThat(near).isLessThan(far * 1e-6).isLessThan(1e-18);
    }

    @Test
    void rankDeficientTasksKeepOnlyTheirRowSpaceAndTheUnreachableLoss() {
        double[][] repeated = {x[0], x[1], x[0].clone()};
        double[] targets = {1, 2, 3}; // rows 1 and 3 agree but targets do not: loss ≥ (3 − 1)²/2
        LinearTask deficient = new LinearTask(repeated, targets);
        assertThat(deficient.rank()).isEqualTo(2);
        double[] w = new double[D];
        double[] full = {1, 1};
        deficient.update(w, full);
        assertThat(deficient.loss(w)).isCloseTo(2.0, within(1e-10));
        double direct = 0;
        for (int n = 0; n < 3; n++) {
            double r = Vectors.dot(repeated[n], w) - targets[n];
            direct += r * r;
        }
        assertThat(deficient.loss(w)).isCloseTo(direct, within(1e-10));
    }

    @Test
    void minimumNormJointSolutionSolvesEveryTaskWithTheSmallestNorm() {
        TaskCollection c = Instances.gaussian(3, 12, 2, 5);
        double[] opt = c.optimum();
        assertThat(c.realizable()).isTrue();
        for (LinearTask t : c.tasks()) {
            assertThat(t.loss(opt)).isLessThan(1e-20);
        }
        // any direction in the stacked system's null space keeps every fit and only grows the norm; the tasks' row
        // spaces are not mutually orthogonal, so remove them by repeated (alternating) projections
        double[] direction = vector(12);
        for (int round = 0; round < 200; round++) {
            for (LinearTask t : c.tasks()) {
                for (int i = 0; i < t.rank(); i++) {
                    double[] v = t.direction(i);
                    Vectors.axpy(-Vectors.dot(v, direction), v, 0, direction);
                }
            }
        }
        double[] other = add(opt, direction);
        for (LinearTask t : c.tasks()) {
            assertThat(t.loss(other)).isLessThan(1e-16);
        }
        assertThat(Vectors.dot(opt, direction)).isCloseTo(0, within(1e-10));
        assertThat(Vectors.squaredNorm(other)).isGreaterThan(Vectors.squaredNorm(opt));
    }

    private double[] fit(Learner learner) {
        double[] w = w0.clone();
        learner.fit(task, w, 1, 1, new double[N]);
        return w;
    }

    private double[][] gaussian(int rows, int cols) {
        double[][] a = new double[rows][cols];
        for (double[] row : a) {
            for (int j = 0; j < cols; j++) {
                row[j] = random.nextGaussian();
            }
        }
        return a;
    }

    private double[] vector(int n) {
        double[] v = new double[n];
        for (int j = 0; j < n; j++) {
            v[j] = random.nextGaussian();
        }
        return v;
    }

    private static double[] mult(DMatrixRMaj a, double[] v) {
        DMatrixRMaj out = new DMatrixRMaj(a.numRows, 1);
        CommonOps_DDRM.mult(a, new DMatrixRMaj(v.length, 1, true, v), out);
        return out.data;
    }

    private static double[] add(double[] a, double[] b) {
        double[] out = a.clone();
        for (int j = 0; j < a.length; j++) {
            out[j] += b[j];
        }
        return out;
    }

    private static double[] sub(double[] a, double[] b) {
        double[] out = a.clone();
        for (int j = 0; j < a.length; j++) {
            out[j] -= b[j];
        }
        return out;
    }

    private static void assertClose(double[] actual, double[] expected, double tolerance) {
        for (int j = 0; j < expected.length; j++) {
            assertThat(actual[j]).as("entry %d", j).isCloseTo(expected[j], within(tolerance));
        }
    }
}
