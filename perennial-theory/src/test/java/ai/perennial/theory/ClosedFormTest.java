package ai.perennial.theory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Exact expectations against their closed forms and against Monte Carlo. */
class ClosedFormTest {

    @Test
    void exactRecursionMatchesTheTwoTaskAngleLaw() {
        // E[L(w_k)] = ½ E‖e₁‖² s (1 − s/2)^{k−1}, s = sin²θ, L = mean over the two tasks
        long[] checkpoints = {1, 2, 5, 20, 100};
        for (double theta : new double[] {0.2, 0.7, 1.3}) {
            TaskCollection c = Instances.angle(theta);
            double[] e0 = c.optimum();
            double s = Math.pow(Math.sin(theta), 2);
            double e1 = 0;
            for (LinearTask t : c.tasks()) {
                double[] v = t.direction(0);
                e1 += (Vectors.squaredNorm(e0) - Math.pow(Vectors.dot(v, e0), 2)) / 2;
            }
            double[] exact = ExpectedLoss.averageLoss(c, Learner.projection(), checkpoints);
            for (int j = 0; j < checkpoints.length; j++) {
                double law = 0.5 * e1 * s * Math.pow(1 - s / 2, checkpoints[j] - 1);
                assertThat(exact[j]).as("θ=%s k=%d", theta, checkpoints[j]).isCloseTo(law, within(1e-12 * Math.max(1, law)));
            }
        }
    }

    @Test
    void exactRecursionMatchesMonteCarloForEveryLearner() {
        TaskCollection c = Instances.cone(6, 3, 0.3, 3);
        long[] checkpoints = {1, 3, 10, 30};
        for (Learner learner : List.of(Learner.projection(), Learner.ridge(RegularizationSchedule.linear(1)),
                Learner.gradientSteps(0.5, StepBudget.decreasing(4)))) {
            double[] exact = ExpectedLoss.averageLoss(c, learner, checkpoints);
            List<Trajectory> runs = new ContinualRegression(c, learner, Ordering.RANDOM_WITH_REPLACEMENT).runSeeds(1, 4000, checkpoints);
            for (int j = 0; j < checkpoints.length; j++) {
                double[] values = new double[runs.size()];
                for (int s = 0; s < runs.size(); s++) {
                    values[s] = runs.get(s).loss()[j];
                }
                assertWithinStandardErrors(values, exact[j], 4, learner.describe() + " k=" + checkpoints[j]);
            }
        }
    }

    @Test
    void gaussianTeachersClosedFormMatchesMonteCarlo() {
        double[][] teachers = GaussianTeachers.teachers(4, 40, 0.5, 11);
        GaussianTeachers model = new GaussianTeachers(teachers, 10, 0.5);
        double[][] closed = model.expectedErrors();
        // t = 1 check of the formula by hand: r‖w*₁‖² + nσ²/(p − n − 1)
        assertThat(closed[0][0]).isCloseTo(0.75 * Vectors.squaredNorm(teachers[0]) + 10 * 0.25 / 29, within(1e-12));
        int trials = 3000;
        Random random = new Random(5);
        double[][][] samples = new double[trials][][];
        for (int n = 0; n < trials; n++) {
            samples[n] = model.sample(random);
        }
        for (int t = 0; t < 4; t++) {
            for (int i = 0; i < 4; i++) {
                double[] values = new double[trials];
                for (int n = 0; n < trials; n++) {
                    values[n] = samples[n][t][i];
                }
                assertWithinStandardErrors(values, closed[t][i], 4, "L_" + (i + 1) + "(w_" + (t + 1) + ")");
            }
        }
        double[] forgetting = new double[trials];
        for (int n = 0; n < trials; n++) {
            forgetting[n] = GaussianTeachers.forgetting(samples[n]);
        }
        assertWithinStandardErrors(forgetting, GaussianTeachers.forgetting(closed), 4, "forgetting");
    }

    static void assertWithinStandardErrors(double[] values, double expected, double errors, String what) {
        double mean = 0;
        for (double v : values) {
            mean += v;
        }
        mean /= values.length;
        double var = 0;
        for (double v : values) {
            var += (v - mean) * (v - mean);
        }
        double se = Math.sqrt(var / (values.length - 1) / values.length);
        assertThat(Math.abs(mean - expected)).as("%s: MC %.6g ± %.2g vs exact %.6g", what, mean, se, expected)
                .isLessThanOrEqualTo(errors * se + 1e-12);
    }
}
