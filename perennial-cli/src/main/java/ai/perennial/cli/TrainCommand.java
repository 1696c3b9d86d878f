package ai.perennial.cli;

import ai.djl.ndarray.NDManager;
import ai.perennial.cl.experiment.ExperimentConfig;
import ai.perennial.core.PerennialException;
import ai.perennial.core.averaging.WeightAverage;
import ai.perennial.core.data.DataSources;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.model.Model;
import ai.perennial.core.optim.Optimizer;
import ai.perennial.core.optim.OptimizerConfig;
import ai.perennial.core.optim.Optimizers;
import ai.perennial.core.registry.Chosen;
import ai.perennial.core.registry.Compatibility;
import ai.perennial.core.registry.Registry;
import ai.perennial.core.registry.Values;
import ai.perennial.core.run.Provenance;
import ai.perennial.core.run.ResultWriter;
import ai.perennial.core.run.Seeds;
import ai.perennial.core.train.Evaluator;
import ai.perennial.core.train.GradientNormLog;
import ai.perennial.core.train.TrainStats;
import ai.perennial.core.train.Trainer;
import ai.perennial.core.train.TrainingHook;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * {@code perennial train}: one model, one data set, one optimizer; writes {@code result.json}. The data set, model and
 * optimizer flags and their parameters come from the registry ({@link DeclaredOptions}).
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Train a classifier on a data set and write DIR/result.json.")
public final class TrainCommand implements Callable<Integer> {
    private final DeclaredOptions declared = new DeclaredOptions();

    @Option(names = "--log-grad-norms", description = "Write DIR/grad_norms.csv (mean squared gradient norm per 10 steps) for a later '--schedule refined:file=...'")
    boolean logGradNorms;

    @Option(names = "--max-steps", defaultValue = "-1", description = "Stop after this many steps (-1: no cap)")
    long maxSteps;

    @Option(names = "--seed", defaultValue = "1", description = "Run seed (init, shuffling, synthetic data). Default: ${DEFAULT-VALUE}")
    long seed;

    @Option(names = "--out", required = true, description = "Output directory for result.json")
    Path out;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** Adds the flags derived from the registry to {@code command} (a TrainCommand). */
    static void declareOptions(CommandLine command) {
        TrainCommand train = command.getCommand();
        declareSections(train.declared, command.getCommandSpec(), ExperimentConfig.DEFAULTS.get("optimizer"),
                OptimizerConfig.sharedParams(Registry.global()));
        train.declared.section(command.getCommandSpec(), "training", null, null, null, List.of(), ExperimentConfig.TRAINING_PARAMS);
    }

    /** The dataset, model and optimizer flags that train and lr-find share. */
    static void declareSections(DeclaredOptions declared, picocli.CommandLine.Model.CommandSpec spec, String defaultOptimizer,
            List<ai.perennial.core.registry.Param<?>> optimizerShared) {
        Registry r = Registry.global();
        declared.section(spec, "dataset", "--dataset", ExperimentConfig.DEFAULTS.get("dataset"), "Data set", r.all(DataSources.KIND),
                List.of());
        declared.section(spec, "model", "--model", ExperimentConfig.DEFAULTS.get("model"), "Model", r.all(Model.KIND), List.of());
        declared.section(spec, "optimizer", "--optimizer", defaultOptimizer, "Optimizer recipe", r.all(Optimizers.KIND),
                optimizerShared);
    }

    /** The chosen data source, model and optimizer, checked together. */
    record Setup(Chosen<Long, DataSources.Split> dataset, Chosen<Model.Context, Model> model, OptimizerConfig optimizer) {
        static Setup resolve(DeclaredOptions declared, CommandLine.ParseResult parsed) {
            Registry r = Registry.global();
            try {
                Map<String, Object> data = declared.values(parsed, "dataset");
                Map<String, Object> model = declared.values(parsed, "model");
                Setup s = new Setup(Chosen.of(r, DataSources.KIND, (String) data.remove("name"), data, "dataset"),
                        Chosen.of(r, Model.KIND, (String) model.remove("name"), model, "model"),
                        OptimizerConfig.resolve(r, declared.values(parsed, "optimizer"), "optimizer"));
                Compatibility.check(List.of(s.dataset().part(), s.model().part()));
                return s;
            } catch (PerennialException e) {
                throw declared.explain(e);
            }
        }

