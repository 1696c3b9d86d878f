package ai.perennial.cli;

import ai.perennial.cl.experiment.Experiment;
import ai.perennial.cl.experiment.ExperimentConfig;
import ai.perennial.cl.scenario.Scenario;
import ai.perennial.cli.config.ConfigLoader;
import ai.perennial.core.PerennialException;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.observe.RunLog;
import ai.perennial.core.run.Provenance;
import ai.perennial.core.state.Checkpointer;
import ai.perennial.core.state.Checkpoints;
import ai.perennial.spark.DistributedRun;
import ai.perennial.spark.LocalSgd;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code perennial spark-train CONFIG --master local[4]}: the run a config describes, trained by K Spark tasks with Local
 * SGD (docs/distributed.md). The distributed flags come from {@link LocalSgd}'s declarations.
 */
@Command(name = "spark-train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run a continual-learning experiment on Apache Spark with Local SGD.",
            "K workers, each on its shard of every experience, average their weights every H local steps (H constant, every step,",
            "or by the Quadratic Synchronization Rule).",
            "Writes what 'run' writes (result.json with a 'distributed' section, metrics.csv, report.html, checkpoints).",
            "Against a cluster: spark-submit --class ai.perennial.cli.Main perennial-spark-app.jar spark-train CONFIG ..."})
public final class SparkTrainCommand implements Callable<Integer>, UsesEngine {
    private final DeclaredOptions declared = new DeclaredOptions();

    @Parameters(paramLabel = "CONFIG", arity = "0..1", description = "YAML file or preset name (see presets/); optional with --resume")
    String config;

    @Option(names = "--master", description = "Spark master: local[K] (the default, K = --workers), local[K,F] (F attempts per task),"
            + " spark://HOST:PORT, yarn, k8s://...; under spark-submit, its --master")
    String master;

    @Option(names = "--out", description = "Output directory (must be empty, or use --force)")
    Path out;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a config value (repeatable)")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--resume", paramLabel = "DIR", description = "Continue the distributed run in DIR from its newest valid checkpoint")
    Path resume;

    @Option(names = "--force", description = "Replace the outputs of an earlier run in --out")
    boolean force;

    @CommandLine.Mixin
    TensorBoardOption tensorboard;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    static void declareOptions(CommandLine command) {
        SparkTrainCommand self = command.getCommand();
        self.declared.section(command.getCommandSpec(), LocalSgd.SECTION, null, null, null, List.of(), LocalSgd.PARAMS);
    }

    @Override
    public Integer call() {
        try {
            return trainDistributed();
        } catch (PerennialException e) {
            throw declared.explain(e); // distributed.KEY: ... names the flag the user typed, --KEY
        }
    }

    private int trainDistributed() {
        Path dir = RunCommand.runDirectory("spark-train", config, out, resume);
        LocalSgd sgd = LocalSgd.of(distributedSettings(dir));
        ExperimentConfig c = resume != null ? RunCommand.resumedConfig(dir, config, overrides) : ConfigLoader.load(config, Presets.dir(), overrides);
        OutputDir.prepare(dir, resume != null, force, RunCommand.OUTPUTS);
        Experiment.Recording recording = new Experiment.Recording("spark-train", tensorboard.prepared());
        String command = "perennial spark-train " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
        Engines.pytorch();
        Scenario scenario = Experiment.of(c).buildScenario();
        Provenance provenance = Provenance.capture(c.resolved(), c.seed(), command);
        try (DistributedRun run = open(c, scenario, sgd); RunLog log = recording.open(dir, c)) {
            if (resume != null && !run.resumeFrom(dir, System.err::println)) {
                throw new PerennialException("--resume " + dir + ": no valid checkpoint in " + dir.resolve("checkpoints"));
            }
            Checkpointer.Policy policy = Checkpointer.Policy.of(c.checkpoint());
            Checkpointer checkpointer = new Checkpointer(new Checkpoints(dir, c.checkpoint().get(Checkpointer.KEEP_LAST)), policy,
                    () -> run.manifest(Map.of("provenance", provenance)), System.err::println);
            try (Signals signals = Signals.install(checkpointer::requestStop)) {
                System.err.printf("%s: %s, %d experiences, strategy %s, %d workers (%s)%n", c.name(), scenario.name(), scenario.size(),
                        c.strategy().name(), sgd.workers(), sgd.sync().equals(LocalSgd.QSR) ? "QSR, H >= " + sgd.localSteps()
                                : "H = " + sgd.localSteps());
                DistributedRun.Result result = run.run(new Progress("training"), checkpointer, policy, log, "spark-train");
                RunCommand.write(dir, result.experiment(), provenance, Map.of(LocalSgd.SECTION, result.distributed()));
                @SuppressWarnings("unchecked")
                Map<String, Object> comm = (Map<String, Object>) result.distributed().get("communication");
                System.err.printf("%d rounds, %.1f s in rounds (%.1f s computing), %.1f MB to workers, %.1f MB back%n",
                        comm.get("rounds"), comm.get("round_seconds"), comm.get("compute_seconds"),
                        ((Long) comm.get("bytes_to_workers")) / 1e6, ((Long) comm.get("bytes_from_workers")) / 1e6);
                return RunCommand.finish(result.experiment(), dir, signals, "bin/perennial spark-train --resume " + dir);
            }
        }
    }

    /** The distributed flags given; on --resume, the run's own settings (from its checkpoint) for those not given. */
    private Map<String, Object> distributedSettings(Path dir) {
        Map<String, Object> given = declared.values(spec.commandLine().getParseResult(), LocalSgd.SECTION);
        if (resume == null) {
            return given;
        }
        Checkpoints.Saved saved = new Checkpoints(dir, 1).latest(w -> { }); // warnings come when the run resumes
        Object stored = saved == null ? null : saved.manifest().get(LocalSgd.SECTION);
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        if (stored instanceof Map<?, ?> m) {
            m.forEach((k, v) -> {
                if (v != null) {
                    out.put((String) k, v);
                }
            });
        }
        out.putAll(given);
        return out;
    }

    /** The run on its own Spark context; Spark's jars come from bin/perennial or spark-submit, not from the CLI's own. */
    private DistributedRun open(ExperimentConfig c, Scenario scenario, LocalSgd sgd) {
        try {
            return DistributedRun.open(master, c, scenario, sgd);
        } catch (NoClassDefFoundError e) {
            throw new PerennialException("spark-train needs Apache Spark on the class path (" + e.getMessage() + " not found); run it"
                    + " with bin/perennial, or with spark-submit and the application jar (docs/distributed.md)");
        }
    }
}
