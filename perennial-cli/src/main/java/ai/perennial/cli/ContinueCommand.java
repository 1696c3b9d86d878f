package ai.perennial.cli;

import ai.perennial.cl.experiment.Experiment;
import ai.perennial.cl.experiment.ExperimentConfig;
import ai.perennial.cl.experiment.ExperimentResult;
import ai.perennial.cli.config.ConfigLoader;
import ai.perennial.core.PerennialException;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.registry.Registry;
import ai.perennial.core.run.Provenance;
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

/** {@code perennial continue DIR}: a finished run's model and strategy state learn further experiences. */
@Command(name = "continue", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Continue a finished run on more experiences.",
            "Its model, optimizer and strategy state (memories, importances, heads) learn further experiences and the accuracy",
            "matrix grows. With the same stream (a run stopped by training.stop_after) the result equals one uninterrupted run;",
            "with another stream its experiences follow the old ones."})
public final class ContinueCommand implements Callable<Integer>, UsesEngine {
    @Parameters(paramLabel = "DIR", description = "A finished run's directory (from 'perennial run')")
    Path from;

    @Option(names = "--config", paramLabel = "CONFIG", description = "The config to continue with (default: the run's own, e.g. with"
            + " --set training.stop_after=0 to train the rest of its stream)")
    String config;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a value of the config (repeatable)")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--out", required = true, description = "Output directory of the continued run (must be empty, or use --force)")
    Path out;

    @Option(names = "--force", description = "Replace the outputs of an earlier run in --out")
    boolean force;

    @Mixin
    TensorBoardOption tensorboard;

    @Override
    public Integer call() {
        if (from.toAbsolutePath().normalize().equals(out.toAbsolutePath().normalize())) {
            throw new PerennialException("continue writes a new run: choose an --out other than " + from);
        }
        Checkpoints.Saved saved = new Checkpoints(from, 1).latest(w -> System.err.println("warning: " + w));
        if (saved == null || !"continual-run".equals(saved.manifest().get("kind"))) {
            throw new PerennialException("continue " + from + ": no valid checkpoint of a 'perennial run' in " + from.resolve("checkpoints"));
        }
        Object status = saved.manifest().get("status");
        if (!ExperimentResult.COMPLETE.equals(status) && !ExperimentResult.STOPPED.equals(status)) {
            throw new PerennialException("continue " + from + ": the run is not finished (its newest checkpoint is " + status
                    + "); finish it with 'perennial run --resume " + from + "' first");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> stored = (Map<String, Object>) saved.manifest().get("config");
        ExperimentConfig previous = ExperimentConfig.resolve(Registry.global(), stored);
        ExperimentConfig next = config != null ? ConfigLoader.load(config, Presets.dir(), overrides)
                : ExperimentConfig.resolve(Registry.global(), ConfigLoader.withOverrides(stored, overrides));
        OutputDir.prepare(out, false, force, RunCommand.OUTPUTS);
        Path events = tensorboard.prepared();
        String command = "perennial continue " + from + (config == null ? "" : " --config " + config)
                + overrides.stream().map(o -> " --set " + o).reduce("", String::concat) + " --out " + out;
        Experiment experiment = Experiment.of(next);
        try (Signals signals = Signals.install(experiment::requestStop)) {
            Engines.pytorch();
            Provenance provenance = Provenance.capture(next.resolved(), next.seed(), command);
            ExperimentResult result = experiment.continueDurably(saved, previous, out, label -> new Progress(label), System.err::println,
                    Map.of("provenance", provenance, "continued_from", saved.dir().toString()), new Experiment.Recording("continue", events));
            RunCommand.write(out, result, provenance);
            return RunCommand.finish(result, out, signals, "bin/perennial run --resume " + out);
        }
    }
}
