package ai.perennial.theory;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The literature's qualitative claims, reproduced on small instances. */
class TheoryClaimsTest {

    @Test
    void randomOrderingRemovesForgettingWhereTheBadFixedOrderingDoesNot() {
        // one pass over 100 rank-1 tasks whose normals turn by tiny steps: sorted order keeps forgetting, a random
        // permutation (no repetition) drives it to zero
        TaskCollection staircase = Instances.staircase(100, 2);
        long[] end = {100};
        double fixed = new ContinualRegression(staircase, Learner.projection(), Ordering.CYCLIC).run(1, end).forgetting()[0];
        Band random = Band.over(new ContinualRegression(staircase, Learner.projection(), Ordering.RANDOM_WITHOUT_REPLACEMENT)
                .runSeeds(1, 20, end), Trajectory::forgetting);
        assertThat(fixed).isGreaterThan(0.1);
        assertThat(random.upper()[0]).isLessThan(1e-6);
    }

    @Test
    void increasingRegularizationBeatsFixedRegularizationInTheWorstCase() {
        // per-k worst case over each family's width parameter, from the exact expectation (with replacement)
        long k = 1000;
        Learner fixed = Learner.ridge(RegularizationSchedule.fixed(1));        // η = 1/2 on unit rows
        Learner increasing = Learner.ridge(RegularizationSchedule.linear(1));  // η_t = 1 − t/(k + 1)
        for (String family : List.of("angle", "cone")) {
            double worstFixed = worstCase(family, fixed, k);
            double worstIncreasing = worstCase(family, increasing, k);
            assertThat(worstIncreasing).as(family).isLessThan(0.85 * worstFixed);
        }
    }

    @Test
    void worstCaseDecayOfTheAngleFamilyIsOneOverK() {
        long[] checkpoints = Arrays.stream(Checkpoints.logSpaced(10_000)).filter(k -> k >= 10).toArray();
        double[][] sup = new double[1][checkpoints.length];
        for (int g = 0; g < 200; g++) {
            double s = Math.pow(10, -4.5 + 4.5 * g / 199.0);
            double[] loss = ExpectedLoss.averageLoss(Instances.angle(Math.asin(Math.sqrt(s))), Learner.projection(), checkpoints);
            for (int j = 0; j < checkpoints.length; j++) {
                sup[0][j] = Math.max(sup[0][j], loss[j]);
            }
        }
        RateFit fit = RateFit.fit(checkpoints, sup, 10, 10_000, 1);
        assertThat(fit.slope()).isBetween(-1.05, -0.95);
    }

    @Test
    void intermediateSimilarityForgetsMostWhenHighlyOverparameterized() {
        double[] alphas = {0, 0.5, 0.9};
        List<TwoTaskModel.Point> wide = TwoTaskModel.sweep(200, 2, alphas, 300, TwoTaskModel.Transform.PERMUTATION, 1);
        TwoTaskModel.Point middle = wide.get(1);
        for (TwoTaskModel.Point end : List.of(wide.get(0), wide.get(2))) {
            assertThat(middle.mean() - end.mean()).isGreaterThan(4 * (middle.standardError() + end.standardError()));
        }
        // near the interpolation threshold (n close to p) forgetting falls monotonically with similarity
        List<TwoTaskModel.Point> tight = TwoTaskModel.sweep(60, 54, new double[] {0, 0.25, 0.5, 0.75, 1}, 60,
                TwoTaskModel.Transform.HAAR, 1);
        for (int i = 1; i < tight.size(); i++) {
            assertThat(tight.get(i).mean()).isLessThan(tight.get(i - 1).mean());
        }
        assertThat(tight.get(4).mean()).isLessThan(1e-20);
    }

    private static double worstCase(String family, Learner learner, long k) {
        double worst = 0;
        for (int g = 0; g < 40; g++) {
            double parameter = Math.pow(10, -3 + 3.0 * g / 39);
            TaskCollection c = family.equals("angle") ? Instances.angle(Math.asin(Math.sqrt(parameter)))
                    : Instances.cone(6, 3, parameter, 3);
            worst = Math.max(worst, ExpectedLoss.averageLoss(c, learner, new long[] {k})[0] / c.lossScale());
        }
        return worst;
    }
}
