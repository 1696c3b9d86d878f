package ai.perennial.cli;

import ai.perennial.cl.experiment.Experiment;
import ai.perennial.cl.experiment.ExperimentConfig;
import ai.perennial.cl.experiment.ExperimentResult;
import ai.perennial.cl.run.ContinualResult;
import ai.perennial.cl.scenario.Scenario;
import ai.perennial.cli.config.ConfigLoader;
import ai.perennial.cli.report.RunReport;
import ai.perennial.cl.scenario.TimeOrdered;
import ai.perennial.core.PerennialException;
import ai.perennial.core.registry.Spec;
import ai.perennial.core.train.Scores;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.observe.RunLog;
import ai.perennial.core.registry.Registry;
import ai.perennial.core.run.Provenance;
import ai.perennial.core.run.ResultWriter;
import ai.perennial.core.run.Startup;
import ai.perennial.core.state.Checkpoints;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code perennial run CONFIG}: one strategy on one continual-learning stream, with checkpoints and a report. */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run a continual-learning experiment described by a YAML config or a preset.",
            "Writes DIR/result.json, DIR/metrics.csv and DIR/report.html, with checkpoints in DIR/checkpoints.",
            "Ctrl-C (or SIGTERM) saves a checkpoint and stops; 'run --resume DIR' continues exactly where it stopped."})
public final class RunCommand implements Callable<Integer>, UsesEngine {
    /** What a run writes in its directory (what --force replaces). */
    static final List<String> OUTPUTS = List.of("result.json", "metrics.csv", "report.html", "checkpoints", RunLog.FILE,
            RunLog.TENSORBOARD_DIR);

    @Parameters(paramLabel = "CONFIG", arity = "0..1", description = "YAML file or preset name (see presets/); with --resume, optional and"
            + " checked against the run's own")
    String config;

