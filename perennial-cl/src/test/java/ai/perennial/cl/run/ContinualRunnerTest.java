package ai.perennial.cl.run;

import static org.assertj.core.api.Assertions.assertThat;

import ai.perennial.cl.scenario.Scenario;
import ai.perennial.cl.scenario.Scenarios;
import ai.perennial.cl.strategy.Strategies;
import ai.perennial.core.data.Dataset;
import ai.perennial.core.data.Synthetic;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.model.Mlp;
import ai.perennial.core.optim.Optimizers;
import ai.perennial.core.schedule.Schedule;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The protocol end to end on a small synthetic class-incremental stream (4 classes, 2 experiences). */
class ContinualRunnerTest {
    static Scenario classIL;
    static Scenario taskIL;

    @BeforeAll
    static void data() {
        Engines.pytorch();
        Dataset all = Synthetic.gaussianClusters(2400, 16, 4, 1.5, 11);
        int[] train = java.util.stream.IntStream.range(0, 2000).toArray();
        int[] test = java.util.stream.IntStream.range(2000, 2400).toArray();
        classIL = Scenarios.split(all.select(train), all.select(test), 2, null, false);
        taskIL = Scenarios.split(all.select(train), all.select(test), 2, null, true);
    }

    static ContinualResult run(Scenario s, String strategy, int heads) {
        return run(s, strategy, heads, null);
    }

    static ContinualResult run(Scenario s, String strategy, int heads, String average) {
        ContinualRunner.Options options = new ContinualRunner.Options(3, 32,
                new ContinualRunner.EvalOptions(10, 100, 256, true, 20), 1, average);
        return ContinualRunner.run(s, c -> new Mlp(c.manager(), (int) c.inputShape().size(), new int[] {32}, c.outputs(), c.heads(), c.seed()),
                steps -> Optimizers.adam(Schedule.constant(0.01), 0.9, 0.999, 1e-8),
                Strategies.create(strategy, Map.of(), 0), options, ContinualRunner.ProgressFactory.NONE);
    }

    @Test
    void naiveForgetsTheFirstExperienceInClassIncrementalLearning() {
        ContinualResult r = run(classIL, "naive", 1);
        assertThat(r.accuracyMatrix()).hasDimensions(2, 2);
        assertThat(r.accuracyMatrix()[0][0]).isGreaterThan(0.9);
        assertThat(r.accuracyMatrix()[1][0]).isLessThan(0.2);
        assertThat(r.backwardTransfer()).isLessThan(-0.7);
        assertThat(r.averageForgetting()).isCloseTo(-r.backwardTransfer(), org.assertj.core.data.Offset.offset(1e-9));
        assertThat(r.randomInitAccuracy()).hasSize(2);
        // continual evaluation: a point at 0, every 10 steps, at each boundary; the dip is in min-ACC
        long stepsPerExperience = 3 * 32; // ceil(1000/32) = 32 per epoch
        assertThat(r.endSteps()).containsExactly(stepsPerExperience, 2 * stepsPerExperience);
        assertThat(r.curve().get(0).step()).isZero();
        assertThat(r.curve()).anyMatch(p -> p.step() == stepsPerExperience);
        assertThat(r.minAccuracy()).isLessThan(0.5 * r.accuracyMatrix()[0][0]);
        assertThat(r.compute().steps()).isEqualTo(2 * stepsPerExperience);
        assertThat(r.compute().samples()).isEqualTo(2 * 3 * 1000);
    }

    @Test
    void maxStepsCapsEachExperience() {
        ContinualRunner.Options options = new ContinualRunner.Options(3, 32, new ContinualRunner.EvalOptions(0, 100, 256, true, 20), 1,
                null, ai.perennial.core.train.Augmentation.NONE, null, null, 20);
        ContinualResult r = ContinualRunner.run(classIL, c -> new Mlp(c.manager(), (int) c.inputShape().size(), new int[] {32}, c.outputs(),
                c.heads(), c.seed()), steps -> Optimizers.adam(Schedule.constant(0.01), 0.9, 0.999, 1e-8), Strategies.create("naive",
                Map.of(), 0), options, ContinualRunner.ProgressFactory.NONE);
        assertThat(r.endSteps()).containsExactly(20, 40);
        assertThat(r.compute().samples()).isEqualTo(2 * 20 * 32);
        assertThat(r.accuracyMatrix()).hasDimensions(2, 2);
    }

    @Test
    void accuracyMatrixCanUseAveragedWeights() {
        double[][] raw = run(classIL, "naive", 1).accuracyMatrix();
        // an EMA with a negligible decay is the trained weights themselves: same matrix
        double[][] current = run(classIL, "naive", 1, "ema:decay=1e-12").accuracyMatrix();
        // an SWA over every step of the stream averages in the early weights: a different matrix
        double[][] averaged = run(classIL, "naive", 1, "swa:start=1,every=1").accuracyMatrix();
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 2; j++) {
                assertThat(current[i][j]).isCloseTo(raw[i][j], org.assertj.core.data.Offset.offset(1e-9));
            }
        }
        assertThat(averaged).isNotEqualTo(raw);
    }

    @Test
    void jointIsTheUpperBoundAndCumulativeDoesNotForget() {
        ContinualResult joint = run(classIL, "joint", 1);
        assertThat(joint.accuracyMatrix()).hasDimensions(1, 2);
        assertThat(joint.trainedExperiences()).containsExactly(0);
        assertThat(joint.averageAccuracy()).isGreaterThan(0.9);
        assertThat(joint.backwardTransfer()).isNaN();
        ContinualResult cumulative = run(classIL, "cumulative", 1);
        assertThat(cumulative.averageAccuracy()).isGreaterThan(0.9);
        assertThat(cumulative.averageForgetting()).isLessThan(0.1);
    }

    @Test
    void taskIncrementalNaiveKeepsItsOldHeadUseful() {
        ContinualResult r = run(taskIL, "naive", 2);
        assertThat(r.averageAccuracy()).isGreaterThan(0.8);
        ContinualResult joint = run(taskIL, "joint", 2);
        assertThat(joint.averageAccuracy()).isGreaterThan(0.9);
    }

    @Test
    void sameSeedSameResult() {
        ContinualResult a = run(classIL, "naive", 1);
        ContinualResult b = run(classIL, "naive", 1);
        assertThat(b.accuracyMatrix()).isDeepEqualTo(a.accuracyMatrix());
        assertThat(b.curve().get(5).accuracies()).containsExactly(a.curve().get(5).accuracies());
    }
}
