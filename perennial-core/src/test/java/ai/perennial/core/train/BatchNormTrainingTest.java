package ai.perennial.core.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.perennial.core.averaging.WeightAverage;
import ai.perennial.core.data.ByteDataset;
import ai.perennial.core.data.Dataset;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.model.Model;
import ai.perennial.core.model.Parameter;
import ai.perennial.core.model.Parameters;
import ai.perennial.core.model.ResNet;
import ai.perennial.core.optim.Optimizer;
import ai.perennial.core.optim.Optimizers;
import ai.perennial.core.optim.Sam;
import ai.perennial.core.schedule.Schedule;
import ai.perennial.core.state.StateDict;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Training a batch-norm model: train/eval modes in the loop, durable statistics, SWA and EMA statistics. */
class BatchNormTrainingTest {
    static final Shape IMAGE = new Shape(3, 8, 8);
    static ByteDataset data;

    @BeforeAll
    static void setUp() {
        Engines.pytorch();
        data = images(64, 4, 1);
    }

    /** Small class-dependent images: each class brightens its own quadrant, plus noise. */
    static ByteDataset images(int n, int classes, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        byte[] pixels = new byte[n * 3 * 64];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % classes;
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < 8; y++) {
                    for (int x = 0; x < 8; x++) {
                        boolean own = (y / 4) * 2 + x / 4 == labels[i];
                        pixels[((i * 3 + c) * 8 + y) * 8 + x] = (byte) Math.min(255, (own ? 150 : 40) + r.nextInt(100));
                    }
                }
            }
        }
        return new ByteDataset("squares", pixels, labels, IMAGE, classes, 0.4f, 0.25f);
    }

    static Trainer trainer(NDManager m, List<TrainingHook> hooks, boolean sam, Augmentation augmentation) {
        Model model = new ResNet(m, IMAGE, 4, 4, 1, 3);
        var sgd = Optimizers.sgd(Schedule.constant(0.05), 0.9, false, 0);
        Optimizer opt = new Optimizer("sgd", sam ? Sam.wrap(0.05, sgd) : sgd, model.parameters());
        return new Trainer(model, opt, hooks, m, Losses::crossEntropy, augmentation);
    }

    static float[][] state(Model model) {
        List<Parameter> all = new ArrayList<>(model.parameters());
        all.addAll(model.buffers());
        return Parameters.values(all);
    }

    private static final class Interrupt extends RuntimeException {
    }

    @Test
    void resumedTrainingEqualsUninterruptedTrainingBitForBit() {
        Trainer.Options options = new Trainer.Options(2, 16, 9, 3, -1); // 8 steps
        Augmentation augmentation = Augmentation.cropFlip(4, 2);
        float[][] uninterrupted;
        StateDict saved;
        try (NDManager m = NDManager.newBaseManager()) {
            Trainer t = trainer(m, List.of(), false, augmentation);
            t.train(data, 0, options, ProgressListener.NONE);
            uninterrupted = state(t.context().model());
            assertThat(t.context().model().mode()).isEqualTo(Model.Mode.EVAL);
        }
        try (NDManager m = NDManager.newBaseManager()) {
            Trainer t = trainer(m, List.of(), false, augmentation);
            StateDict[] at = new StateDict[1];
            try {
                t.train(data, 0, options, ProgressListener.NONE, trainer -> {
                    if (trainer.context().globalStep() == 5) {
                        at[0] = trainer.exportState();
                        throw new Interrupt();
                    }
                });
            } catch (Interrupt expected) {
                // stopped after step 5 of 8, as a crash would
            }
            saved = at[0];
        }
        assertThat(saved.tensors().keySet()).contains("model_buffer.bn1.running_mean", "model_buffer.layer4.1.bn2.running_var");
        try (NDManager m = NDManager.newBaseManager()) {
            Trainer t = trainer(m, List.of(), false, augmentation);
            t.importState(saved, data);
            t.resume(data, options, ProgressListener.NONE, Trainer.StepListener.NONE);
            float[][] resumed = state(t.context().model());
            assertThat(resumed).isDeepEqualTo(uninterrupted);
        }
    }

    @Test
    void samsSecondPassDoesNotCountTheBatchTwice() {
        Trainer.Options oneStep = new Trainer.Options(1, 16, 2, 1, 1);
        try (NDManager m = NDManager.newBaseManager()) {
            Trainer plain = trainer(m, List.of(), false, Augmentation.none());
            Trainer sam = trainer(m, List.of(), true, Augmentation.none());
            plain.train(data, 0, oneStep, ProgressListener.NONE);
            sam.train(data, 0, oneStep, ProgressListener.NONE);
            // the first pass of both is at the initial weights on the same batch; SAM's pass at perturbed weights adds nothing
            assertThat(Parameters.values(sam.context().model().buffers())).isDeepEqualTo(Parameters.values(plain.context().model().buffers()));
            assertThat(Parameters.values(sam.context().model().parameters()))
                    .isNotEqualTo(Parameters.values(plain.context().model().parameters()));
        }
    }

    @Test
    void evaluationUsesRunningStatisticsWhateverModeTheModelWasLeftIn() {
        try (NDManager m = NDManager.newBaseManager()) {
            Trainer t = trainer(m, List.of(), false, Augmentation.none());
            t.train(data, 0, new Trainer.Options(1, 16, 2, 4, -1), ProgressListener.NONE);
            Model model = t.context().model();
            double accuracy = Evaluator.accuracy(model, data, 10, m);
            float[][] statistics = Parameters.values(model.buffers());
            model.setMode(Model.Mode.TRAIN);
            assertThat(Evaluator.accuracy(model, data, 10, m)).isEqualTo(accuracy);
            assertThat(Parameters.values(model.buffers())).isDeepEqualTo(statistics);
            assertThat(model.mode()).isEqualTo(Model.Mode.TRAIN); // restored afterwards
        }
    }

    @Test
    void swaRecomputesTheStatisticsOfItsAveragedWeights() {
        try (NDManager m = NDManager.newBaseManager()) {
            WeightAverage swa = WeightAverage.swa(2, 2);
            Trainer t = trainer(m, List.of(swa), false, Augmentation.none());
            t.train(data, 0, new Trainer.Options(2, 16, 5, 4, -1), ProgressListener.NONE);
            Model model = t.context().model();
            float[][] trained = state(model);
            int batch = 24; // 64 samples: batches of 24, 24 and 16, weighted equally as in update_bn
            float[][][] inside = swa.withAveragedWeights(model, data, batch, m,
                    () -> new float[][][] {Parameters.values(model.parameters()), Parameters.values(model.buffers())});
            assertThat(state(model)).isDeepEqualTo(trained); // trained weights and statistics are back

            // the plain recomputation: each batch's own statistics (momentum 1) in a fresh model, averaged on the host
            Model fresh = new ResNet(m, IMAGE, 4, 4, 1, 99);
            Parameters.overwrite(fresh.parameters(), inside[0]);
            List<float[][]> perBatch = new ArrayList<>();
            for (int start = 0; start < data.size(); start += batch) {
                int[] idx = java.util.stream.IntStream.range(start, Math.min(data.size(), start + batch)).toArray();
                try (NDManager b = m.newSubManager(); Model.ModeScope mode = fresh.enter(new Model.Mode(true, 1.0))) {
                    fresh.features(data.inputs(b, idx));
                }
                perBatch.add(Parameters.values(fresh.buffers()));
            }
            assertThat(perBatch).hasSize(3);
            float[][] expected = Parameters.mean(perBatch);
            float[][] recomputed = inside[1];
            for (int t2 = 0; t2 < expected.length; t2++) {
                for (int i = 0; i < expected[t2].length; i++) {
                    assertThat(recomputed[t2][i]).as("buffer %d entry %d", t2, i)
                            .isCloseTo(expected[t2][i], offset(1e-5f * Math.max(1, Math.abs(expected[t2][i]))));
                }
            }
            // and they are not simply the trained model's statistics
            assertThat(recomputed[0]).isNotEqualTo(Parameters.values(model.buffers())[0]);
        }
    }

    /** Records the statistics after every update. */
    private static final class StatisticsRecorder implements TrainingHook {
        final List<float[][]> seen = new ArrayList<>();

        @Override
        public void afterUpdate(TrainingContext context, Batch batch) {
            seen.add(Parameters.values(context.model().buffers()));
        }
    }

    @Test
    void emaAveragesTheStatisticsWithTheWeights() {
        double beta = 0.8;
        try (NDManager m = NDManager.newBaseManager()) {
            WeightAverage ema = WeightAverage.ema(beta);
            StatisticsRecorder recorder = new StatisticsRecorder();
            Trainer t = trainer(m, List.of(recorder, ema), false, Augmentation.none());
            t.train(data, 0, new Trainer.Options(1, 16, 5, 4, -1), ProgressListener.NONE);
            Model model = t.context().model();
            float[][] averaged = ema.withAveragedWeights(model, () -> Parameters.values(model.buffers()));
            for (int b = 0; b < averaged.length; b++) {
                for (int i = 0; i < averaged[b].length; i++) {
                    double a = recorder.seen.get(0)[b][i];
                    for (int s = 1; s < recorder.seen.size(); s++) {
                        a = beta * a + (1 - beta) * recorder.seen.get(s)[b][i];
                    }
                    assertThat((double) averaged[b][i]).isCloseTo(a, offset(1e-5 * Math.max(1, Math.abs(a))));
                }
            }
            // the state round-trips with the statistics
            StateDict exported = ema.exportState();
            WeightAverage again = WeightAverage.ema(beta);
            again.importState(exported, t.context());
            assertThat(again.withAveragedWeights(model, () -> Parameters.values(model.buffers()))).isDeepEqualTo(averaged);
        }
    }
}
