package ai.perennial.cl.run;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.types.Shape;
import ai.perennial.cl.metrics.PlasticityPoint;
import ai.perennial.cl.scenario.Scenario;
import ai.perennial.cl.scenario.Scenarios;
import ai.perennial.cl.strategy.Strategies;
import ai.perennial.core.data.Dataset;
import ai.perennial.core.data.FloatDataset;
import ai.perennial.core.data.Synthetic;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.model.Mlp;
import ai.perennial.core.model.Model;
import ai.perennial.core.model.SmallCnn;
import ai.perennial.core.optim.Optimizers;
import ai.perennial.core.schedule.Schedule;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The plasticity probe inside real runs: where its points fall, what they hold, for dense and convolutional units. */
class PlasticityProbeTest {
    @BeforeAll
    static void engine() {
        Engines.pytorch();
    }

    static ContinualResult run(Scenario s, Function<Model.Context, Model> model, String strategy, Map<String, Object> params,
            int diagnosticsEvery) {
        ContinualRunner.Options options = new ContinualRunner.Options(1, 20, new ContinualRunner.EvalOptions(0, 50, 200, false, 20, 30,
                diagnosticsEvery), 1);
        return ContinualRunner.run(s, model, steps -> Optimizers.sgd(Schedule.constant(0.1), 0.9, false, 0),
                Strategies.create(strategy, params, 3), options, ContinualRunner.ProgressFactory.NONE);
    }

    @Test
    void pointsAtEveryExperienceEndAndEveryNSteps() {
        Dataset all = Synthetic.gaussianClusters(1200, 10, 4, 1.5, 5);
        Scenario s = Scenarios.longStream(all.select(java.util.stream.IntStream.range(0, 1000).toArray()),
                all.select(java.util.stream.IntStream.range(1000, 1200).toArray()), "label-permuted", 6, 100, 2);
        ContinualResult r = run(s, c -> new Mlp(c.manager(), 10, new int[] {16, 8}, c.outputs(), c.heads(), c.seed()), "naive", Map.of(), 2);
        // 5 steps per experience (100 samples, batch 20): points at steps 2, 4, 5 of each experience's own count
        List<PlasticityPoint> points = r.diagnostics();
        assertThat(points).hasSize(6 * 3);
        assertThat(points.stream().filter(p -> p.step() % 5 == 0).map(PlasticityPoint::experience).toList()).containsExactly(0, 1, 2, 3, 4, 5);
        for (PlasticityPoint p : points) {
            assertThat(p.layers()).extracting(PlasticityPoint.Layer::name).containsExactly("layer0", "layer1");
            assertThat(p.onlineAccuracy()).isBetween(0.0, 1.0);
            assertThat(p.gradientNorm()).isPositive();
            PlasticityPoint.Layer wide = p.layers().get(0);
            assertThat(wide.dead()).isBetween(0.0, 1.0);
            assertThat(wide.dormant()).isGreaterThanOrEqualTo(wide.dead());
            assertThat(wide.effectiveRank()).isBetween(1.0, 16.0);
            assertThat(wide.srank()).isBetween(1.0, 16.0);
            assertThat(wide.sigmaMax()).isPositive().isLessThanOrEqualTo(wide.weightNorm() + 1e-6);
        }
        assertThat(points.get(0).layers().get(0).weightChange()).isPositive();
        assertThat(r.taskEndAccuracy()).hasSize(6);
        // online accuracy: the share of an experience's training samples the model classified right before learning them
        assertThat(points.get(2).onlineAccuracy() * 100).isCloseTo(Math.rint(points.get(2).onlineAccuracy() * 100), org.assertj.core.data.Offset.offset(1e-4));
    }

    @Test
    void convolutionalChannelsAreUnitsForTheProbeAndForContinualBackprop() {
        SplittableRandom rng = new SplittableRandom(1);
        int n = 240;
        float[] x = new float[n * 8 * 8];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 3;
            for (int k = 0; k < 64; k++) {
                x[i * 64 + k] = (float) (rng.nextGaussian() + (k % 3 == y[i] ? 1 : 0));
            }
        }
        Dataset images = new FloatDataset("images", x, y, new Shape(1, 8, 8), 3);
        Scenario s = Scenarios.longStream(images.select(java.util.stream.IntStream.range(0, 200).toArray()),
                images.select(java.util.stream.IntStream.range(200, 240).toArray()), "permuted", 3, 100, 4);
        ContinualResult r = run(s, c -> new SmallCnn(c.manager(), c.inputShape(), c.outputs(), c.heads(), c.seed()), "cbp",
                Map.of("maturity", 2, "replacement_rate", 0.2), 0);
        assertThat(r.diagnostics()).hasSize(3);
        assertThat(r.diagnostics().get(2).layers()).extracting(PlasticityPoint.Layer::name).containsExactly("conv1", "conv2", "dense");
        assertThat(r.diagnostics().get(2).layers().get(1).effectiveRank()).isBetween(1.0, 64.0);
        assertThat(java.util.Arrays.stream(r.taskEndAccuracy()).boxed().toList()).allMatch(a -> a >= 0 && a <= 1);
    }
}
