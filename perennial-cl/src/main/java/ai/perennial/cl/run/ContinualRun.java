package ai.perennial.cl.run;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.perennial.cl.metrics.PlasticityPoint;
import ai.perennial.cl.metrics.StabilityMetrics.EvalPoint;
import ai.perennial.cl.scenario.Experience;
import ai.perennial.cl.scenario.Scenario;
import ai.perennial.cl.strategy.Strategy;
import ai.perennial.core.PerennialException;
import ai.perennial.core.averaging.WeightAverage;
import ai.perennial.core.data.Dataset;
import ai.perennial.core.lowrank.Lora;
import ai.perennial.core.lowrank.LoraModel;
import ai.perennial.core.model.Model;
import ai.perennial.core.model.Parameter;
import ai.perennial.core.model.Parameters;
import ai.perennial.core.optim.GradientTransform;
import ai.perennial.core.optim.Optimizer;
import ai.perennial.core.optim.OptimizerFactory;
import ai.perennial.core.run.ProcessStats;
import ai.perennial.core.run.Seeds;
import ai.perennial.core.run.Startup;
import ai.perennial.core.state.Checkpointable;
import ai.perennial.core.state.Checkpointer;
import ai.perennial.core.state.StateDict;
import ai.perennial.core.train.Augmentation;
import ai.perennial.core.train.DivergedException;
import ai.perennial.core.train.Evaluator;
import ai.perennial.core.precision.Precision;
import ai.perennial.core.precision.QuantizedLayers;
import ai.perennial.core.train.Losses;
import ai.perennial.core.train.Scores;
import ai.perennial.core.train.TrainStats;
import ai.perennial.core.train.Trainer;
import ai.perennial.core.train.TrainingHook;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One continual-learning run with the field's evaluation protocol: the random-init baseline, one accuracy-matrix row
 * after each training round, optional continual evaluation every few steps. Unlike a one-shot call it is an object
 * whose whole state — model, optimizer, strategy, weight average, continual-evaluation curve, position in the stream
 * and everything measured so far — exports and imports ({@link #exportState}, {@link #importState}), so a
 * {@link Checkpointer} can save it at any step and a new run built the same way continues bit for bit.
 */
public final class ContinualRun implements Checkpointable, AutoCloseable {
    private final Scenario scenario;
    private final List<Experience> stream;
    private final Strategy strategy;
    private final ContinualRunner.Options options;
    private final NDManager manager;
    private final Model model;
    private final Trainer trainer;
    private final ContinualEvaluation continual;
    private final PlasticityProbe probe;
    private final WeightAverage average;
    private final Scores.Score score;
    private final QuantizedLayers precision;

    private final long totalSteps;
    private boolean evaluates = true;
    private boolean started;
    private int experience;
    private double[] randomInit;
    private final List<double[]> rows = new ArrayList<>();
    private final List<Integer> trained = new ArrayList<>();
    private final long[] endSteps;
    private long samples;
    private double trainSeconds;
    private double experienceSeconds;
    private double evalSeconds;
    private double wallSeconds;
    private long wallStart; // when the current call of run() began, 0 outside it
    private boolean stepped;
    private Startup.Timeline startup;

    /**
     * Builds the model for the stream ({@code model}), the optimizer once the run's length is known ({@code optimizer};
     * the schedule spans every experience of the stream), and the hooks: the strategy, the weight average when
     * {@code options.average()} is set, continual evaluation when asked.
     */
    public ContinualRun(Scenario scenario, Function<Model.Context, Model> model, OptimizerFactory optimizer, Strategy strategy,
            ContinualRunner.Options options) {
        this.scenario = scenario;
        this.stream = scenario.experiences();
        this.strategy = strategy;
        this.options = options;
        long totalSteps = 0;
        Trainer.Options perRound = new Trainer.Options(options.epochs(), options.batchSize(), 0, 50, options.maxSteps());
        for (int i = 0; i < stream.size(); i++) {
            int size = strategy.trainingSize(stream, i);
            if (size > 0) {
                totalSteps += Trainer.stepsFor(size, perRound);
            }
        }
        if (totalSteps == 0) {
            throw new PerennialException("strategy " + strategy.name() + " trains on nothing in scenario " + scenario.name());
        }
        this.totalSteps = totalSteps;
        Dataset first = stream.get(0).train();
        Losses.Loss loss = Losses.of(options.loss(), first);
        this.score = Scores.of(options.score(), first);
        this.manager = NDManager.newBaseManager();
        try {
            Model built = model.apply(new Model.Context(manager, stream.get(0).train().sampleShape(), scenario.outputs(), scenario.heads(),
                    Seeds.derive(options.seed(), "init")));
            Lora lora = options.lora();
            this.model = lora == null ? built : lora.wrap(built, Seeds.derive(options.seed(), "lora-init"));
            GradientTransform recipe = optimizer.create(totalSteps);
            Optimizer opt = new Optimizer("optimizer", lora == null ? recipe : lora.optimizer(recipe), this.model.parameters());
            List<TrainingHook> hooks = new ArrayList<>();
            ContinualRunner.EvalOptions eval = options.eval();
            // first, so it sees the loader's batch and the task gradient before any strategy changes them
            this.probe = eval.probeSize() > 0 ? new PlasticityProbe(this.model, score, eval.probeSize(), eval.diagnosticsEvery()) : null;
            if (probe != null) {
                hooks.add(probe);
            }
            hooks.add(strategy);
            if (lora != null) { // after the strategy: a restart merges what this step's update gave the adapters
                hooks.add(lora.training((LoraModel) this.model, Seeds.derive(options.seed(), "lora-restarts")));
            }
            this.average = options.average() == null ? null : WeightAverage.parse(options.average());
            if (average != null) {
                hooks.add(average);
            }
            this.continual = eval.everySteps() > 0 ? new ContinualEvaluation(strategy, this.model, score,
                    ContinualRunner.evaluationSubsets(stream, eval.subsetSize(), options.seed()), eval.everySteps(), eval.batchSize(), manager)
                    : null;
            if (continual != null) {
                hooks.add(continual);
            }
            this.precision = options.precision() == null ? null
                    : Precision.parse(options.precision()).attach(this.model, Seeds.derive(options.seed(), "precision"));
            if (precision != null) {
                hooks.add(precision);
            }
            Augmentation augmentation = Augmentation.of(options.augment(), options.seed());
            augmentation.checkInputs(stream.get(0).train().sampleShape(), "scenario " + scenario.name());
            this.trainer = new Trainer(this.model, opt, hooks, manager, loss, augmentation);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
        this.endSteps = new long[stream.size()];
        Startup.process().mark(Startup.MODEL);
    }

    /** Hooks for durability: called after every step and after every experience (e.g. a {@link Checkpointer}). */
    public interface Listener {
        Listener NONE = new Listener() {
        };

        default void afterStep(ContinualRun run) {
        }

        default void afterExperience(ContinualRun run) {
        }

        /** This listener, then {@code next}. */
        default Listener andThen(Listener next) {
            Listener first = this;
            return new Listener() {
                @Override
                public void afterStep(ContinualRun run) {
                    first.afterStep(run);
                    next.afterStep(run);
                }

                @Override
                public void afterExperience(ContinualRun run) {
                    first.afterExperience(run);
                    next.afterExperience(run);
                }
            };
        }

        /** The listener that saves checkpoints for {@code checkpointer}. */
        static Listener of(Checkpointer checkpointer) {
            return new Listener() {
                @Override
                public void afterStep(ContinualRun run) {
                    checkpointer.afterStep(run);
                }

                @Override
                public void afterExperience(ContinualRun run) {
                    checkpointer.afterExperience(run);
                }
            };
        }
    }

    /**
     * Trains from where the run stands up to experience {@code until} (exclusive; the stream's size for all of it) and
     * returns everything measured. A divergence or a requested stop propagates; {@link #result()} still has what was
     * measured before it.
     */
    public ContinualResult run(ContinualRunner.ProgressFactory progress, Listener listener, int until) {
        wallStart = System.nanoTime();
        try {
            if (!started) {
                long evalStart = System.nanoTime();
                randomInit = new double[stream.size()];
                Arrays.fill(randomInit, Double.NaN);
                for (int j = 0; j < stream.size() && evaluates; j++) {
                    randomInit[j] = Evaluator.score(model, stream.get(j).test(), score, options.eval().batchSize(), manager);
                }
                if (continual != null) {
                    continual.measure(0);
                }
                evalSeconds += (System.nanoTime() - evalStart) / 1e9;
                started = true;
            }
            Startup.process().mark(Startup.BASELINE_EVAL);
            Trainer.StepListener afterStep = t -> {
                if (!stepped) { // before the listener's own work (e.g. a checkpoint)
                    stepped = true;
                    startup = Startup.process().firstStep();
                }
                listener.afterStep(this);
            };
            int end = Math.min(until, stream.size());
            while (experience < end) {
                Experience e = stream.get(experience);
                Trainer.Options round = new Trainer.Options(options.epochs(), options.batchSize(),
                        Seeds.derive(options.seed(), "shuffle-" + experience), 50, options.maxSteps());
                TrainStats stats;
                String label = "experience " + (experience + 1) + "/" + stream.size();
                if (trainer.insideExperience()) { // resumed inside this experience: its arrival was handled before the checkpoint
                    stats = trainer.resume(strategy.trainingData(stream, experience), round, progress.forRound(label), afterStep);
                } else {
                    strategy.beforeExperience(stream, experience);
                    Dataset data = strategy.trainingData(stream, experience); // asked now: it may depend on training so far
                    stats = data == null ? null : trainer.train(data, e.taskId(), round, progress.forRound(label), afterStep);
                }
                if (stats != null) {
                    samples += stats.samples();
                    trainSeconds += stats.wallSeconds() - stats.hookSeconds();
                    experienceSeconds += stats.hookSeconds();
                    long evalStart = System.nanoTime();
                    if (continual != null) {
                        continual.measure(trainer.context().globalStep());
                    }
                    Supplier<double[]> measureRow = this::measureRow;
                    // SWA recomputes batch-norm statistics for its weights on the data just trained
                    rows.add(average != null && average.count() > 0 ? average.withAveragedWeights(model, trainer.context().experienceData(),
                            options.batchSize(), manager, measureRow) : measureRow.get());
                    trained.add(experience);
                    evalSeconds += (System.nanoTime() - evalStart) / 1e9;
                }
                endSteps[experience] = trainer.context().globalStep();
                experience++;
                listener.afterExperience(this);
            }
        } finally {
            wallSeconds += (System.nanoTime() - wallStart) / 1e9;
            wallStart = 0;
        }
        return result();
    }

    /** Trains the whole remaining stream. */
    public ContinualResult run(ContinualRunner.ProgressFactory progress, Listener listener) {
        return run(progress, listener, stream.size());
    }

    private double[] measureRow() {
        double[] row = new double[stream.size()];
        Arrays.fill(row, Double.NaN);
        int current = experience;
        for (int j = 0; j < stream.size() && evaluates; j++) {
            if (options.eval().fullMatrix() || j == current) {
                row[j] = Evaluator.score(strategy.evaluationModel(model), stream.get(j).test(), score, options.eval().batchSize(), manager);
            }
        }
        return row;
    }

    /**
     * From now on the run trains but measures nothing (its baseline and accuracy-matrix rows stay "not measured"): a
     * worker of a distributed run whose results another worker measures.
     */
    public void skipEvaluation() {
        evaluates = false;
    }

    /** Optimizer steps of the whole stream (what the learning-rate schedule spans). */
    public long totalSteps() {
        return totalSteps;
    }

    /** Inside {@link Listener#afterStep}: whether that step was the current experience's last (see {@link Trainer#experienceTrained}). */
    public boolean experienceTrained() {
        return trainer.experienceTrained();
    }

    /** Everything measured so far (the rows of the experiences finished until now). */
    public ContinualResult result() {
        double train = trainSeconds;
        double eval = evalSeconds;
        if (continual != null) {
            // continual-evaluation time was counted inside the training rounds
            train -= continual.seconds();
            eval += continual.seconds();
        }
        if (probe != null) {
            train -= probe.seconds();
            eval += probe.seconds();
        }
        ContinualResult.Compute compute = new ContinualResult.Compute(trainer.context().globalStep(), samples, train, experienceSeconds,
                eval, wallSeconds, ProcessStats.peakRssBytes(), strategy.bufferBytes(), trainer.context().optimizer().stateBytes(),
                trainer.intraOpThreads(), startup);
        return new ContinualResult(rows.toArray(double[][]::new), trained.stream().mapToInt(Integer::intValue).toArray(),
                randomInit == null ? new double[stream.size()] : randomInit.clone(), continual == null ? List.of() : continual.curve(),
                Arrays.copyOf(endSteps, experience), options.eval().window(), trainer.losses(), probe == null ? List.of() : probe.points(),
                Parameters.sha256(model), compute, scoreName(), score.higherIsBetter(), new ContinualResult.ParameterCounts(model.parameterCount(),
                model.frozen().stream().mapToLong(p -> p.array().getShape().size()).sum()));
    }

    /**
     * What the evaluation protocol measured so far, without {@link #result()}'s summary of the weights and costs: cheap
     * enough to read at every progress report.
     */
    public record Measured(double[][] rows, int[] trained, List<EvalPoint> curve, List<PlasticityPoint> diagnostics, String score) {
    }

    public Measured measured() {
        return new Measured(rows.toArray(double[][]::new), trained.stream().mapToInt(Integer::intValue).toArray(),
                continual == null ? List.of() : continual.curve(), probe == null ? List.of() : probe.points(), scoreName());
    }

    /** The name of the score the matrix holds. */
    private String scoreName() {
        return Scores.name(options.score(), stream.get(0).train());
    }

    public String strategyName() {
        return strategy.name();
    }

    /** Experiences finished so far. */
    public int experiencesDone() {
        return experience;
    }

    public boolean finished() {
        return experience == stream.size();
    }

    public Scenario scenario() {
        return scenario;
    }

    public Model model() {
        return model;
    }

    @Override
    public long globalStep() {
        return trainer.context().globalStep();
    }

    @Override
    public Map<String, Object> cursor() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("experiences_done", experience);
        out.put("experiences", stream.size());
        out.put("inside_experience", trainer.insideExperience());
        out.put("global_step", globalStep());
        return out;
    }

    @Override
    public void checkFinite() {
        for (Parameter p : java.util.stream.Stream.of(model.parameters(), model.buffers(), model.frozen()).flatMap(List::stream).toList()) {
            try (NDScope scope = new NDScope()) {
                if (!Float.isFinite(p.array().stopGradient().abs().sum().getFloat())) {
                    throw new DivergedException("parameter " + p.name() + " became non-finite", globalStep());
                }
            }
        }
    }

    @Override
    public StateDict exportState() {
        StateDict out = trainer.exportState();
        out.putCounter("run.started", started ? 1 : 0);
        out.putCounter("run.experience", experience);
        if (randomInit != null) {
            out.putDoubles("run.random_init", randomInit);
        }
        out.putCounter("run.rows", rows.size());
        out.putDoubles("run.matrix", rows.stream().flatMapToDouble(Arrays::stream).toArray());
        out.putInts("run.trained", trained.stream().mapToInt(Integer::intValue).toArray());
        out.putLongs("run.end_steps", endSteps);
        out.putCounter("run.samples", samples);
        out.putNumber("run.train_seconds", trainSeconds);
        out.putNumber("run.experience_seconds", experienceSeconds);
        out.putNumber("run.eval_seconds", evalSeconds);
        // a checkpoint taken inside run() counts the time of the call so far
        out.putNumber("run.wall_seconds", wallSeconds + (wallStart == 0 ? 0 : (System.nanoTime() - wallStart) / 1e9));
        return out;
    }

    /** Restores {@link #exportState} into a run built the same way (same stream, model, optimizer, strategy, options). */
    public void importState(StateDict state) {
        boolean savedProbe = state.has("hook_class.0") && state.text("hook_class.0").equals(PlasticityProbe.class.getName());
        if (savedProbe != (probe != null)) {
            throw new PerennialException(savedProbe
                    ? "the checkpoint has plasticity diagnostics, this run has evaluation.probe_size: 0; keep the run's probe_size"
                    : "the checkpoint has no plasticity diagnostics (written before Perennial recorded them, or with evaluation.probe_size: 0);"
                            + " continue a finished run with --set evaluation.probe_size=0, or start a new run");
        }
        int at = (int) state.counter("run.experience");
        if (at > stream.size()) {
            throw new PerennialException("the checkpoint is at experience " + at + " of a stream of " + stream.size());
        }
        trainer.importState(state, stream.get(Math.min(at, stream.size() - 1)).train());
        started = state.counter("run.started") == 1;
        experience = at;
        // a finished run continued on further experiences has fewer columns than this stream: pad with "not measured"
        randomInit = state.has("run.random_init") ? padded(state.doubles("run.random_init")) : null;
        int width = state.longs("run.end_steps").length;
        rows.clear();
        int n = (int) state.counter("run.rows");
        double[] flat = state.doubles("run.matrix");
        for (int i = 0; i < n; i++) {
            rows.add(padded(Arrays.copyOfRange(flat, i * width, (i + 1) * width)));
        }
        trained.clear();
        Arrays.stream(state.ints("run.trained")).forEach(trained::add);
        long[] ends = state.longs("run.end_steps");
        System.arraycopy(ends, 0, endSteps, 0, Math.min(ends.length, endSteps.length));
        samples = state.counter("run.samples");
        trainSeconds = state.number("run.train_seconds");
        experienceSeconds = state.number("run.experience_seconds");
        evalSeconds = state.number("run.eval_seconds");
        wallSeconds = state.number("run.wall_seconds");
    }

    private double[] padded(double[] values) {
        double[] out = new double[stream.size()];
        Arrays.fill(out, Double.NaN);
        System.arraycopy(values, 0, out, 0, values.length);
        return out;
    }

    @Override
    public void close() {
        manager.close();
    }
}