        Map<String, Object> resolved() {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("dataset", withName(dataset));
            out.put("model", withName(model));
            out.put("optimizer", optimizer.resolved());
            return out;
        }

        private static Map<String, Object> withName(Chosen<?, ?> c) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", c.name());
            m.putAll(c.values().asMap());
            return m;
        }
    }

    @Override
    public Integer call() {
        CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
        Setup setup = Setup.resolve(declared, parsed);
        Values training;
        try {
            training = Values.resolve(ExperimentConfig.TRAINING_PARAMS, declared.values(parsed, "training"), "training", "training");
        } catch (PerennialException e) {
            throw declared.explain(e);
        }
        int epochs = training.get(ExperimentConfig.EPOCHS);
        int batchSize = training.get(ExperimentConfig.BATCH_SIZE);
        String average = training.get(ExperimentConfig.AVERAGE);
        Trainer.Options options = new Trainer.Options(epochs, batchSize, Seeds.derive(seed, "shuffle"), 50, maxSteps);
        Engines.pytorch();
        DataSources.Split data = setup.dataset().build(Seeds.derive(seed, "data"));

        Map<String, Object> config = new LinkedHashMap<>();
        config.put("command", "train");
        config.putAll(setup.resolved());
        config.put("training", training.asMap());
        config.put("max_steps", maxSteps);
        config.put("seed", seed);
        WeightAverage averager = average == null ? null : WeightAverage.parse(average);
        Provenance provenance = Provenance.capture(config, seed, "perennial " + String.join(" ", rawArgs()));
        String optimizer = setup.optimizer().name();

        long start = System.nanoTime();
        try (NDManager manager = NDManager.newBaseManager()) {
            Model net = setup.model().build(new Model.Context(manager, data.train().sampleShape(), data.train().numClasses(), 1,
                    Seeds.derive(seed, "init")));
            long totalSteps = Trainer.stepsFor(data.train().size(), options);
            Optimizer opt = new Optimizer(optimizer, setup.optimizer().build(totalSteps, Seeds.derive(seed, "optimizer-noise")),
                    net.parameters());
            List<TrainingHook> hooks = new ArrayList<>();
            if (averager != null) {
                hooks.add(averager);
            }
            GradientNormLog normLog = logGradNorms ? new GradientNormLog(10) : null;
            if (normLog != null) {
                hooks.add(normLog);
            }
            Trainer trainer = new Trainer(net, opt, hooks, manager);
            System.err.printf("training %s (%,d parameters) on %s: %,d samples, %d steps, %s lr %g%n",
                    net.describe(), net.parameterCount(), data.train().name(), data.train().size(), totalSteps, optimizer,
                    setup.optimizer().lr());
            TrainStats stats = trainer.train(data.train(), 0, options, new Progress("train"));
            double accuracy = Evaluator.accuracy(net, data.test(), 1000, manager);
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("test_accuracy", accuracy);
            Double averaged = averager == null ? null
                    : averager.withAveragedWeights(net, () -> Evaluator.accuracy(net, data.test(), 1000, manager));
            if (averaged != null) {
                result.put("test_accuracy_averaged", averaged);
                result.put("average", averager.describe());
            }
            result.put("train_loss", stats.meanLoss());
            result.put("steps", stats.steps());
            result.put("samples", stats.samples());
            result.put("train_seconds", stats.wallSeconds());
            result.put("wall_seconds", (System.nanoTime() - start) / 1e9);
            result.put("samples_per_second", stats.samplesPerSecond());
            result.put("model", net.describe());
            result.put("parameters", net.parameterCount());
            result.put("provenance", provenance);
            Path file = ResultWriter.write(out, "result.json", result);
            if (normLog != null) {
                normLog.write(out.resolve("grad_norms.csv"));
            }
            System.out.printf("test_accuracy %.4f%s  train_loss %.4f  steps %d  %.0f samples/s  -> %s%n", accuracy,
                    averaged == null ? "" : String.format("  test_accuracy_averaged %.4f (%s)", averaged, averager.describe()),
                    stats.meanLoss(), stats.steps(), stats.samplesPerSecond(), file);
        }
        return 0;
    }

    /** The whole command line as typed, subcommand included. */
    private List<String> rawArgs() {
        return spec.root().commandLine().getParseResult().originalArgs();
    }
}
