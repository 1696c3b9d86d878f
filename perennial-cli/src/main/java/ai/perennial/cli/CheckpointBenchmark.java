package ai.perennial.cli;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.perennial.cl.experiment.Experiment;
import ai.perennial.cl.experiment.ExperimentConfig;
import ai.perennial.cl.experiment.ExperimentResult;
import ai.perennial.cl.scenario.Scenario;
import ai.perennial.cl.strategy.Strategies;
import ai.perennial.cl.strategy.Strategy;
import ai.perennial.cl.strategy.replay.ExperienceReplay;
import ai.perennial.cli.config.ConfigLoader;
import ai.perennial.core.data.ByteDataset;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.model.Mlp;
import ai.perennial.core.model.Model;
import ai.perennial.core.optim.Optimizer;
import ai.perennial.core.optim.Optimizers;
import ai.perennial.core.schedule.Schedule;
import ai.perennial.core.state.Checkpoints;
import ai.perennial.core.state.StateDict;
import ai.perennial.core.train.ProgressListener;
import ai.perennial.core.train.Trainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code perennial bench checkpoint}: what durability costs. The time to write and to read back (verified) the
 * checkpoint of an MLP 784-400-400-10 with Adam state and a full 2,000-sample replay memory; with {@code --overhead},
 * the wall time of permuted-fmnist with {@code checkpoint.every_steps=500} against the same run without checkpoints.
 */
@Command(name = "checkpoint", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Checkpoint write and read time (MLP 400-400 + Adam + a 2,000-sample replay memory).",
            "With --overhead, also the wall-time overhead of checkpoint.every_steps=500 on permuted-fmnist (runs it 2x2 times, interleaved)."})
final class CheckpointBenchmark implements Callable<Integer> {
    @Option(names = "--repeats", defaultValue = "9", description = "Checkpoint writes and reads timed (median reported). Default: ${DEFAULT-VALUE}")
    int repeats;

    @Option(names = "--overhead", description = "Also measure the overhead on permuted-fmnist (about 2 minutes)")
    boolean overhead;

    @Option(names = "--out", description = "Working directory (default: a new temporary one)")
    Path out;

    @Override
    public Integer call() throws IOException {
        Path dir = out != null ? out : Files.createTempDirectory("perennial-bench-checkpoint");
        Engines.pytorch();
        StateDict state = sampleState();
        Checkpoints store = new Checkpoints(dir.resolve("write"), 2);
        double[] write = new double[repeats];
        double[] read = new double[repeats];
        for (int i = 0; i < repeats; i++) {
            long t0 = System.nanoTime();
            Path written = store.write(i, state, Map.of(), false);
            long t1 = System.nanoTime();
            Checkpoints.read(written);
            write[i] = (t1 - t0) / 1e6;
            read[i] = (System.nanoTime() - t1) / 1e6;
        }
        System.out.printf(Locale.ROOT, "checkpoint of %.1f MB (%d tensors): write %.0f ms, read + verify %.0f ms (median of %d)%n",
                state.tensorBytes() / 1e6, state.tensors().size(), StepBenchmark.median(write), StepBenchmark.median(read), repeats);
        if (overhead) {
            List<Double> with = new ArrayList<>();
            List<Double> without = new ArrayList<>();
            for (int round = 0; round < 2; round++) {
                without.add(wall(dir.resolve("without-" + round), List.of("checkpoint={every_steps: 0, every_seconds: 0, at_experience_end: false}")));
                with.add(wall(dir.resolve("with-" + round), List.of("checkpoint={every_steps: 500, every_seconds: 0, at_experience_end: false}")));
            }
            double a = with.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
            double b = without.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
            System.out.printf(Locale.ROOT, "permuted-fmnist wall time: %.1f s with checkpoint.every_steps=500, %.1f s without: %+.1f%%"
                    + " (best of 2 each, interleaved; runs %s and %s)%n", a, b, 100 * (a / b - 1), with, without);
        }
        return 0;
    }

    /** Model, Adam moments after one step, and an ER memory holding 2,000 uint8 images with their labels. */
    private static StateDict sampleState() {
        try (NDManager m = NDManager.newBaseManager()) {
            Model model = new Mlp(m, 784, new int[] {400, 400}, 10, 1, 1);
            Strategy er = Strategies.create(ExperienceReplay.ER.name(), Map.of("memory", 2000), 1);
            Optimizer opt = new Optimizer(Optimizers.ADAM.name(), Optimizers.adam(Schedule.constant(1e-3), 0.9, 0.999, 1e-8), model.parameters());
            Trainer trainer = new Trainer(model, opt, List.of(er), m);
            byte[] pixels = new byte[2500 * 784];
            new SplittableRandom(1).nextBytes(pixels);
            int[] labels = new int[2500];
            Arrays.setAll(labels, i -> i % 10);
            ByteDataset data = new ByteDataset("random", pixels, labels, new Shape(1, 28, 28), 10, 0.3f, 0.3f);
            trainer.train(data, 0, new Trainer.Options(1, 128, 1, 10, -1), ProgressListener.NONE);
            return trainer.exportState(); // the memory holds 2,000 of the 2,500 samples (reservoir)
        }
    }

    private static double wall(Path dir, List<String> overrides) {
        List<String> all = new ArrayList<>(overrides);
        all.add("evaluation.every_steps=0");
        ExperimentConfig c = ConfigLoader.load("permuted-fmnist", Presets.dir(), all);
        Experiment e = Experiment.of(c);
        Scenario s = e.buildScenario();
        long start = System.nanoTime();
        ExperimentResult r = e.runDurably(s, dir, false, ai.perennial.cl.run.ContinualRunner.ProgressFactory.NONE, line -> { }, Map.of(),
                new Experiment.Recording("bench", null));
        double seconds = (System.nanoTime() - start) / 1e9;
        System.err.printf(Locale.ROOT, "%s: %.1f s, ACC %.4f%n", overrides.get(0), seconds, r.result().averageAccuracy());
        return seconds;
    }
}
