package ai.perennial.core.averaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import ai.perennial.core.PerennialException;
import ai.perennial.core.data.Dataset;
import ai.perennial.core.data.Synthetic;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.model.Mlp;
import ai.perennial.core.model.Model;
import ai.perennial.core.model.Parameter;
import ai.perennial.core.optim.Optimizer;
import ai.perennial.core.optim.Optimizers;
import ai.perennial.core.state.StateDict;
import ai.perennial.core.schedule.Schedule;
import ai.perennial.core.train.Batch;
import ai.perennial.core.train.Evaluator;
import ai.perennial.core.train.ProgressListener;
import ai.perennial.core.train.Trainer;
import ai.perennial.core.train.TrainingContext;
import ai.perennial.core.train.TrainingHook;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** EMA and SWA against plain-Java averages of the recorded weight trajectory. */
class WeightAverageTest {
    static Dataset data;

    @BeforeAll
    static void setUp() {
        Engines.pytorch();
        data = Synthetic.gaussianClusters(400, 8, 3, 1.0, 2);
    }

    /** Records the flattened weights after every update, on the host, in double precision. */
    static final class Recorder implements TrainingHook {
        final List<double[]> weights = new ArrayList<>();

        @Override
        public void afterUpdate(TrainingContext context, Batch batch) {
            weights.add(flatten(context.model()));
        }
    }

    @Test
    void emaAndSwaEqualTheirPlainJavaAverages() {
        double beta = 0.9;
        double[] ema = run(WeightAverage.ema(beta), (steps, w) -> {
            double[] a = w.get(0).clone();
            for (int t = 1; t < steps; t++) {
                for (int j = 0; j < a.length; j++) {
                    a[j] = beta * a[j] + (1 - beta) * w.get(t)[j];
                }
            }
            return a;
        });
        assertThat(ema).isNotNull();
        run(WeightAverage.swa(5, 3), (steps, w) -> {
            double[] a = new double[w.get(0).length];
            int n = 0;
            for (int step = 5; step <= steps; step += 3) {
                n++;
                for (int j = 0; j < a.length; j++) {
                    a[j] += w.get(step - 1)[j];
                }
            }
            for (int j = 0; j < a.length; j++) {
                a[j] /= n;
            }
            return a;
        });
    }

    interface Reference {
        double[] average(int steps, List<double[]> weights);
    }

    private static double[] run(WeightAverage average, Reference reference) {
        try (NDManager m = NDManager.newBaseManager()) {
            Recorder recorder = new Recorder();
            Trainer trainer = trainer(m, List.of(average, recorder));
            trainer.train(data, 0, new Trainer.Options(1, 20, 1, 10, 20), ProgressListener.NONE);
            Model model = trainer.context().model();
            double[] trained = flatten(model);
            double[] expected = reference.average(20, recorder.weights);
            double[] averaged = average.withAveragedWeights(model, () -> flatten(model));
            for (int j = 0; j < expected.length; j++) {
                assertThat(averaged[j]).as("%s weight %d", average.describe(), j).isCloseTo(expected[j], within(1e-5));
            }
            assertThat(flatten(model)).as("trained weights restored exactly").containsExactly(trained);
            assertThat(averaged).isNotEqualTo(trained);
            return averaged;
        }
    }

    @Test
    void stateRoundTripsAndEvaluationUsesTheAverage() {
        try (NDManager m = NDManager.newBaseManager()) {
            WeightAverage first = WeightAverage.ema(0.95);
            Trainer a = trainer(m, List.of(first));
            a.train(data, 0, new Trainer.Options(1, 20, 1, 10, 12), ProgressListener.NONE);
            StateDict saved = first.exportState();
            assertThat(saved.counter("average.count")).isEqualTo(12);

            WeightAverage second = WeightAverage.ema(0.95);
            Trainer b = trainer(m, List.of(second));
            b.train(data, 0, new Trainer.Options(1, 20, 1, 10, 1), ProgressListener.NONE);
            second.importState(saved, b.context());
            assertThat(second.exportState()).isEqualTo(saved);
            Model model = a.context().model();
            double[] trained = flatten(model);
            double[] averaged = first.withAveragedWeights(model, () -> flatten(model));
            double[] imported = second.withAveragedWeights(model, () -> flatten(model));
            assertThat(imported).containsExactly(averaged);
            assertThat(imported).isNotEqualTo(trained); // evaluation really swaps in the average
            assertThat(flatten(model)).containsExactly(trained);
            double accuracy = second.withAveragedWeights(model, () -> Evaluator.accuracy(model, data, 100, m));
            assertThat(accuracy).isEqualTo(first.withAveragedWeights(model, () -> Evaluator.accuracy(model, data, 100, m)));
        }
    }

    @Test
    void badSpecsAndEarlyUseAreExplained() {
        assertThatThrownBy(() -> WeightAverage.parse("ema:decay=1.5")).isInstanceOf(PerennialException.class)
                .hasMessageContaining("ema.decay: must be in (0, 1), got '1.5'");
        assertThatThrownBy(() -> WeightAverage.parse("polyak")).hasMessageContaining("unknown average 'polyak'; choose one of ema, swa");
        assertThatThrownBy(() -> WeightAverage.parse("ema:0.9")).hasMessageContaining("expected key=value, got '0.9'");
        assertThat(WeightAverage.parse("swa:start=100,every=10").describe()).isEqualTo("swa:start=100,every=10");
        assertThat(WeightAverage.parse("ema").describe()).isEqualTo("ema:decay=0.999");
        try (NDManager m = NDManager.newBaseManager()) {
            WeightAverage late = WeightAverage.swa(1000, 1);
            Trainer t = trainer(m, List.of(late));
            t.train(data, 0, new Trainer.Options(1, 20, 1, 10, 3), ProgressListener.NONE);
            assertThatThrownBy(() -> late.withAveragedWeights(t.context().model(), () -> 0)).hasMessageContaining("no snapshot yet");
        }
    }

    private static Trainer trainer(NDManager m, List<TrainingHook> hooks) {
        Model model = new Mlp(m, 8, new int[] {16}, 3, 1, 4);
        Optimizer opt = new Optimizer("sgd", Optimizers.sgd(Schedule.constant(0.1), 0, false, 0), model.parameters());
        return new Trainer(model, opt, hooks, m);
    }

    static double[] flatten(Model model) {
        List<Double> values = new ArrayList<>();
        for (Parameter p : model.parameters()) {
            for (float v : p.array().toFloatArray()) {
                values.add((double) v);
            }
        }
        return values.stream().mapToDouble(Double::doubleValue).toArray();
    }
}
