package ai.perennial.core.data;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.model.Mlp;
import ai.perennial.core.optim.Optimizer;
import ai.perennial.core.optim.Optimizers;
import ai.perennial.core.schedule.Schedule;
import ai.perennial.core.train.ProgressListener;
import ai.perennial.core.train.TrainStats;
import ai.perennial.core.train.Trainer;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * What a permuted view costs per batch, against the materialized copy it replaces and against applying the permutation
 * on the device (one gather of the float batch with an index tensor): batch building alone, and whole training steps of
 * the MLP 784-400-400-10 at batch 128, in alternating blocks so both see the same machine conditions. On request:
 * {@code mvn -pl perennial-core test -Dtest=ViewBatchBenchmarkTest -Dperennial.excludedGroups=none}.
 */
@Tag("benchmark")
class ViewBatchBenchmarkTest {
    static final int BATCH = 128;

    static double median(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    @Test
    void batchesAndStepsOfAPermutedViewCostWhatTheCopysCost() {
        Engines.pytorch();
        int n = 60_000;
        byte[] pixels = new byte[n * 784];
        new SplittableRandom(1).nextBytes(pixels);
        ByteDataset base = new ByteDataset("rnd", pixels, new SplittableRandom(2).ints(n, 0, 10).toArray(), new Shape(1, 28, 28), 10, 0.29f,
                0.35f);
        int[] perm = Shuffle.shuffled(Shuffle.range(784), new SplittableRandom(3));
        ByteDataset view = (ByteDataset) base.permuteFeatures(perm);
        ByteDataset copy = (ByteDataset) view.materialize();
        SplittableRandom rng = new SplittableRandom(4);
        int blocks = 9;
        int perBlock = 200;
        double[] copyMs = new double[blocks];
        double[] viewMs = new double[blocks];
        double[] deviceMs = new double[blocks];
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray index = manager.create(Arrays.stream(perm).asLongStream().toArray());
            int[] probe = Shuffle.range(BATCH);
            try (NDManager m = manager.newSubManager()) { // the three give the same batch
                float[] expected = copy.inputs(m, probe).toFloatArray();
                assertThat(view.inputs(m, probe).toFloatArray()).isEqualTo(expected);
                assertThat(base.inputs(m, probe).reshape(BATCH, 784).get(new NDIndex(":, {}", index)).toFloatArray()).isEqualTo(expected);
            }
            for (int b = -2; b < blocks; b++) { // 2 warm-up rounds
                int[][] batches = new int[perBlock][];
                for (int i = 0; i < perBlock; i++) {
                    batches[i] = rng.ints(BATCH, 0, n).toArray();
                }
                double c = time(batches, manager, copy::inputs);
                double v = time(batches, manager, view::inputs);
                double d = time(batches, manager, (m, idx) -> base.inputs(m, idx).reshape(idx.length, 784).get(new NDIndex(":, {}", index)));
                if (b >= 0) {
                    copyMs[b] = c / perBlock;
                    viewMs[b] = v / perBlock;
                    deviceMs[b] = d / perBlock;
                }
            }
            System.out.printf(Locale.ROOT, "batch of %d permuted images (median of %d blocks of %d): copy %.4f ms, view (host gather) %.4f ms,"
                    + " device gather %.4f ms%n", BATCH, blocks, perBlock, median(copyMs), median(viewMs), median(deviceMs));

            Mlp model = new Mlp(manager, 784, new int[] {400, 400}, 10, 1, 1);
            Optimizer optimizer = new Optimizer("sgd", Optimizers.sgd(Schedule.constant(0.01), 0.9, false, 0), model.parameters());
            Trainer trainer = new Trainer(model, optimizer, List.of(), manager);
            int steps = 50;
            double[] copyStep = new double[blocks];
            double[] viewStep = new double[blocks];
            for (int b = -2; b < blocks; b++) {
                double c = stepMs(trainer, copy, steps, 100 + b);
                double v = stepMs(trainer, view, steps, 100 + b);
                if (b >= 0) {
                    copyStep[b] = c;
                    viewStep[b] = v;
                }
            }
            double[] ratio = new double[blocks];
            for (int b = 0; b < blocks; b++) {
                ratio[b] = viewStep[b] / copyStep[b];
            }
            System.out.printf(Locale.ROOT, "training step, MLP 784-400-400-10, batch %d (median of %d alternating blocks of %d steps): copy %.3f ms,"
                    + " view %.3f ms, paired ratio view/copy %.3f%n", BATCH, blocks, steps, median(copyStep), median(viewStep), median(ratio));
        }
    }

    /** Milliseconds to build every batch, each on its own manager (closed after it, as a training step does). */
    private static double time(int[][] batches, NDManager parent, java.util.function.BiFunction<NDManager, int[], NDArray> build) {
        long start = System.nanoTime();
        for (int[] idx : batches) {
            try (NDManager m = parent.newSubManager()) {
                build.apply(m, idx);
            }
        }
        return (System.nanoTime() - start) / 1e6;
    }

    private static double stepMs(Trainer trainer, Dataset data, int steps, long seed) {
        TrainStats stats = trainer.train(data, 0, new Trainer.Options(1, BATCH, seed, steps, steps), ProgressListener.NONE);
        return 1000 * (stats.wallSeconds() - stats.hookSeconds()) / stats.steps();
    }
}
