package ai.perennial.cl.experiment;

import ai.perennial.cl.run.ContinualResult;
import ai.perennial.cl.run.ContinualRun;
import ai.perennial.cl.run.ContinualRunLog;
import ai.perennial.cl.run.ContinualRunner;
import ai.perennial.cl.scenario.Scenario;
import ai.perennial.cl.scenario.Scenarios;
import ai.perennial.cl.strategy.Strategy;
import ai.perennial.core.PerennialException;
import ai.perennial.core.data.DataSources;
import ai.perennial.core.data.Dataset;
import ai.perennial.core.lowrank.Lora;
import ai.perennial.core.model.Model;
import ai.perennial.core.observe.RunLog;
import ai.perennial.core.optim.OptimizerFactory;
import ai.perennial.core.registry.Compatibility;
import ai.perennial.core.registry.Registry;
import ai.perennial.core.registry.Trait;
import ai.perennial.core.run.Seeds;
import ai.perennial.core.run.Startup;
import ai.perennial.core.state.Checkpointer;
import ai.perennial.core.state.Checkpoints;
import ai.perennial.core.state.StateDict;
import ai.perennial.core.train.DivergedException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A continual-learning experiment assembled in code: data, a stream over it, a model, an optimizer, a strategy and the
 * evaluation protocol. Every part is either a registered component chosen by name with its parameters (checked as in a
 * config file) or the program's own object: its own {@link Dataset}s, {@link Scenario}, model, gradient-transform chain
 * or {@link Strategy}. The command line builds its runs the same way.
 *
 * <pre>{@code
 * ExperimentResult r = Experiment.builder()
 *         .dataset("gaussian-clusters", Map.of())
 *         .scenario("split", Map.of("classes_per_experience", 2))
 *         .strategy("ewc", Map.of("lambda", 500))
 *         .build()
 *         .run();
 * }</pre>
 */
public final class Experiment {
    private final ExperimentConfig config;
    private final DataSources.Split data;
    private final Scenario scenario;
    private final Function<Model.Context, Model> model;
    private final OptimizerFactory optimizer;
    private final Strategy strategy;
    private volatile Checkpointer checkpointer;
    private volatile boolean stopRequested;