    @Option(names = "--out", description = "Output directory (must be empty, or use --force)")
    Path out;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a config value, e.g. --set strategy.name=cumulative (repeatable)")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--resume", paramLabel = "DIR", description = "Continue the run in DIR from its newest valid checkpoint")
    Path resume;

    @Option(names = "--force", description = "Replace the outputs of an earlier run in --out")
    boolean force;

    @Mixin
    TensorBoardOption tensorboard;

    @Override
    public Integer call() {
        Path dir = runDirectory("run", config, out, resume);
        // a bad config is reported before anything is created or removed in --out
        ExperimentConfig c = resume != null ? resumedConfig(dir, config, overrides) : ConfigLoader.load(config, Presets.dir(), overrides);
        OutputDir.prepare(dir, resume != null, force, OUTPUTS);
        Path events = tensorboard.prepared();
        String command = "perennial run " + (resume != null ? "--resume " + resume : config)
                + overrides.stream().map(o -> " --set " + o).reduce("", String::concat);
        Experiment experiment = Experiment.of(c);
        try (Signals signals = Signals.install(experiment::requestStop)) {
            Startup.process().mark(Startup.CONFIG);
            Engines.pytorch();
            Scenario scenario = experiment.buildScenario();
            Provenance provenance = Provenance.capture(c.resolved(), c.seed(), command);
            System.err.printf("%s: %s, %d experiences, strategy %s%n", c.name(), scenario.name(), scenario.size(), c.strategy().name());
            ExperimentResult result = experiment.runDurably(scenario, dir, resume != null, label -> new Progress(label),
                    System.err::println, Map.of("provenance", provenance), new Experiment.Recording("run", events));
            write(dir, result, provenance);
            return finish(result, dir, signals, "bin/perennial run --resume " + dir);
        }
    }

    /**
     * The directory a run writes ({@code --out}) or continues ({@code --resume}), with its CONFIG required for a new run;
     * {@code command} names the command in the messages.
     */
    static Path runDirectory(String command, String config, Path out, Path resume) {
        if (resume != null && out != null && !out.toAbsolutePath().normalize().equals(resume.toAbsolutePath().normalize())) {
            throw new PerennialException("--resume writes into the run's own directory " + resume + "; drop --out");
        }
        Path dir = resume != null ? resume : out;
        if (dir == null) {
            throw new PerennialException(command + " needs --out DIR for its results (or --resume DIR to continue a run)");
        }
        if (resume == null && config == null) {
            throw new PerennialException(command + " needs a CONFIG (a YAML file or a preset name such as split-fmnist-class-il)");
        }
        return dir;
    }

    /** The run's stored config; a config or --set given on resume may change only operational keys (checkpoint.*). */
    static ExperimentConfig resumedConfig(Path dir, String config, List<String> overrides) {
        Checkpoints.Saved saved = new Checkpoints(dir, 1).latest(w -> System.err.println("warning: " + w));
        if (saved == null) {
            throw new PerennialException("--resume " + dir + ": no valid checkpoint in " + dir.resolve("checkpoints")
                    + "; start the run again with --force");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> stored = (Map<String, Object>) saved.manifest().get("config");
        if (stored == null) {
            throw new PerennialException("--resume " + dir + ": the checkpoint was not written by 'perennial run'");
        }
        ExperimentConfig original = ExperimentConfig.resolve(Registry.global(), stored);
        ExperimentConfig requested = config != null ? ConfigLoader.load(config, Presets.dir(), overrides)
                : ExperimentConfig.resolve(Registry.global(), ConfigLoader.withOverrides(stored, overrides));
        List<String> changed = original.differences(requested);
        if (!changed.isEmpty()) {
            throw new PerennialException("--resume " + dir + ": the config differs from the run's in " + String.join(", ", changed)
                    + "; a resumed run keeps its config (only checkpoint.* may change); start a new run for other values");
        }
        return requested;
    }

    static void write(Path dir, ExperimentResult result, Provenance provenance) {
        write(dir, result, provenance, Map.of());
    }

    /** As {@link #write(Path, ExperimentResult, Provenance)}, with {@code extra} entries in result.json (e.g. "distributed"). */
    static void write(Path dir, ExperimentResult result, Provenance provenance, Map<String, Object> extra) {
        Map<String, Object> json = new java.util.LinkedHashMap<>(result.toJson(provenance));
        json.putAll(extra);
        ResultWriter.write(dir, "result.json", json);
        result.writeMetricsCsv(dir.resolve("metrics.csv"));
        RunReport.write(dir.resolve("report.html"), result.config().name() + " — " + result.strategyName(), result.scenario(),
                result.result(), result.metrics(), ResultWriter.toJson(provenance));
    }

    /** The headline score's short name (ACC, BACC, R2, RMSE, MAE), as the score declares it. */
    static String scoreLabel(ContinualResult r) {
        return Spec.build(Scores.KIND, r.score(), "score").label();
    }

    /** Prints the outcome; the exit code: 0 finished, 130/143 stopped by a signal; a divergence is an error. */
    static int finish(ExperimentResult result, Path dir, Signals signals, String resumeCommand) {
        switch (result.status()) {
            case ExperimentResult.INTERRUPTED -> {
                System.err.println("stopped by SIG" + signals.received() + " after a checkpoint (" + result.checkpoint() + ")");
                System.err.println("resume with: " + resumeCommand);
                return signals.exitCode();
            }
            case ExperimentResult.DIVERGED -> throw new PerennialException(result.message() + "; what was measured before is in "
                    + dir.resolve("result.json") + " (status diverged)" + (result.checkpoint() == null ? ""
                    : "; the last good checkpoint is " + result.checkpoint()));
            default -> {
                Map<String, Object> m = result.metrics();
                // a long stream's headline is whether it still learns at the end
                boolean longStream = result.result().trainedExperiences().length >= 2 * ContinualResult.PLASTICITY_WINDOW;
                String score = scoreLabel(result.result());
                // a time-ordered stream's headline includes how the model did on each window before learning it
                boolean timeOrdered = result.scenario().name().equals(TimeOrdered.TIME_ORDERED.name());
                System.out.printf("%s%s %s  BWT %s  FWT %s  forgetting %s  min-%s %s  WC-%s %s%s%s  (%d steps, %.1f s) -> %s%n",
                        result.status().equals(ExperimentResult.STOPPED) ? "stopped after " + result.result().accuracyMatrix().length
                                + " experiences (training.stop_after): " : "",
                        score, f(m.get("average_accuracy")), f(m.get("bwt")), f(m.get("fwt")), f(m.get("forgetting")), score, f(m.get("min_acc")),
                        score, f(m.get("wc_acc")), timeOrdered ? "  prequential " + f(m.get("prequential")) : "", longStream ? "  plasticity drop " + f(m.get("plasticity_drop")) + " (first " + ContinualResult.PLASTICITY_WINDOW
                                + " − last " + ContinualResult.PLASTICITY_WINDOW + " task-end " + result.result().score() + ")" : "",
                        result.result().compute().steps(), result.result().compute().wallSeconds(), dir.resolve("report.html"));
                return 0;
            }
        }
    }

    static String f(Object v) {
        return v == null ? "n/a" : String.format(java.util.Locale.ROOT, "%.4f", (Double) v);
    }
}
