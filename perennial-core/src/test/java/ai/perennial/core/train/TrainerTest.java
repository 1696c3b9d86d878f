package ai.perennial.core.train;

import java.util.concurrent.atomic.AtomicReference;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.perennial.core.PerennialException;
import ai.perennial.core.data.Dataset;
import ai.perennial.core.data.Synthetic;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.model.Mlp;
import ai.perennial.core.model.Model;
import ai.perennial.core.model.Parameter;
import ai.perennial.core.optim.Optimizer;
import ai.perennial.core.optim.Optimizers;
import ai.perennial.core.schedule.Schedule;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TrainerTest {
    static Dataset data;
    static Dataset test;

    @BeforeAll
    static void setUp() {
        Engines.pytorch();
        Dataset all = Synthetic.gaussianClusters(1200, 16, 4, 1.0, 3);
        int[] train = new int[1000];
        int[] held = new int[200];
        for (int i = 0; i < 1200; i++) {
            if (i < 1000) {
                train[i] = i;
            } else {
                held[i - 1000] = i;
            }
        }
        data = all.select(train);
        test = all.select(held);
    }

    static Trainer trainer(NDManager m, long seed, List<TrainingHook> hooks) {
        Model model = new Mlp(m, 16, new int[] {32}, 4, 1, seed);
        Optimizer opt = new Optimizer("adamw", Optimizers.adamw(Schedule.constant(0.01), 0.9, 0.999, 1e-8, 0.01, Optimizers.ALL),
                model.parameters());
        return new Trainer(model, opt, hooks, m);
    }

    @Test
    void learnsGaussianClusters() {
        try (NDManager m = NDManager.newBaseManager()) {
            Trainer t = trainer(m, 1, List.of());
            TrainStats stats = t.train(data, 0, Trainer.Options.of(3, 32, 5), ProgressListener.NONE);
            assertThat(stats.steps()).isEqualTo(3 * 32); // ceil(1000 / 32) = 32 per epoch
            assertThat(stats.samples()).isEqualTo(3000);
            assertThat(Evaluator.accuracy(t.context().model(), test, 64, m)).isGreaterThan(0.9);
            assertThat(stats.meanLoss()).isLessThan(0.5);
        }
    }

    @Test
    void trainsOnAFreshThreadAfterTheEngineLoadedElsewhere() throws Exception {
        // PyTorch records gradients per thread and starts a new thread with recording on; an embedding
        // application's worker thread must train as the loading thread does
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread worker = new Thread(() -> {
            try (NDManager m = NDManager.newBaseManager()) {
                trainer(m, 1, List.of()).train(data, 0, Trainer.Options.of(1, 32, 5), ProgressListener.NONE);
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        worker.start();
        worker.join();
        assertThat(failure.get()).isNull();
    }

    @Test
    void liveArrayCountStaysFlatOver200Steps() {
        try (NDManager m = NDManager.newBaseManager()) {
            Trainer t = trainer(m, 1, List.of());
            Trainer.Options first = new Trainer.Options(1, 50, 1, 10, 10);
            t.train(data, 0, first, ProgressListener.NONE);
            int before = m.getManagedArrays().size();
            t.train(data, 0, new Trainer.Options(20, 50, 2, 10, 200), ProgressListener.NONE);
            assertThat(t.context().globalStep()).isEqualTo(210);
            assertThat(m.getManagedArrays()).hasSize(before);
        }
    }

    @Test
    void arrayCountDetectsALeakingHook() {
        // control for the test above: an array that escapes the step scope must show up in the count
        TrainingHook leaky = new TrainingHook() {
            @Override
            public void afterUpdate(TrainingContext context, Batch batch) {
                NDScope.unregister(context.stateManager().zeros(new ai.djl.ndarray.types.Shape(1)));
            }
        };
        try (NDManager m = NDManager.newBaseManager()) {
            Trainer t = trainer(m, 1, List.of(leaky));
            t.train(data, 0, new Trainer.Options(1, 50, 1, 10, 5), ProgressListener.NONE);
            int before = m.getManagedArrays().size();
            t.train(data, 0, new Trainer.Options(1, 50, 1, 10, 20), ProgressListener.NONE);
            assertThat(m.getManagedArrays().size()).isEqualTo(before + 20);
        }
    }

    @Test
    void sameSeedGivesBitwiseIdenticalRuns() {
        float[][] runs = new float[2][];
        double[] losses = new double[2];
        for (int r = 0; r < 2; r++) {
            try (NDManager m = NDManager.newBaseManager()) {
                Trainer t = trainer(m, 9, List.of());
                losses[r] = t.train(data, 0, Trainer.Options.of(2, 32, 77), ProgressListener.NONE).meanLoss();
                runs[r] = t.context().model().parameters().get(0).array().toFloatArray();
            }
        }
        assertThat(runs[1]).containsExactly(runs[0]);
        assertThat(losses[1]).isEqualTo(losses[0]);
    }

    @Test
    void hooksRunInDocumentedOrderAndCanChangeTheLossAndGradients() {
        List<String> calls = new ArrayList<>();
        TrainingHook recorder = new TrainingHook() {
            @Override
            public void onExperienceStart(TrainingContext c) {
                calls.add("start:" + c.experienceIndex() + ":" + c.taskId());
            }

            @Override
            public Batch adaptBatch(TrainingContext c, Batch b) {
                calls.add("adapt");
                return b;
            }

            @Override
            public NDArray extraLoss(TrainingContext c, Batch b, NDArray logits) {
                calls.add("loss");
                return null;
            }

            @Override
            public List<NDArray> transformGradients(TrainingContext c, List<NDArray> grads) {
                calls.add("grads:" + grads.size());
                return grads;
            }

            @Override
            public void afterUpdate(TrainingContext c, Batch b) {
                calls.add("after:" + c.globalStep());
            }

            @Override
            public void onExperienceEnd(TrainingContext c) {
                calls.add("end");
            }
        };
        try (NDManager m = NDManager.newBaseManager()) {
            Trainer t = trainer(m, 1, List.of(recorder));
            t.train(data, 3, new Trainer.Options(1, 100, 1, 10, 2), ProgressListener.NONE);
        }
        assertThat(calls).containsExactly("start:0:3", "adapt", "loss", "grads:4", "after:1", "adapt", "loss", "grads:4",
                "after:2", "end");
    }

    @Test
    void zeroedGradientsFreezeTrainingAndExtraLossMovesWeights() {
        TrainingHook freeze = new TrainingHook() {
            @Override
            public List<NDArray> transformGradients(TrainingContext c, List<NDArray> grads) {
                List<NDArray> out = new ArrayList<>();
                for (NDArray g : grads) {
                    out.add(g.zerosLike());
                }
                return out;
            }
        };
        try (NDManager m = NDManager.newBaseManager()) {
            Model model = new Mlp(m, 16, new int[] {32}, 4, 1, 1);
            float[] before = model.parameters().get(0).array().toFloatArray();
            Optimizer sgd = new Optimizer("sgd", Optimizers.sgd(Schedule.constant(0.1), 0, false, 0), model.parameters());
            new Trainer(model, sgd, List.of(freeze), m).train(data, 0, new Trainer.Options(1, 50, 1, 10, 5), ProgressListener.NONE);
            assertThat(model.parameters().get(0).array().toFloatArray()).containsExactly(before);
        }
        // an L2 penalty on the head alone, with the task gradient frozen for the trunk, moves only the head
        TrainingHook penalty = new TrainingHook() {
            @Override
            public NDArray extraLoss(TrainingContext c, Batch b, NDArray logits) {
                Parameter head = c.model().parameters().get(2);
                return head.array().square().sum().mul(10);
            }
        };
        try (NDManager m = NDManager.newBaseManager()) {
            Model model = new Mlp(m, 16, new int[] {32}, 4, 1, 1);
            double normBefore = model.parameters().get(2).array().square().sum().getFloat();
            Optimizer sgd = new Optimizer("sgd", Optimizers.sgd(Schedule.constant(0.01), 0, false, 0), model.parameters());
            new Trainer(model, sgd, List.of(penalty), m).train(data, 0, new Trainer.Options(1, 50, 1, 10, 20), ProgressListener.NONE);
            double normAfter = model.parameters().get(2).array().square().sum().getFloat();
            assertThat(normAfter).isLessThan(normBefore * 0.1);
        }
    }

    @Test
    void divergingLossStopsWithAClearMessage() {
        try (NDManager m = NDManager.newBaseManager()) {
            Model model = new Mlp(m, 16, new int[] {32}, 4, 1, 1);
            Optimizer sgd = new Optimizer("sgd", Optimizers.sgd(Schedule.constant(1e30), 0, false, 0), model.parameters());
            Trainer t = new Trainer(model, sgd, List.of(), m);
            assertThatThrownBy(() -> t.train(data, 0, new Trainer.Options(5, 50, 1, 5, -1), ProgressListener.NONE))
                    .isInstanceOf(PerennialException.class)
                    .hasMessageContaining("training loss became").hasMessageContaining("lower the learning rate");
        }
    }

    @Test
    void permutationIsAPermutation() {
        int[] p = ai.perennial.core.data.Shuffle.permutation(1000, new java.util.SplittableRandom(1));
        assertThat(p).hasSize(1000).doesNotHaveDuplicates();
        assertThat(java.util.Arrays.stream(p).min().getAsInt()).isZero();
        assertThat(java.util.Arrays.stream(p).max().getAsInt()).isEqualTo(999);
    }
}