    private Experiment(ExperimentConfig config, DataSources.Split data, Scenario scenario, Function<Model.Context, Model> model,
            OptimizerFactory optimizer, Strategy strategy) {
        this.config = config;
        this.data = data;
        this.scenario = scenario;
        this.model = model;
        this.optimizer = optimizer;
        this.strategy = strategy;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The experiment a resolved config describes. */
    public static Experiment of(ExperimentConfig config) {
        return new Experiment(config, null, null, null, null, null);
    }

    public ExperimentConfig config() {
        return config;
    }

    /** Builds the stream: the program's own, or the configured scenario over the configured (or given) data. */
    public Scenario buildScenario() {
        if (scenario != null) {
            return scenario;
        }
        long seed = config.seed();
        DataSources.Split split = data != null ? data : config.dataset().build(Seeds.derive(seed, "data"));
        Scenario built = config.scenario().build(new Scenario.Context(split, Seeds.derive(seed, "scenario")));
        Startup.process().mark(Startup.DATA);
        return built;
    }

    /** Builds the stream and runs the experiment without progress output. */
    public ExperimentResult run() {
        return run(buildScenario(), ContinualRunner.ProgressFactory.NONE);
    }

    /** Builds the stream and runs the experiment, reporting each training round to {@code progress}. */
    public ExperimentResult run(ContinualRunner.ProgressFactory progress) {
        return run(buildScenario(), progress);
    }

    /** Runs on {@code stream}, already built by {@link #buildScenario} (e.g. one stream shared by several runs). */
    public ExperimentResult run(Scenario stream, ContinualRunner.ProgressFactory progress) {
        try (ContinualRun run = open(stream)) {
            ContinualResult result = run.run(progress, ContinualRun.Listener.NONE, until());
            return new ExperimentResult(config, stream, run.strategyName(), result, run.finished() ? ExperimentResult.COMPLETE
                    : ExperimentResult.STOPPED, null, null);
        }
    }

    /**
     * Runs on {@code stream} in {@code dir}, saving checkpoints as the config's {@code checkpoint} section says, and, when
     * {@code resume} is set, continuing from the newest checkpoint there that verifies (each newer broken one is
     * reported to {@code log}). The run's end is saved as a pinned final checkpoint (for {@code continue} and
     * {@code export}); the others are pruned then. A divergence ends the run with status {@code diverged} and what was
     * measured before it; {@link #requestStop} (a signal) ends it with status {@code interrupted} right after a
     * checkpoint. {@code info} goes into every manifest (e.g. provenance); the resolved config always does.
     */
    public ExperimentResult runDurably(Scenario stream, Path dir, boolean resume, ContinualRunner.ProgressFactory progress,
            Consumer<String> log, Map<String, Object> info, Recording recording) {
        StateDict start = null;
        if (resume) {
            Checkpoints.Saved saved = new Checkpoints(dir, 1).latest(w -> log.accept("warning: " + w));
            if (saved == null) {
                throw new PerennialException("nothing to resume in " + dir + ": no valid checkpoint in " + dir.resolve("checkpoints")
                        + "; start the run again without --resume");
            }
            start = saved.state();
            log.accept("resuming from " + saved.dir() + " (step " + saved.step() + ")");
        }
        return runDurably(stream, dir, start, progress, log, info, recording);
    }

    /**
     * How a durable run is recorded as it goes, besides its checkpoints ({@link RunLog}): {@code command} names what
     * started it in the metrics log, {@code tensorboard} is where TensorBoard event files go, or null for
     * {@code RUN_DIR/tensorboard} when the config's {@code logging.tensorboard} is on and none otherwise.
     */
    public record Recording(String command, Path tensorboard) {
        /** The run's log in {@code runDir}, with event files where this recording or {@code config}'s logging section says. */
        public RunLog open(Path runDir, ExperimentConfig config) {
            return RunLog.open(runDir, tensorboard != null ? tensorboard
                    : config.logging().get(RunLog.TENSORBOARD) ? runDir.resolve(RunLog.TENSORBOARD_DIR) : null);
        }
    }

    /**
     * Continues the finished run saved in {@code from} (made with {@code previous}) on this experiment's stream, in
     * {@code dir}. When this experiment's stream is the previous one (same seed, data and scenario), training goes on
     * with its next experiences, so a run stopped with {@code training.stop_after} and continued here ends exactly as a
     * run that never stopped. Otherwise the new experiences follow the previous ones: the model, optimizer and strategy
     * state carry over, and the accuracy matrix covers old and new experiences (rows before the new ones are "not
     * measured" on them).
     */
    public ExperimentResult continueDurably(Checkpoints.Saved from, ExperimentConfig previous, Path dir,
            ContinualRunner.ProgressFactory progress, Consumer<String> log, Map<String, Object> info, Recording recording) {
        Map<String, Object> was = previous.resolved();
        Map<String, Object> now = config.resolved();
        for (String key : List.of("model", "optimizer", "strategy")) {
            Object a = ((Map<?, ?>) was.get(key)).get("name");
            Object b = ((Map<?, ?>) now.get(key)).get("name");
            if (!a.equals(b)) {
                throw new PerennialException(key + ".name: the finished run used " + a + "; a continued run keeps its " + key);
            }
        }
        if (!was.get("model").equals(now.get("model"))) {
            throw new PerennialException("model: the finished run's model was " + was.get("model") + "; a continued run keeps it");
        }
        boolean sameStream = List.of("seed", "dataset", "scenario").stream().allMatch(k -> Objects.equals(was.get(k), now.get(k)));
        Scenario stream;
        if (sameStream) {
            stream = buildScenario();
        } else {
            Scenario before = Experiment.of(previous).buildScenario();
            stream = Scenarios.append(before, buildScenario());
            log.accept("continuing on " + (stream.size() - before.size()) + " new experiences after the " + before.size() + " of "
                    + before.name());
        }
        return runDurably(stream, dir, from.state(), progress, log, info, recording);
    }

    private ExperimentResult runDurably(Scenario stream, Path dir, StateDict start, ContinualRunner.ProgressFactory progress,
            Consumer<String> log, Map<String, Object> info, Recording recording) {
        Checkpoints store = new Checkpoints(dir, config.checkpoint().get(Checkpointer.KEEP_LAST));
        try (ContinualRun run = open(stream); RunLog runLog = recording.open(dir, config)) {
            if (start != null) {
                run.importState(start);
            }
            runLog.start(recording.command(), config.name() + ": " + run.strategyName() + " on " + stream.name() + ", seed " + config.seed(),
                    config.resolved(), run.totalSteps());
            // the learning rate is known when the schedule is the config's, not a program's own optimizer
            ContinualRunLog observer = new ContinualRunLog(runLog, run, optimizer != null || config.optimizer() == null ? null
                    : config.optimizer().learningRate(run.totalSteps()));
            Map<String, Object> manifest = manifest(info, config, stream, run.model());
            Checkpointer checkpointer = new Checkpointer(store, Checkpointer.Policy.of(config.checkpoint()), () -> manifest, log);
            this.checkpointer = checkpointer;
            if (stopRequested) {
                checkpointer.requestStop();
            }
            ExperimentResult outcome;
            try {
                // logged before the checkpoint, which may end the run on a stop request
                ContinualResult result = run.run(observer.around(progress), observer.andThen(ContinualRun.Listener.of(checkpointer)), until());
                String status = run.finished() ? ExperimentResult.COMPLETE : ExperimentResult.STOPPED;
                Path last = checkpointer.save(run, status, true);
                store.prunePinnedOnly();
                outcome = new ExperimentResult(config, stream, run.strategyName(), result, status, null, last);
            } catch (DivergedException e) {
                outcome = new ExperimentResult(config, stream, run.strategyName(), run.result(), ExperimentResult.DIVERGED, e.getMessage(),
                        checkpointer.lastSaved());
            } catch (Checkpointer.StopRequestedException e) {
                outcome = new ExperimentResult(config, stream, run.strategyName(), run.result(), ExperimentResult.INTERRUPTED,
                        "stopped on request", e.checkpoint());
            } catch (RuntimeException e) {
                runLog.end("failed", e.getMessage());
                throw e;
            } finally {
                this.checkpointer = null;
            }
            logEnd(runLog, outcome, run.globalStep());
            return outcome;
        }
    }

    /**
     * What a continual run's checkpoints record besides the cursor: {@code info} (e.g. provenance), the resolved config, the
     * model's spec and its parameter and buffer names, and the stream's inputs — what {@code export}, {@code continue} and
     * {@code results} read back.
     */
    public static Map<String, Object> manifest(Map<String, Object> info, ExperimentConfig config, Scenario stream, Model model) {
        Map<String, Object> manifest = new LinkedHashMap<>(info);
        manifest.put("kind", "continual-run");
        manifest.put("config", config.resolved());
        manifest.put("model", Map.of("spec", config.model() == null ? Map.of("name", "custom") : config.resolved().get("model"),
                "outputs", stream.outputs(), "heads", stream.heads(), "parameters",
                model.parameters().stream().map(p -> p.name()).toList(), "buffers",
                model.buffers().stream().map(p -> p.name()).toList()));
        manifest.put("inputs", DataSources.inputs(stream.experiences().get(0).train()));
        return manifest;
    }

    /** The summary metrics (not for a diverged run) and the end line. */
    public static void logEnd(RunLog runLog, ExperimentResult outcome, long step) {
        boolean diverged = outcome.status().equals(ExperimentResult.DIVERGED);
        if (!diverged) {
            outcome.metrics().forEach((key, value) -> {
                if (value instanceof Number n) {
                    runLog.scalar("metrics/" + key, step, n.doubleValue());
                }
            });
        }
        runLog.end(outcome.status().equals(ExperimentResult.COMPLETE) ? "finished" : diverged ? "failed" : "stopped",
                diverged ? outcome.message() : null);
    }

    /** From any thread (e.g. a signal handler): a durable run saves after its current step and ends. */
    public void requestStop() {
        stopRequested = true;
        Checkpointer c = checkpointer;
        if (c != null) {
            c.requestStop();
        }
    }

    private int until() {
        int stopAfter = config.training().get(ExperimentConfig.STOP_AFTER);
        return stopAfter == 0 ? Integer.MAX_VALUE : stopAfter;
    }

    /** The run this experiment describes over {@code stream}, checked for compatibility; close it after use. */
    public ContinualRun open(Scenario stream) {
        long seed = config.seed();
        List<Compatibility.Part> parts = new ArrayList<>(config.parts());
        Dataset sample = stream.experiences().get(0).train();
        if (config.scenario() == null) { // the program's own stream carries its own data, whatever the dataset section says
            parts.removeIf(p -> p.path().equals("dataset"));
        }
        if (config.dataset() == null || config.scenario() == null) {
            Set<Trait> given = new java.util.HashSet<>(Set.of(sample.sampleShape().dimension() == 3 ? DataSources.IMAGES
                    : DataSources.VECTORS, DataSources.targets(sample.regression())));
            if (data != null && data.timeOrdered()) {
                given.add(DataSources.TIME_ORDERED);
            }
            parts.add(part("the given data", "dataset", given));
        }
        if (config.scenario() == null) {
            parts.add(part("the given stream", "scenario", stream.setting() == null ? Set.of() : Set.of(stream.setting())));
        }
        Compatibility.check(parts);
        Strategy s = strategy != null ? strategy : config.strategy().build(Seeds.derive(seed, "strategy"));
        Function<Model.Context, Model> m = model != null ? model : config.model()::build;
        OptimizerFactory o = optimizer != null ? optimizer
                : steps -> config.optimizer().build(steps, Seeds.derive(seed, "optimizer-noise"));
        var e = config.evaluation();
        ContinualRunner.Options options = new ContinualRunner.Options(config.training().get(ExperimentConfig.EPOCHS),
                config.training().get(ExperimentConfig.BATCH_SIZE),
                new ContinualRunner.EvalOptions(e.get(ExperimentConfig.EVERY_STEPS), e.get(ExperimentConfig.SUBSET_SIZE),
                        e.get(ExperimentConfig.EVAL_BATCH_SIZE), e.get(ExperimentConfig.MATRIX).equals("full"), e.get(ExperimentConfig.WINDOW),
                        e.get(ExperimentConfig.PROBE_SIZE), e.get(ExperimentConfig.DIAGNOSTICS_EVERY)),
                seed, config.training().get(ExperimentConfig.AVERAGE), config.training().get(ExperimentConfig.AUGMENT),
                config.training().get(ExperimentConfig.LOSS), e.get(ExperimentConfig.SCORE),
                config.training().get(ExperimentConfig.MAX_STEPS) == 0 ? -1 : config.training().get(ExperimentConfig.MAX_STEPS),
                config.training().get(ExperimentConfig.PRECISION), Lora.of(config.training().get(Lora.SETTINGS)));
        return new ContinualRun(stream, m, o, s, options);
    }

    private static Compatibility.Part part(String label, String path, Set<Trait> provides) {
        return new Compatibility.Part(label, path, path, provides, List.of());
    }

    /**
     * Collects the parts of an experiment. Named parts are config sections ({@code dataset("idx", Map.of("data_dir", dir))}
     * is the section {@code dataset: {name: idx, data_dir: dir}}); {@link #build} checks them all as a config file is
     * checked. A part given as an object replaces its section.
     */
    public static final class Builder {
        private final Map<String, Object> tree = new LinkedHashMap<>();
        private final Map<String, String> custom = new LinkedHashMap<>();
        private Registry registry = Registry.global();
        private DataSources.Split data;
        private Scenario scenario;
        private Function<Model.Context, Model> model;
        private OptimizerFactory optimizer;
        private Strategy strategy;

        private Builder() {
        }

        /** Components are looked up here instead of the global registry. */
        public Builder registry(Registry r) {
            this.registry = r;
            return this;
        }

        /** Starts from a whole config tree (as read from YAML); later calls override its values. */
        public Builder config(Map<String, ?> config) {
            for (Map.Entry<String, ?> e : config.entrySet()) {
                tree.put(e.getKey(), copy(e.getValue()));
            }
            return this;
        }

        /** Sets one value by its dotted key path, e.g. {@code set("strategy.lambda", 500)}. */
        public Builder set(String keyPath, Object value) {
            String[] keys = keyPath.split("\\.");
            Map<String, Object> node = tree;
            for (int i = 0; i < keys.length - 1; i++) {
                Object child = node.get(keys[i]);
                if (!(child instanceof Map<?, ?>)) {
                    child = new LinkedHashMap<String, Object>();
                    node.put(keys[i], child);
                }
                @SuppressWarnings("unchecked")
                Map<String, Object> next = (Map<String, Object>) child;
                node = next;
            }
            node.put(keys[keys.length - 1], value);
            return this;
        }

        public Builder name(String name) {
            return set("name", name);
        }

        public Builder seed(long seed) {
            return set("seed", seed);
        }

        public Builder dataset(String name, Map<String, ?> params) {
            return section("dataset", name, params);
        }

        /** The program's own data: a training and a test set with the same sample shape and classes. */
        public Builder data(Dataset train, Dataset test) {
            return data(new DataSources.Split(train, test));
        }

        /** The program's own data, possibly time-stamped for a time-ordered stream. */
        public Builder data(DataSources.Split split) {
            if (!split.train().sampleShape().equals(split.test().sampleShape())) {
                throw new PerennialException("data: training samples are " + split.train().sampleShape() + " but test samples are "
                        + split.test().sampleShape());
            }
            this.data = split;
            custom.put("dataset", split.train().name() + " / " + split.test().name());
            return this;
        }

        public Builder scenario(String name, Map<String, ?> params) {
            return section("scenario", name, params);
        }

        /** The program's own stream of experiences (data is then not needed). */
        public Builder scenario(Scenario stream) {
            this.scenario = stream;
            custom.put("scenario", stream.name());
            custom.putIfAbsent("dataset", "the stream's own");
            return this;
        }

        public Builder model(String name, Map<String, ?> params) {
            return section("model", name, params);
        }

        /** The program's own model, built for the stream's input shape, outputs and heads. */
        public Builder model(Function<Model.Context, Model> factory) {
            this.model = factory;
            custom.put("model", factory.getClass().getName());
            return this;
        }

        public Builder optimizer(String name, Map<String, ?> params) {
            return section("optimizer", name, params);
        }

        /** The program's own gradient-transform chain, e.g. {@code steps -> Transforms.chain(...)}. */
        public Builder optimizer(OptimizerFactory factory) {
            this.optimizer = factory;
            custom.put("optimizer", factory.getClass().getName());
            return this;
        }

        /** A registered strategy ({@code "ewc"}) or combination ({@code "ewc+er"}, members' parameters under their names). */
        public Builder strategy(String name, Map<String, ?> params) {
            return section("strategy", name, params);
        }

        /** The program's own strategy object; it keeps state, so use it for one run. */
        public Builder strategy(Strategy own) {
            this.strategy = own;
            custom.put("strategy", own.getClass().getName());
            return this;
        }

        public Builder epochs(int epochs) {
            return set("training.epochs", epochs);
        }

        public Builder batchSize(int batchSize) {
            return set("training.batch_size", batchSize);
        }

        /** Continual evaluation every {@code steps} optimizer steps (0 turns it off). */
        public Builder continualEvaluation(int steps) {
            return set("evaluation.every_steps", steps);
        }

        /** Checks everything, as a config file is checked. */
        public Experiment build() {
            ExperimentConfig config = ExperimentConfig.resolve(registry, tree, custom);
            return new Experiment(config, data, scenario, model, optimizer, strategy);
        }

        private Builder section(String key, String name, Map<String, ?> params) {
            Map<String, Object> section = new LinkedHashMap<>();
            section.put("name", name);
            for (Map.Entry<String, ?> e : params.entrySet()) {
                section.put(e.getKey(), copy(e.getValue()));
            }
            tree.put(key, section);
            return this;
        }

        /** Nested maps are copied so later {@link #set} calls never write into the caller's maps. */
        private static Object copy(Object value) {
            if (value instanceof Map<?, ?> map) {
                Map<String, Object> out = new LinkedHashMap<>();
                map.forEach((k, v) -> out.put(String.valueOf(k), copy(v)));
                return out;
            }
            return value;
        }
    }
}
