package ai.perennial.cl.experiment;

import ai.perennial.cl.scenario.Scenario;
import ai.perennial.cl.scenario.Scenarios;
import ai.perennial.cl.strategy.Naive;
import ai.perennial.cl.strategy.Strategies;
import ai.perennial.core.PerennialException;
import ai.perennial.core.averaging.WeightAverage;
import ai.perennial.core.sparsity.Pruning;
import ai.perennial.core.precision.FullyQuantizedTraining;
import ai.perennial.core.precision.Precision;
import ai.perennial.core.precision.TernaryTraining;
import ai.perennial.core.data.DataSources;
import ai.perennial.core.data.FashionMnist;
import ai.perennial.core.lowrank.Lora;
import ai.perennial.core.model.Mlp;
import ai.perennial.core.model.Model;
import ai.perennial.core.observe.RunLog;
import ai.perennial.core.optim.OptimizerConfig;
import ai.perennial.core.optim.Optimizers;
import ai.perennial.core.registry.Chosen;
import ai.perennial.core.registry.Component;
import ai.perennial.core.registry.Kind;
import ai.perennial.core.registry.Spec;
import ai.perennial.core.train.Losses;
import ai.perennial.core.train.Scores;
import ai.perennial.core.registry.Compatibility;
import ai.perennial.core.registry.Param;
import ai.perennial.core.registry.Registry;
import ai.perennial.core.registry.Values;
import ai.perennial.core.state.Checkpointer;
import ai.perennial.core.train.Augmentation;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One continual-learning run, resolved: every section of the config checked against the registry and every value
 * known, defaults included. The sections and their selecting {@code name}:
 * <pre>
 * name, seed
 * dataset:    {name: fashion-mnist, ...its parameters}
 * scenario:   {name: split, ...}
 * model:      {name: mlp, ...}
 * optimizer:  {name: adamw, lr, schedule, warmup_steps, ...recipe and wrapper parameters}
 * training:   {epochs, batch_size, average, augment, stop_after, max_steps, loss, precision, lora: {rank, alpha, ...}}
 * strategy:   {name: naive, ...}   or {name: ewc+er, ewc: {...}, er: {...}}
 * evaluation: {every_steps, subset_size, batch_size, matrix, window}
 * checkpoint: {every_steps, ...}
 * logging:    {tensorboard}
 * </pre>
 * A missing section takes the default component below with its declared defaults. {@link #resolved()} is the whole
 * tree with every value, which runs record as provenance and which resolves to this same config again.
 */
public final class ExperimentConfig {
    public static final Param<String> NAME = Param.text("name", "run", "the run's name in reports");
    public static final Param<Long> SEED = Param.whole("seed", 1L, "run seed; every random choice is derived from it");

    public static final Param<Integer> EPOCHS = Param.integer("epochs", 1, "passes over each experience's training data")
            .atLeast(1).atMost(100_000);
    public static final Param<Integer> BATCH_SIZE = Param.integer("batch_size", 128, "mini-batch size").atLeast(1).atMost(10_000_000);
    public static final Param<String> AVERAGE = Param.custom("average", "weight-average spec", null,
            "weight average used for the accuracy matrix, e.g. ema:decay=0.995 or swa:start=500,every=50 (see 'list averages')",
            raw -> checkSpec(raw, WeightAverage.KIND, "weight average"));
    public static final Param<String> AUGMENT = Param.choice("augment", Augmentation.NONE,
            "training-image augmentation: none, or crop-flip (random crop from the image zero-padded by 4, horizontal flip)",
            Augmentation.CHOICES.toArray(String[]::new));
    public static final Param<Integer> STOP_AFTER = Param.integer("stop_after", 0,
            "train only the first this many experiences of the stream, then stop (0 = all); 'perennial continue' goes on later")
            .nonNegative();
    public static final Param<Integer> MAX_STEPS = Param.integer("max_steps", 0,
            "at most this many optimizer steps per experience (0 = every batch of every epoch), e.g. for a quick run of a long stream")
            .nonNegative();
    public static final Param<String> PRUNE = Param.custom("prune", "pruning spec", null,
            "prune while training, e.g. magnitude:sparsity=0.9,start=200,end=2000,every=100 (see 'list pruning')",
            raw -> checkSpec(raw, Pruning.KIND, "pruning"));
    public static final Param<String> LOSS = Param.custom("loss", "loss spec", null,
            "training loss, e.g. " + Losses.HUBER.name() + ":delta=0.5 (see 'list losses'); default " + Losses.CROSS_ENTROPY.name()
                    + " for class labels, " + Losses.MSE.name() + " for numeric targets",
            raw -> checkSpec(raw, Losses.KIND, "loss"));
    public static final Param<String> PRECISION = Param.custom("precision", "precision spec", Precision.FP32.name(),
            "how dense layers compute while training, e.g. " + FullyQuantizedTraining.NVFP4.name() + " or "
                    + TernaryTraining.TERNARY.name() + ":scale=absmedian (see 'list precisions'); master weights stay FP32",
            raw -> checkSpec(raw, Precision.KIND, "precision"));
    /** The train command's training section (a single training run can also be pruned). */
    public static final List<Param<?>> TRAINING_PARAMS = List.of(EPOCHS, BATCH_SIZE, AVERAGE, AUGMENT, PRUNE, LOSS, PRECISION, Lora.SETTINGS);
    static final List<Param<?>> RUN_TRAINING_PARAMS = List.of(EPOCHS, BATCH_SIZE, AVERAGE, AUGMENT, STOP_AFTER, MAX_STEPS, LOSS,
            PRECISION, Lora.SETTINGS);

    public static final Param<Integer> EVERY_STEPS = Param.integer("every_steps", 50,
            "continual evaluation every this many optimizer steps (0 = off)").nonNegative();
    public static final Param<Integer> SUBSET_SIZE = Param.integer("subset_size", 500,
            "test samples per experience in continual evaluation").atLeast(1);
    public static final Param<Integer> EVAL_BATCH_SIZE = Param.integer("batch_size", 1000, "evaluation batch size").atLeast(1)
            .atMost(10_000_000);
    public static final Param<String> MATRIX = Param.choice("matrix", "full",
            "full: every experience after each round; diagonal: only the one just trained (long streams)", "full", "diagonal");
    public static final Param<Long> WINDOW = Param.whole("window", 100L, "window of the windowed-forgetting metric, in steps").atLeast(1);
    public static final Param<Integer> PROBE_SIZE = Param.integer("probe_size", 256,
            "training samples of each experience in the plasticity-diagnostics probe batch (0 = no diagnostics)").nonNegative().atMost(100_000);
    public static final Param<Integer> DIAGNOSTICS_EVERY = Param.integer("diagnostics_every", 0,
            "plasticity diagnostics also every this many optimizer steps (0 = only at the end of each experience)").nonNegative();
    public static final Param<String> SCORE = Param.custom("score", "score spec", null,
            "what the accuracy matrix and curves record (see 'list scores'); default " + Scores.ACCURACY.name() + " for class labels, "
                    + Scores.R2.name() + " for numeric targets",
            raw -> checkSpec(raw, Scores.KIND, "score"));
    public static final List<Param<?>> EVALUATION_PARAMS = List.of(EVERY_STEPS, SUBSET_SIZE, EVAL_BATCH_SIZE, MATRIX, WINDOW, PROBE_SIZE,
            DIAGNOSTICS_EVERY, SCORE);

    /** The component each section picks when it names none. */
    public static final Map<String, String> DEFAULTS = Map.of("dataset", FashionMnist.FASHION_MNIST.name(), "scenario",
            Scenarios.SPLIT.name(), "model", Mlp.MLP.name(), "optimizer", Optimizers.ADAMW.name(), "strategy", Naive.NAIVE.name());
    static final List<String> SECTIONS = List.of("name", "seed", "dataset", "scenario", "model", "optimizer", "training", "strategy",
            "evaluation", "checkpoint", "logging");
    /** Sections that only say how a run is operated; they may differ when a run resumes. */
    static final List<String> OPERATIONAL = List.of("checkpoint", "logging");

    private final String name;
    private final long seed;
    private final Chosen<Long, DataSources.Split> dataset;
    private final Chosen<Scenario.Context, Scenario> scenario;
    private final Chosen<Model.Context, Model> model;
    private final OptimizerConfig optimizer;
    private final Strategies.Choice strategy;
    private final Values training;
    private final Values evaluation;
    private final Values checkpoint;
    private final Values logging;
    private final Map<String, String> custom;

    private ExperimentConfig(String name, long seed, Chosen<Long, DataSources.Split> dataset, Chosen<Scenario.Context, Scenario> scenario,
            Chosen<Model.Context, Model> model, OptimizerConfig optimizer, Strategies.Choice strategy, Values training, Values evaluation,
            Values checkpoint, Values logging, Map<String, String> custom) {
        this.custom = Map.copyOf(custom);
        this.checkpoint = checkpoint;
        this.logging = logging;
        this.name = name;
        this.seed = seed;
        this.dataset = dataset;
        this.scenario = scenario;
        this.model = model;
        this.optimizer = optimizer;
        this.strategy = strategy;
        this.training = training;
        this.evaluation = evaluation;
    }

    /**
     * Checks a whole config tree (maps, lists and scalars as YAML or JSON give them): unknown sections and keys, types,
     * ranges, and whether the chosen parts fit together. Messages start with the key path.
     */
    public static ExperimentConfig resolve(Registry registry, Map<String, ?> tree) {
        return resolve(registry, tree, Map.of());
    }

    /**
     * As {@link #resolve(Registry, Map)}, where a program supplies some parts itself: {@code custom} maps those sections
     * (dataset, scenario, model, optimizer, strategy) to a description of what was given; they are not resolved here.
     */
    public static ExperimentConfig resolve(Registry registry, Map<String, ?> tree, Map<String, String> custom) {
        for (String key : custom.keySet()) {
            if (tree.containsKey(key)) {
                throw new PerennialException(key + ": given both as a config section and as a program's own " + key);
            }
        }
        for (String key : tree.keySet()) {
            if (!SECTIONS.contains(key)) {
                throw new PerennialException(key + ": unknown section; a run config has " + String.join(", ", SECTIONS));
            }
        }
        String name = NAME.parse(tree.get("name"), "name", "the run");
        long seed = SEED.parse(tree.get("seed"), "seed", "the run");
        Chosen<Long, DataSources.Split> dataset = custom.containsKey("dataset") ? null
                : chosen(registry, DataSources.KIND, section(tree, "dataset"), "dataset");
        Chosen<Scenario.Context, Scenario> scenario = custom.containsKey("scenario") ? null
                : chosen(registry, Scenario.KIND, section(tree, "scenario"), "scenario");
        Chosen<Model.Context, Model> model = custom.containsKey("model") ? null : chosen(registry, Model.KIND, section(tree, "model"), "model");
        OptimizerConfig optimizer = custom.containsKey("optimizer") ? null
                : OptimizerConfig.resolve(registry, section(tree, "optimizer"), "optimizer");
        Strategies.Choice strategy = custom.containsKey("strategy") ? null
                : Strategies.resolve(registry, section(tree, "strategy"), "strategy");
        Values training = Values.resolve(RUN_TRAINING_PARAMS, section(tree, "training"), "training", "training");
        Values checkpoint = Values.resolve(Checkpointer.PARAMS, section(tree, "checkpoint"), "checkpoint", "checkpoints");
        Values evaluation = Values.resolve(EVALUATION_PARAMS, section(tree, "evaluation"), "evaluation", "evaluation");
        Values logging = Values.resolve(RunLog.PARAMS, section(tree, "logging"), "logging", "logging");
        if (scenario != null && scenario.component().hasTag(Scenarios.SINGLE_PASS) && training.get(EPOCHS) != 1) {
            throw new PerennialException("training.epochs: scenario " + scenario.name() + " is single-pass; must be 1, got "
                    + training.get(EPOCHS));
        }
        checkAdapters(Lora.of(training.get(Lora.SETTINGS)), strategy);
        ExperimentConfig config = new ExperimentConfig(name, seed, dataset, scenario, model, optimizer, strategy, training, evaluation,
                checkpoint, logging, custom);
        if (custom.isEmpty()) { // a program's own parts describe themselves only once built; Experiment.open checks them all
            Compatibility.check(config.parts());
        }
        return config;
    }

    /** Strategies that cannot work on a model whose base is frozen under adapters, or whose base must not move. */
    private static void checkAdapters(Lora lora, Strategies.Choice strategy) {
        if (lora == null || strategy == null) {
            return;
        }
        for (Chosen<Long, ?> member : strategy.members()) {
            if (member.component().requires().stream().anyMatch(need -> need.contains(Model.HIDDEN_UNITS))) {
                throw new PerennialException("training.lora: strategy " + member.name() + " works on the model's hidden units, which LoRA"
                        + " freezes; drop training.lora or choose another strategy");
            }
            if (lora.restarts() && member.component().hasTag(ai.perennial.cl.strategy.Strategy.FROZEN_BASE)) {
                throw new PerennialException("training.lora.restart_every: strategy " + member.name() + " keeps the adapted base frozen,"
                        + " and a ReLoRA restart would merge one task's adapter into every task's base; set it to 0");
            }
        }
    }

    /** What the registered parts give and need (a program's own parts are described by {@link Experiment}). */
    List<Compatibility.Part> parts() {
        List<Compatibility.Part> parts = new ArrayList<>();
        for (Chosen<?, ?> c : java.util.Arrays.asList(dataset, scenario, model)) {
            if (c != null) {
                parts.add(c.part());
            }
        }
        if (strategy != null) {
            parts.addAll(strategy.parts());
        }
        if (training.get(Lora.SETTINGS) != null) {
            parts.add(new Compatibility.Part(Lora.LORA.toString(), "training.lora", "setting", java.util.Set.of(Lora.ADAPTERS), List.of()));
        }
        specPart(parts, Losses.KIND, training.get(LOSS), "training.loss");
        specPart(parts, Scores.KIND, evaluation.get(SCORE), "evaluation.score");
        return parts;
    }

    /** What an inline component spec (a loss, a score) needs from the run; nothing when it is left to the data. */
    private static void specPart(List<Compatibility.Part> parts, Kind<Void, ?> kind, String spec, String path) {
        if (spec != null) {
            Component<Void, ?> c = Registry.global().get(kind, Spec.parse(spec, path).name(), path);
            parts.add(new Compatibility.Part(c.toString(), path, kind.id(), java.util.Set.of(), c.requires()));
        }
    }

    private static String checkSpec(Object raw, Kind<Void, ?> kind, String what) {
        if (!(raw instanceof String spec)) {
            throw new IllegalArgumentException("expected a " + what + " name, e.g. " + String.join(", ", Registry.global().names(kind)));
        }
        try {
            Spec.build(kind, spec, what);
        } catch (PerennialException e) { // reported under the key that holds the spec
            throw new IllegalArgumentException(e.getMessage());
        }
        return spec;
    }

    /** A section as a map with its {@code name} (the default component's when absent). */
    static Map<String, Object> section(Map<String, ?> tree, String key) {
        Object raw = tree.get(key);
        Map<String, Object> out = new LinkedHashMap<>();
        if (raw instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (!(e.getKey() instanceof String k)) {
                    throw new PerennialException(key + ": keys must be words, got " + Param.show(e.getKey()));
                }
                out.put(k, e.getValue());
            }
        } else if (raw != null || tree.containsKey(key)) {
            throw new PerennialException(key + ": expected a mapping of keys to values, got " + Param.show(raw)
                    + "; leave the key out to use the defaults");
        }
        if (DEFAULTS.containsKey(key) && !out.containsKey("name")) {
            out.put("name", DEFAULTS.get(key));
        }
        return out;
    }

    private static <C, T> Chosen<C, T> chosen(Registry registry, ai.perennial.core.registry.Kind<C, T> kind, Map<String, Object> section,
            String path) {
        Object name = section.remove("name");
        if (!(name instanceof String text)) {
            throw new PerennialException(path + ".name: expected a name, got " + Param.show(name) + "; choose one of "
                    + String.join(", ", registry.names(kind)));
        }
        return Chosen.of(registry, kind, text, section, path);
    }

    public String name() {
        return name;
    }

    public long seed() {
        return seed;
    }

    /** The registered data source, or null when the program gave its own data. The same holds for the accessors below. */
    public Chosen<Long, DataSources.Split> dataset() {
        return dataset;
    }

    public Chosen<Scenario.Context, Scenario> scenario() {
        return scenario;
    }

    public Chosen<Model.Context, Model> model() {
        return model;
    }

    public OptimizerConfig optimizer() {
        return optimizer;
    }

    public Strategies.Choice strategy() {
        return strategy;
    }

    public Values training() {
        return training;
    }

    public Values evaluation() {
        return evaluation;
    }

    /** The whole config with every value used, in the layout it was read from. */
    public Map<String, Object> resolved() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", name);
        out.put("seed", seed);
        out.put("dataset", dataset == null ? customSection("dataset") : withName(dataset));
        out.put("scenario", scenario == null ? customSection("scenario") : withName(scenario));
        out.put("model", model == null ? customSection("model") : withName(model));
        out.put("optimizer", optimizer == null ? customSection("optimizer") : optimizer.resolved());
        out.put("training", training.asMap());
        out.put("strategy", strategy == null ? customSection("strategy") : strategy.resolved());
        out.put("evaluation", evaluation.asMap());
        out.put("checkpoint", checkpoint.asMap());
        out.put("logging", logging.asMap());
        return out;
    }

    /** Logging settings: {@link RunLog#PARAMS}. */
    public Values logging() {
        return logging;
    }

    /** Checkpoint settings: {@link Checkpointer#PARAMS}. */
    public Values checkpoint() {
        return checkpoint;
    }

    /**
     * The dotted keys whose values differ from {@code other}'s, operational sections ({@code checkpoint}) aside: what a
     * resumed run may not change.
     */
    public List<String> differences(ExperimentConfig other) {
        Map<String, Object> a = new LinkedHashMap<>(resolved());
        Map<String, Object> b = new LinkedHashMap<>(other.resolved());
        OPERATIONAL.forEach(k -> {
            a.remove(k);
            b.remove(k);
        });
        List<String> out = new ArrayList<>();
        diff("", a, b, out);
        return out;
    }

    private static void diff(String path, Object a, Object b, List<String> out) {
        if (a instanceof Map<?, ?> ma && b instanceof Map<?, ?> mb) {
            java.util.Set<Object> keys = new java.util.LinkedHashSet<>(ma.keySet());
            keys.addAll(mb.keySet());
            for (Object k : keys) {
                diff(path.isEmpty() ? String.valueOf(k) : path + "." + k, ma.get(k), mb.get(k), out);
            }
        } else if (!java.util.Objects.equals(a, b)) {
            out.add(path + " (" + Param.display(a) + " → " + Param.display(b) + ")");
        }
    }

    private Map<String, Object> customSection(String key) {
        return Map.of("name", "custom", "given", custom.get(key));
    }

    private static Map<String, Object> withName(Chosen<?, ?> c) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", c.name());
        out.putAll(c.values().asMap());
        return out;
    }
}
