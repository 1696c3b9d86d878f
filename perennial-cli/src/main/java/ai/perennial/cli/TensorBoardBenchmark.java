package ai.perennial.cli;

import ai.perennial.cl.experiment.Experiment;
import ai.perennial.cl.experiment.ExperimentConfig;
import ai.perennial.cl.run.ContinualRun;
import ai.perennial.cl.run.ContinualRunLog;
import ai.perennial.cl.run.ContinualRunner;
import ai.perennial.cl.scenario.Scenario;
import ai.perennial.cli.config.ConfigLoader;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.observe.RunLog;
import ai.perennial.core.train.ProgressListener;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code perennial bench tensorboard}: what recording a run costs. The same permuted-fmnist run, in one process, with no
 * logging at all and with everything a recorded run logs (metrics.jsonl, and TensorBoard event files with scalars, weight
 * histograms and matrix images), alternating which goes first each round so drift in the machine's load falls on both.
 * On a loaded machine the rounds differ by more than logging costs, so the time spent inside the logging calls is
 * also measured directly.
 */
@Command(name = "tensorboard", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Wall-time overhead of metrics.jsonl + TensorBoard event files on permuted-fmnist (no checkpoints either way).",
            "Runs it 2 x --rounds times, alternating which goes first; about 40 s per run on 2 cores."})
final class TensorBoardBenchmark implements Callable<Integer> {
    @Option(names = "--rounds", defaultValue = "3", description = "Pairs of runs (logged, not logged). Default: ${DEFAULT-VALUE}")
    int rounds;

    @Option(names = "--preset", defaultValue = "permuted-fmnist", description = "Config or preset run. Default: ${DEFAULT-VALUE}")
    String preset;

    @Option(names = "--out", description = "Working directory for the logged runs' files (default: a new temporary one)")
    Path out;

    @Override
    public Integer call() throws IOException {
        Path dir = out != null ? out : Files.createTempDirectory("perennial-bench-tensorboard");
        Engines.pytorch();
        ExperimentConfig config = ConfigLoader.load(preset, Presets.dir(), List.of());
        Experiment experiment = Experiment.of(config);
        Scenario stream = experiment.buildScenario();
        double[] on = new double[rounds];
        double[] off = new double[rounds];
        double[] inLog = new double[rounds];
        for (int round = 0; round < rounds; round++) {
            boolean onFirst = round % 2 == 1;
            for (int k = 0; k < 2; k++) {
                boolean logged = (k == 0) == onFirst;
                double seconds = logged ? logged(experiment, stream, dir.resolve("round-" + round), inLog, round) : plain(experiment, stream);
                (logged ? on : off)[round] = seconds;
                System.err.printf(Locale.ROOT, "round %d, %s: %.2f s%n", round + 1, logged ? "logged" : "not logged", seconds);
            }
        }
        double a = StepBenchmark.median(on);
        double b = StepBenchmark.median(off);
        System.out.printf(Locale.ROOT, "%s wall time: %.2f s logged (metrics.jsonl + TensorBoard), %.2f s not logged: %+.2f%% (median of %d"
                + " each, alternating); per round: %s%n", preset, a, b, 100 * (a / b - 1), rounds, perRound(on, off));
        double logging = StepBenchmark.median(inLog);
        System.out.printf(Locale.ROOT, "inside the logging calls: %.3f s of the logged runs' %.2f s (%.2f%%, medians)%n", logging, a,
                100 * logging / a);
        return 0;
    }

    private static double plain(Experiment experiment, Scenario stream) {
        long start = System.nanoTime();
        try (ContinualRun run = experiment.open(stream)) {
            run.run(ContinualRunner.ProgressFactory.NONE, ContinualRun.Listener.NONE);
        }
        return (System.nanoTime() - start) / 1e9;
    }

    /** The logged run's wall time; the part of it spent inside the logging calls goes to {@code inLog[round]}. */
    private static double logged(Experiment experiment, Scenario stream, Path dir, double[] inLog, int round) {
        long start = System.nanoTime();
        long[] logging = {0};
        try (ContinualRun run = experiment.open(stream); RunLog log = RunLog.open(dir, dir.resolve(RunLog.TENSORBOARD_DIR))) {
            ExperimentConfig c = experiment.config();
            long t = System.nanoTime();
            log.start("bench", c.name(), c.resolved(), run.totalSteps());
            ContinualRunLog observer = new ContinualRunLog(log, run, c.optimizer().learningRate(run.totalSteps()));
            logging[0] += System.nanoTime() - t;
            ContinualRunner.ProgressFactory progress = label -> {
                ProgressListener inner = observer.around(ContinualRunner.ProgressFactory.NONE).forRound(label);
                return (done, total, loss) -> {
                    long s = System.nanoTime();
                    inner.onProgress(done, total, loss);
                    logging[0] += System.nanoTime() - s;
                };
            };
            run.run(progress, new ContinualRun.Listener() {
                @Override
                public void afterExperience(ContinualRun r) {
                    long s = System.nanoTime();
                    observer.afterExperience(r);
                    logging[0] += System.nanoTime() - s;
                }
            });
            t = System.nanoTime();
            log.end("finished", null);
            logging[0] += System.nanoTime() - t;
        }
        inLog[round] = logging[0] / 1e9;
        return (System.nanoTime() - start) / 1e9;
    }

    /** Each round's overhead in percent, logged against not logged. */
    private static String perRound(double[] on, double[] off) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < on.length; i++) {
            b.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%+.1f%%", 100 * (on[i] / off[i] - 1)));
        }
        return b.toString();
    }
}
