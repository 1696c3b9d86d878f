package ai.perennial.cli;

import ai.djl.ndarray.NDManager;
import ai.perennial.cl.experiment.ExperimentConfig;
import ai.perennial.core.PerennialException;
import ai.perennial.core.averaging.WeightAverage;
import ai.perennial.core.data.DataSources;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.lowrank.Lora;
import ai.perennial.core.lowrank.LoraModel;
import ai.perennial.core.model.Model;
import ai.perennial.core.model.Parameter;
import ai.perennial.core.model.Parameters;
import ai.perennial.core.observe.RunLog;
import ai.perennial.core.optim.GradientTransform;
import ai.perennial.core.optim.Optimizer;
import ai.perennial.core.optim.OptimizerConfig;
import ai.perennial.core.optim.Optimizers;
import ai.perennial.core.precision.Precision;
import ai.perennial.core.precision.QuantizedLayers;
import ai.perennial.core.registry.Chosen;
import ai.perennial.core.registry.Compatibility;
import ai.perennial.core.registry.Registry;
import ai.perennial.core.registry.Values;
import ai.perennial.core.run.Provenance;
import ai.perennial.core.run.ResultWriter;
import ai.perennial.core.run.Seeds;
import ai.perennial.core.schedule.Schedule;
import ai.perennial.core.sparsity.Pruning;
import ai.perennial.core.state.Checkpointable;
import ai.perennial.core.state.Checkpointer;
import ai.perennial.core.state.Checkpoints;
import ai.perennial.core.state.StateDict;
import ai.perennial.core.train.DivergedException;
import ai.perennial.core.train.Evaluator;
import ai.perennial.core.train.Losses;
import ai.perennial.core.train.Scores;
import ai.perennial.core.train.GradientNormLog;
import ai.perennial.core.train.ProgressListener;
import ai.perennial.core.train.TrainStats;
import ai.perennial.core.train.Augmentation;
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
public final class TrainCommand implements Callable<Integer>, UsesEngine {
    private final DeclaredOptions declared = new DeclaredOptions();

    @Option(names = "--log-grad-norms", description = "Write DIR/grad_norms.csv (mean squared gradient norm per 10 steps) for a later '--schedule refined:file=...'")
    boolean logGradNorms;

    @Option(names = "--max-steps", defaultValue = "-1", description = "Stop after this many steps (-1: no cap)")
    long maxSteps;

    @Option(names = "--seed", defaultValue = "1", description = "Run seed (init, shuffling, synthetic data). Default: ${DEFAULT-VALUE}")
    long seed;

    @Option(names = "--init-from", paramLabel = "MODEL", description = "Start from the weights of MODEL.safetensors (from 'perennial export')"
            + " instead of a random initialization, e.g. to fine-tune a trained model in another precision")
    Path initFrom;

    @Option(names = "--out", description = "Output directory for result.json and checkpoints (must be empty, or use --force)")
    Path out;

    @Option(names = "--resume", paramLabel = "DIR", description = "Continue the run in DIR from its newest valid checkpoint")
    Path resume;

    @Option(names = "--force", description = "Replace the outputs of an earlier run in --out")
    boolean force;

