package ai.perennial.cl.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.perennial.cl.experiment.Experiment;
import ai.perennial.cl.strategy.Teacher;
import ai.perennial.cl.strategy.merging.ModelMerging;
import ai.perennial.cl.strategy.plasticity.Redo;
import ai.perennial.cl.strategy.replay.DarkExperienceReplay;
import ai.perennial.cl.strategy.replay.ExperienceReplay;
import ai.perennial.core.data.ByteDataset;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.model.Model;
import ai.perennial.core.model.Parameters;
import ai.perennial.core.model.ResNet;
import ai.perennial.core.optim.Optimizers;
import ai.perennial.core.state.StateDict;
import ai.perennial.core.train.Augmentation;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The reduced ResNet-18 in continual runs through the library API: replay with augmentation, teachers, rejections. */
class ResNetContinualTest {
    static final Shape IMAGE = new Shape(3, 32, 32);
    static ByteDataset train;
    static ByteDataset test;

    @BeforeAll
    static void setUp() {
        Engines.pytorch();
        train = images("train", 128, 1);
        test = images("test", 32, 2);
    }

    /** 4 classes of 3x32x32 images: each class is brighter in its own quadrant. */
    static ByteDataset images(String name, int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        byte[] pixels = new byte[n * 3 * 32 * 32];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 4;
            for (int p = 0; p < 3 * 32 * 32; p++) {
                int y = (p / 32) % 32;
                int x = p % 32;
                boolean own = (y / 16) * 2 + x / 16 == labels[i];
                pixels[i * 3 * 32 * 32 + p] = (byte) ((own ? 140 : 30) + r.nextInt(110));
            }
        }
        return new ByteDataset(name, pixels, labels, IMAGE, 4, 0.45f, 0.25f);
    }

    static Experiment.Builder run(String strategy, Map<String, ?> params) {
        return Experiment.builder().seed(3).data(train, test).scenario("split", Map.of("classes_per_experience", 2))
                .model(ResNet.RESNET18.name(), Map.of("width", 20)).optimizer(Optimizers.SGD.name(), Map.of("lr", 0.05))
                .strategy(strategy, params).batchSize(32).continualEvaluation(0).set("training.augment", Augmentation.CROP_FLIP)
                .set("evaluation.probe_size", 16);
    }

    @Test
    void experienceReplayAndDerppTrainTheReducedResNetClassIncrementally() {
        for (var strategy : new String[] {ExperienceReplay.ER.name(), DarkExperienceReplay.DERPP.name()}) {
            Map<String, ?> params = strategy.equals(ExperienceReplay.ER.name()) ? Map.of("memory", 32) : Map.of("memory", 32, "beta", 0.5);
            ContinualResult result = run(strategy, params).build().run().result();
            double[][] matrix = result.accuracyMatrix();
            assertThat(matrix).as(strategy).hasDimensions(2, 2);
            for (double[] row : matrix) {
                for (double accuracy : row) {
                    assertThat(accuracy).as(strategy).isBetween(0.0, 1.0);
                }
            }
            assertThat(result.compute().steps()).as(strategy).isEqualTo(2 * 2); // 64 samples per experience, batch 32
        }
    }

    @Test
    void unitLevelMethodsAreRejectedForTheResNet() {
        assertThatThrownBy(() -> run(Redo.REDO.name(), Map.of()).build().run())
                .hasMessageContaining("hidden units coupled by batch normalization");
    }

    @Test
    void augmentationNeedsImages() {
        assertThatThrownBy(() -> Experiment.builder().dataset("gaussian-clusters", Map.of()).set("training.augment", Augmentation.CROP_FLIP)
                .continualEvaluation(0).build().run()).hasMessageContaining("augment: none");
    }

    @Test
    void teachersCarryTheStatisticsThroughCheckpoints() {
        try (NDManager m = NDManager.newBaseManager()) {
            ResNet model = new ResNet(m, IMAGE, 4, 4, 1, 1);
            NDArray x = train.inputs(m, new int[] {0, 1, 2, 3, 4, 5, 6, 7});
            try (Model.ModeScope training = model.enter(Model.Mode.TRAIN)) {
                model.forward(x, new int[8]);
            }
            Teacher teacher = new Teacher();
            Model frozen = teacher.snapshot(model, m, UnaryOperator.identity());
            float[] expected = model.forward(x, new int[8]).toFloatArray();
            assertThat(frozen.forward(x, new int[8]).toFloatArray()).containsExactly(expected);
            StateDict saved = new StateDict();
            teacher.exportTo(saved, "teacher.");
            Teacher restored = new Teacher();
            ResNet other = new ResNet(m, IMAGE, 4, 4, 1, 2); // the run rebuilt: other weights, fresh statistics until imported
            restored.importFrom(saved, "teacher.", other, m, UnaryOperator.identity());
            assertThat(Parameters.values(restored.model().buffers())).isDeepEqualTo(Parameters.values(model.buffers()));
            assertThat(restored.model().forward(x, new int[8]).toFloatArray()).containsExactly(expected);
        }
    }

    /** Records the model's statistics when an experience starts and ends. */
    private static final class StatisticsRecorder implements ai.perennial.core.train.TrainingHook {
        final java.util.List<float[][]> atStart = new java.util.ArrayList<>();
        final java.util.List<float[][]> atEnd = new java.util.ArrayList<>();

        @Override
        public void onExperienceStart(ai.perennial.core.train.TrainingContext c) {
            atStart.add(Parameters.values(c.model().buffers()));
        }

        @Override
        public void onExperienceEnd(ai.perennial.core.train.TrainingContext c) {
            atEnd.add(Parameters.values(c.model().buffers()));
        }
    }

    @Test
    void mergingStartsCopiesFromTheBaseStatisticsAndAveragesTheirs() {
        try (NDManager m = NDManager.newBaseManager()) {
            ResNet model = new ResNet(m, IMAGE, 4, 4, 1, 1);
            StatisticsRecorder trained = new StatisticsRecorder(); // before the merge: what each experience trained
            StatisticsRecorder started = new StatisticsRecorder(); // after the merge's start: where each copy begins
            var merging = new ModelMerging(ai.perennial.core.merging.TaskArithmetic.UNIFORM.name(), false);
            var sgd = new ai.perennial.core.optim.Optimizer("sgd", Optimizers.sgd(ai.perennial.core.schedule.Schedule.constant(0.05), 0,
                    false, 0), model.parameters());
            var trainer = new ai.perennial.core.train.Trainer(model, sgd, java.util.List.of(trained, merging, started), m);
            for (int e = 0; e < 3; e++) {
                int[] idx = java.util.stream.IntStream.range(16 * e, 16 * e + 16).toArray();
                trainer.train(train.select(idx), 0, new ai.perennial.core.train.Trainer.Options(1, 8, e, 2, -1),
                        ai.perennial.core.train.ProgressListener.NONE);
            }
            // copies 1 and 2 start from the base's statistics (start: shared)
            assertThat(started.atStart.get(1)).isDeepEqualTo(trained.atEnd.get(0));
            assertThat(started.atStart.get(2)).isDeepEqualTo(trained.atEnd.get(0));
            // the merged model carries the mean of the two copies' statistics
            assertThat(Parameters.values(model.buffers())).isDeepEqualTo(Parameters.mean(java.util.List.of(trained.atEnd.get(1),
                    trained.atEnd.get(2))));
            assertThat(trained.atEnd.get(1)).isNotEqualTo(trained.atEnd.get(2));
        }
    }
}