    @picocli.CommandLine.Mixin
    TensorBoardOption tensorboard;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** Adds the flags derived from the registry to {@code command} (a TrainCommand). */
    static void declareOptions(CommandLine command) {
        TrainCommand train = command.getCommand();
        declareSections(train.declared, command.getCommandSpec(), ExperimentConfig.DEFAULTS.get("optimizer"),
                OptimizerConfig.sharedParams(Registry.global()));
        train.declared.section(command.getCommandSpec(), "training", null, null, null, List.of(), ExperimentConfig.TRAINING_PARAMS);
        train.declared.section(command.getCommandSpec(), "checkpoint", null, null, null, List.of(), Checkpointer.PARAMS, "checkpoint-");
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

    /** Everything that defines a train run; stored in its checkpoints, so {@code --resume} needs nothing else. */
    record TrainConfig(Setup setup, Values training, long seed, long maxSteps, boolean logGradNorms, String initFrom) {
        Map<String, Object> resolved() {
            Map<String, Object> config = new LinkedHashMap<>();
            config.put("command", "train");
            config.putAll(setup.resolved());
            config.put("training", training.asMap());
            config.put("max_steps", maxSteps);
            config.put("seed", seed);
            config.put("log_grad_norms", logGradNorms);
            if (initFrom != null) {
                config.put("init_from", initFrom);
            }
            return config;
        }

        @SuppressWarnings("unchecked")
        static TrainConfig of(Map<String, Object> stored) {
            Registry r = Registry.global();
            Map<String, Object> data = new LinkedHashMap<>((Map<String, Object>) stored.get("dataset"));
            Map<String, Object> model = new LinkedHashMap<>((Map<String, Object>) stored.get("model"));
            Setup setup = new Setup(Chosen.of(r, DataSources.KIND, (String) data.remove("name"), data, "dataset"),
                    Chosen.of(r, Model.KIND, (String) model.remove("name"), model, "model"),
                    OptimizerConfig.resolve(r, (Map<String, Object>) stored.get("optimizer"), "optimizer"));
            Values training = Values.resolve(ExperimentConfig.TRAINING_PARAMS, (Map<String, Object>) stored.get("training"), "training",
                    "training");
            return new TrainConfig(setup, training, ((Number) stored.get("seed")).longValue(), ((Number) stored.get("max_steps")).longValue(),
                    Boolean.TRUE.equals(stored.get("log_grad_norms")), (String) stored.get("init_from"));
        }
    }

    /** One train run as something a checkpoint can hold: the trainer (model, optimizer, hooks, position) is all of it. */
    private record TrainRun(Trainer trainer, Model model) implements Checkpointable {
        @Override
        public StateDict exportState() {
            return trainer.exportState();
        }

        @Override
        public long globalStep() {
            return trainer.context().globalStep();
        }

        @Override
        public Map<String, Object> cursor() {
            return Map.of("global_step", globalStep(), "inside_experience", trainer.insideExperience());
        }

        @Override
        public void checkFinite() {
            for (Parameter p : model.parameters()) {
                if (!Float.isFinite(p.array().stopGradient().abs().sum().getFloat())) {
                    throw new DivergedException("parameter " + p.name() + " became non-finite", globalStep());
                }
            }
        }
    }

    @Override
    public Integer call() {
        CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
        Path dir = resume != null ? resume : out;
        if (dir == null) {
            throw new PerennialException("train needs --out DIR for its results (or --resume DIR to continue a run)");
        }
        TrainConfig config;
        Checkpoints.Saved saved = null;
        Values checkpoint;
        try {
            checkpoint = Values.resolve(Checkpointer.PARAMS, declared.values(parsed, "checkpoint"), "checkpoint", "checkpoints");
        } catch (PerennialException e) {
            throw declared.explain(e);
        }
        if (resume != null) {
            List<String> given = parsed.matchedOptions().stream().map(o -> o.longestName())
                    .filter(n -> !n.equals("--resume") && !n.startsWith("--checkpoint-")).toList();
            if (!given.isEmpty()) {
                throw new PerennialException("train --resume takes its settings from the checkpoint; drop " + String.join(", ", given));
            }
            saved = new Checkpoints(dir, 1).latest(w -> System.err.println("warning: " + w));
            if (saved == null || !"train".equals(saved.manifest().get("kind"))) {
                throw new PerennialException("--resume " + dir + ": no valid 'perennial train' checkpoint in " + dir.resolve("checkpoints")
                        + "; start again with --force");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> stored = (Map<String, Object>) saved.manifest().get("config");
            config = TrainConfig.of(stored);
        } else {
            Setup setup = Setup.resolve(declared, parsed);
            Values training;
            try {
                training = Values.resolve(ExperimentConfig.TRAINING_PARAMS, declared.values(parsed, "training"), "training", "training");
            } catch (PerennialException e) {
                throw declared.explain(e);
            }
            config = new TrainConfig(setup, training, seed, maxSteps, logGradNorms,
                    initFrom == null ? null : initFrom.toAbsolutePath().normalize().toString());
        }
        Setup setup = config.setup();
        long runSeed = config.seed();
        int epochs = config.training().get(ExperimentConfig.EPOCHS);
        int batchSize = config.training().get(ExperimentConfig.BATCH_SIZE);
        String average = config.training().get(ExperimentConfig.AVERAGE);
        Trainer.Options options = new Trainer.Options(epochs, batchSize, Seeds.derive(runSeed, "shuffle"), 50, config.maxSteps());
        OutputDir.prepare(dir, resume != null, force, List.of("result.json", "grad_norms.csv", "checkpoints", RunLog.FILE));
        Path events = tensorboard.prepared();
        Engines.pytorch();
        DataSources.Split data = setup.dataset().build(Seeds.derive(runSeed, "data"));
        String command = "perennial " + String.join(" ", rawArgs());
        Provenance provenance = Provenance.capture(config.resolved(), runSeed, command);
        WeightAverage averager = average == null ? null : WeightAverage.parse(average);
        String prune = config.training().get(ExperimentConfig.PRUNE);
        Pruning pruning = prune == null ? null : Pruning.parse(prune);
        String optimizer = setup.optimizer().name();
        Lora lora = Lora.of(config.training().get(Lora.SETTINGS));
        Precision precision = Precision.parse(config.training().get(ExperimentConfig.PRECISION));
        ExportedModel init = saved == null && config.initFrom() != null ? exported(config.initFrom()) : null;
        if (init != null) {
            init.checkData(data.train(), "--init-from " + config.initFrom());
            if (!init.model().equals(setup.resolved().get("model")) || init.outputs() != data.train().numClasses() || init.heads() != 1) {
                throw new PerennialException("--init-from " + config.initFrom() + ": the exported model is " + init.model() + " with "
                        + init.outputs() + " outputs; this run builds " + setup.resolved().get("model") + " with "
                        + data.train().numClasses() + "; give the same --model options");
            }
        }

        try (NDManager manager = NDManager.newBaseManager(); Signals signals = Signals.install(this::requestStop);
                RunLog runLog = RunLog.open(dir, events)) {
            Model built = setup.model().build(new Model.Context(manager, data.train().sampleShape(), data.train().numClasses(), 1,
                    Seeds.derive(runSeed, "init")));
            if (init != null) {
                init.loadInto(built, manager);
            }
            Model net = lora == null ? built : lora.wrap(built, Seeds.derive(runSeed, "lora-init"));
            long totalSteps = Trainer.stepsFor(data.train().size(), options);
            GradientTransform recipe = setup.optimizer().build(totalSteps, Seeds.derive(runSeed, "optimizer-noise"));
            Optimizer opt = new Optimizer(optimizer, lora == null ? recipe : lora.optimizer(recipe), net.parameters());
            List<TrainingHook> hooks = new ArrayList<>();
            if (lora != null) {
                hooks.add(lora.training((LoraModel) net, Seeds.derive(runSeed, "lora-restarts")));
            }
            if (pruning != null) {
                hooks.add(pruning); // first: the average and the gradient log see the pruned weights
            }
            if (averager != null) {
                hooks.add(averager);
            }
            GradientNormLog normLog = config.logGradNorms() ? new GradientNormLog(10) : null;
            if (normLog != null) {
                hooks.add(normLog);
            }
            QuantizedLayers quantized = precision.attach(net, Seeds.derive(runSeed, "precision"));
            if (quantized != null) {
                hooks.add(quantized);
            }
            Augmentation augmentation = Augmentation.of(config.training().get(ExperimentConfig.AUGMENT), runSeed);
            augmentation.checkInputs(data.train().sampleShape(), "the data set");
            Trainer trainer = new Trainer(net, opt, hooks, manager, Losses.of(config.training().get(ExperimentConfig.LOSS), data.train()),
                    augmentation);
            TrainRun run = new TrainRun(trainer, net);
            Map<String, Object> manifest = new LinkedHashMap<>();
            manifest.put("kind", "train");
            manifest.put("config", config.resolved());
            manifest.put("provenance", provenance);
            manifest.put("model", modelInfo(setup, data, net));
            manifest.put("inputs", DataSources.inputs(data.train()));
            Checkpoints store = new Checkpoints(dir, checkpoint.get(Checkpointer.KEEP_LAST));
            Checkpointer checkpointer = new Checkpointer(store, Checkpointer.Policy.of(checkpoint), () -> manifest, System.err::println);
            this.checkpointer = checkpointer;
            if (stopRequested) {
                checkpointer.requestStop();
            }
            boolean trainedBefore = false;
            if (saved != null) {
                trainer.importState(saved.state(), data.train());
                trainedBefore = !trainer.insideExperience();
                System.err.println("resuming from " + saved.dir() + " (step " + saved.step() + ")");
            }
            long frozen = net.frozen().stream().mapToLong(p -> p.array().getShape().size()).sum();
            System.err.printf("training %s (%,d parameters%s) on %s: %,d samples, %d steps, %s lr %g%n",
                    net.describe(), net.parameterCount(), frozen == 0 ? "" : String.format(" trained, %,d frozen", frozen), data.train().name(),
                    data.train().size(), totalSteps, optimizer, setup.optimizer().lr());
            // classification reports test_accuracy, regression test_r2: the data's usual score
            Scores.Score score = Scores.of(null, data.train());
            String scoreKey = "test_" + Scores.name(null, data.train());
            // a fine-tune's starting point, measured in the run's own precision
            Double initialScore = init == null ? null : Evaluator.score(net, data.test(), score, 1000, manager);
            long start = System.nanoTime();
            TrainStats stats;
            runLog.start("train", net.describe() + " on " + data.train().name() + ", seed " + runSeed, config.resolved(), totalSteps);
            Schedule learningRate = setup.optimizer().learningRate(totalSteps);
            Progress shown = new Progress("train");
            ProgressListener progress = (done, total, loss) -> {
                shown.onProgress(done, total, loss);
                runLog.trainingReport(trainer.context().globalStep(), loss, learningRate);
            };
            try {
                Trainer.StepListener listener = t -> checkpointer.afterStep(run);
                stats = trainedBefore ? null : saved != null ? trainer.resume(data.train(), options, progress, listener)
                        : trainer.train(data.train(), 0, options, progress, listener);
            } catch (Checkpointer.StopRequestedException e) {
                runLog.end("stopped", null);
                System.err.println("stopped by SIG" + signals.received() + " after a checkpoint (" + e.checkpoint() + ")");
                System.err.println("resume with: bin/perennial train --resume " + dir);
                return signals.exitCode();
            } catch (DivergedException e) {
                runLog.end("failed", e.getMessage());
                Map<String, Object> result = new LinkedHashMap<>();
                result.put("status", "diverged");
                result.put("message", e.getMessage());
                result.put("diverged_at_step", e.step());
                result.put("checkpoint", checkpointer.lastSaved() == null ? null : checkpointer.lastSaved().toString());
                result.put("loss_curve", losses(trainer));
                result.put("provenance", provenance);
                ResultWriter.write(dir, "result.json", result);
                throw new PerennialException(e.getMessage() + "; " + dir.resolve("result.json") + " has the loss curve (status diverged)"
                        + (checkpointer.lastSaved() == null ? "" : "; the last good checkpoint is " + checkpointer.lastSaved()));
            }
            Path last = checkpointer.save(run, "complete", true);
            store.prunePinnedOnly();
            double accuracy = Evaluator.score(net, data.test(), score, 1000, manager);
            long step = trainer.context().globalStep();
            runLog.evaluation(step, new double[][] {{accuracy}}, new int[] {0}, Scores.name(null, data.train()));
            runLog.weights(step, net.parameters());
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("status", "complete");
            result.put(scoreKey, accuracy);
            if (initialScore != null) {
                result.put(scoreKey + "_initial", initialScore);
            }
            result.put("precision", precision.describe());
            if (quantized != null && !quantized.diagnostics().isEmpty()) {
                result.put("gradient_noise", quantized.diagnostics());
            }
            Double averaged = averager == null ? null
                    : averager.withAveragedWeights(net, data.train(), batchSize, manager, () -> Evaluator.score(net, data.test(), score, 1000,
                            manager));
            if (averaged != null) {
                result.put(scoreKey + "_averaged", averaged);
                result.put("average", averager.describe());
            }
            if (pruning != null) {
                result.put("pruning", pruning.describe());
                result.put("sparsity", pruning.sparsityByLayer(net.parameters()));
            }
            List<Trainer.LossPoint> losses = trainer.losses();
            double trainLoss = stats != null ? stats.meanLoss() : losses.isEmpty() ? Double.NaN : losses.get(losses.size() - 1).loss();
            result.put("train_loss", trainLoss);
            result.put("steps", trainer.context().globalStep());
            result.put("samples", stats == null ? null : stats.samples());
            result.put("train_seconds", stats == null ? null : stats.wallSeconds());
            result.put("wall_seconds", (System.nanoTime() - start) / 1e9);
            result.put("samples_per_second", stats == null ? null : stats.samplesPerSecond());
            result.put("optimizer_state_bytes", opt.stateBytes());
            result.put("model", net.describe());
            result.put("parameters", net.parameterCount());
            result.put("frozen_parameters", frozen);
            if (lora != null) {
                result.put(Lora.LORA.name(), lora.describe());
            }
            result.put("weights_sha256", Parameters.sha256(net));
            result.put("loss_curve", losses(trainer));
            result.put("checkpoint", last.toString());
            result.put("provenance", provenance);
            Path file = ResultWriter.write(dir, "result.json", result);
            if (normLog != null) {
                normLog.write(dir.resolve("grad_norms.csv"));
            }
            System.out.printf("%s %.4f%s  train_loss %.4f  steps %d  %.0f samples/s  -> %s%n", scoreKey, accuracy,
                    averaged == null ? "" : String.format("  %s_averaged %.4f (%s)", scoreKey, averaged, averager.describe()),
                    trainLoss, trainer.context().globalStep(), stats == null ? 0 : stats.samplesPerSecond(), file);
            runLog.end("finished", null);
        }
        return 0;
    }

    /** The model {@code --init-from} names, its problems reported under that flag. */
    private static ExportedModel exported(String file) {
        try {
            return ExportedModel.open(Path.of(file));
        } catch (PerennialException e) {
            throw new PerennialException(e.getMessage().replaceFirst("^MODEL( spec)? ", "--init-from "), e);
        }
    }

    private static Map<String, Object> losses(Trainer trainer) {
        return Map.of("steps", trainer.losses().stream().mapToLong(Trainer.LossPoint::step).toArray(),
                "losses", trainer.losses().stream().mapToDouble(Trainer.LossPoint::loss).toArray());
    }

    /** What 'perennial export' needs to rebuild the network elsewhere (the same layout as a continual run's). */
    static Map<String, Object> modelInfo(Setup setup, DataSources.Split data, Model net) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("spec", setup.resolved().get("model"));
        m.put("outputs", data.train().numClasses());
        m.put("heads", net.numHeads());
        m.put("parameters", net.parameters().stream().map(Parameter::name).toList());
        m.put("buffers", net.buffers().stream().map(Parameter::name).toList());
        return m;
    }

    private volatile Checkpointer checkpointer;
    private volatile boolean stopRequested;

    private void requestStop() {
        stopRequested = true;
        Checkpointer c = checkpointer;
        if (c != null) {
            c.requestStop();
        }
    }

    /** The whole command line as typed, subcommand included. */
    private List<String> rawArgs() {
        return spec.root().commandLine().getParseResult().originalArgs();
    }
}
