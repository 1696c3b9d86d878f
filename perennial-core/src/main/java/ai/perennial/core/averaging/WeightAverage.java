package ai.perennial.core.averaging;

import ai.djl.ndarray.NDArray;
import ai.perennial.core.PerennialException;
import ai.perennial.core.model.Model;
import ai.perennial.core.model.Parameter;
import ai.perennial.core.state.StateDict;
import ai.perennial.core.optim.TransformState;
import ai.perennial.core.registry.Component;
import ai.perennial.core.registry.Kind;
import ai.perennial.core.registry.Param;
import ai.perennial.core.registry.Registered;
import ai.perennial.core.registry.Spec;
import ai.djl.ndarray.NDManager;
import ai.perennial.core.data.Dataset;
import ai.perennial.core.train.Batch;
import ai.perennial.core.train.BatchStatistics;
import ai.perennial.core.train.TrainingContext;
import ai.perennial.core.train.TrainingHook;
import java.util.List;
import java.util.function.Supplier;

/**
 * A running average of the weights, kept beside the model and used for evaluation:
 * <ul>
 *   <li>EMA: a ← β·a + (1 − β)·w after every update (a starts at the first updated weights);</li>
 *   <li>SWA: the equal-weight mean of the weights at steps start, start + every, start + 2·every, … (with a constant or
 *   cyclical learning rate, {@code every} is the cycle length so the snapshots are the cycle ends).</li>
 * </ul>
 * Models with batch normalization ({@link Model#buffers()}) need running statistics that fit the averaged weights. EMA
 * averages the statistics with the same β as the weights (as timm's model EMA does): both drift slowly, so the averaged
 * statistics track the averaged weights without a pass over data. SWA's snapshots lie far apart, and the mean of their
 * statistics does not describe the activations of the mean of their weights, so SWA recomputes them (Izmailov et al.'s
 * {@code update_bn}, {@link BatchStatistics}) with the averaged weights in place, over the training data the caller gives,
 * before every evaluation. The average, the averaged statistics and the snapshot count export and import as state.
 */
public final class WeightAverage implements TrainingHook {
    private final double decay;  // EMA β; NaN for SWA
    private final long start;
    private final long every;
    private final TransformState state = new TransformState();
    private List<NDArray> average;
    private List<NDArray> statistics; // EMA of the buffers, for models that have any

    private WeightAverage(double decay, long start, long every) {
        this.decay = decay;
        this.start = start;
        this.every = every;
    }

    /** Averages have no context; {@link #parse} reads them from text such as {@code ema:decay=0.999}. */
    public static final Kind<Void, WeightAverage> KIND = Kind.of("average", "averages",
            "weight averages kept beside the model and used for evaluation, written name:key=value");

    private static final Param<Double> DECAY = Param.number("decay", 0.999, "EMA decay β").inOpen(0, 1);
    private static final Param<Long> START = Param.whole("start", 1L, "first step averaged").atLeast(1);
    private static final Param<Long> EVERY = Param.whole("every", 1L, "steps between snapshots (the cycle length with a cyclical rate)")
            .atLeast(1);

    @Registered
    public static final Component<Void, WeightAverage> EMA = Component.of(KIND, "ema")
            .summary("exponential moving average of the weights: a ← β·a + (1 − β)·w after every update")
            .params(DECAY)
            .factory((v, none) -> ema(v.get(DECAY)));

    @Registered
    public static final Component<Void, WeightAverage> SWA = Component.of(KIND, "swa")
            .summary("stochastic weight averaging: the equal-weight mean of the weights at start, start + every, ...")
            .source("Izmailov et al. 2018")
            .params(START, EVERY)
            .factory((v, none) -> swa(v.get(START), v.get(EVERY)));

    public static WeightAverage ema(double decay) {
        if (!(decay > 0 && decay < 1)) {
            throw new PerennialException("EMA decay must be in (0, 1), got " + decay);
        }
        return new WeightAverage(decay, 1, 1);
    }

    public static WeightAverage swa(long start, long every) {
        if (start < 1 || every < 1) {
            throw new PerennialException("SWA start step and period must be at least 1, got start " + start + ", every " + every);
        }
        return new WeightAverage(Double.NaN, start, every);
    }

    /** Reads {@code ema:decay=D} or {@code swa:start=S,every=E} (any registered average). */
    public static WeightAverage parse(String spec) {
        return Spec.build(KIND, spec, "weight average");
    }

    @Override
    public String name() {
        return "weight average " + describe();
    }

    public String describe() {
        return Double.isNaN(decay) ? "swa:start=" + start + ",every=" + every : "ema:decay=" + decay;
    }

    /** Snapshots averaged so far (SWA) or updates seen (EMA). */
    public long count() {
        return state.count();
    }

    @Override
    public void afterUpdate(TrainingContext context, Batch batch) {
        List<Parameter> params = context.model().parameters();
        if (average == null) {
            start(context.model());
        }
        long step = context.globalStep();
        boolean swa = Double.isNaN(decay);
        if (swa && (step < start || (step - start) % every != 0)) {
            return;
        }
        state.increment();
        // first snapshot copies; then EMA a += (1 − β)(w − a), SWA a += (w − a)/n
        double rate = state.count() == 1 ? 1 : swa ? 1.0 / state.count() : 1 - decay;
        for (int i = 0; i < params.size(); i++) {
            average.get(i).addi(params.get(i).array().sub(average.get(i)).muli(rate));
        }
        if (statistics != null) {
            List<Parameter> buffers = context.model().buffers();
            for (int i = 0; i < buffers.size(); i++) {
                statistics.get(i).addi(buffers.get(i).array().sub(statistics.get(i)).muli(rate));
            }
        }
    }

    private void start(Model model) {
        average = state.addZerosLike("average", model.parameters());
        if (!Double.isNaN(decay) && !model.buffers().isEmpty()) {
            statistics = state.addZerosLike("statistics", model.buffers());
        }
    }

    /**
     * Runs {@code evaluation} with the averaged weights in the model, then restores the trained weights. For a model
     * with batch-norm statistics use {@link #withAveragedWeights(Model, Dataset, int, NDManager, Supplier)}.
     */
    public <T> T withAveragedWeights(Model model, Supplier<T> evaluation) {
        return withAveragedWeights(model, null, 0, null, evaluation);
    }

    /**
     * Runs {@code evaluation} with the averaged weights in the model, and statistics that fit them: EMA's averaged
     * statistics, or for SWA statistics recomputed over {@code trainingData} in batches of {@code batchSize}
     * ({@link BatchStatistics}); afterwards the trained weights and statistics are back in place. The data is unused
     * for models without batch-norm statistics.
     */
    public <T> T withAveragedWeights(Model model, Dataset trainingData, int batchSize, NDManager manager, Supplier<T> evaluation) {
        if (state.count() == 0) {
            throw new PerennialException(describe() + " has no snapshot yet (SWA starts at step " + start
                    + "); train longer or start averaging earlier");
        }
        boolean recompute = statistics == null && !model.buffers().isEmpty();
        if (recompute && trainingData == null) {
            throw new PerennialException(describe() + " recomputes the batch-norm statistics of " + model.describe()
                    + " for the averaged weights and needs the training data for it");
        }
        List<Parameter> params = model.parameters();
        List<Parameter> buffers = model.buffers();
        List<NDArray> trained = recompute ? ai.perennial.core.model.Parameters.copies(buffers) : null;
        swapAll(params, average);
        if (statistics != null) {
            swapAll(buffers, statistics);
        }
        try {
            if (recompute) {
                BatchStatistics.recompute(model, trainingData, batchSize, manager);
            }
            return evaluation.get();
        } finally {
            swapAll(params, average);
            if (statistics != null) {
                swapAll(buffers, statistics);
            }
            if (recompute) {
                for (int i = 0; i < buffers.size(); i++) {
                    swap(buffers.get(i).array(), trained.get(i));
                    trained.get(i).close();
                }
            }
        }
    }

    private static void swapAll(List<Parameter> tensors, List<NDArray> other) {
        for (int i = 0; i < tensors.size(); i++) {
            swap(tensors.get(i).array(), other.get(i));
        }
    }

    /** Exchanges the values of two arrays exactly (0·x + y = y for finite x). */
    private static void swap(NDArray a, NDArray b) {
        try (NDArray saved = a.duplicate()) {
            a.muli(0).addi(b);
            b.muli(0).addi(saved);
        }
    }

    @Override
    public StateDict exportState() {
        StateDict out = new StateDict();
        if (average != null) {
            state.exportTo(out, "average.");
        }
        return out;
    }

    @Override
    public void importState(StateDict in, TrainingContext context) {
        if (in.isEmpty()) {
            return; // exported before its first step: nothing averaged yet
        }
        if (average == null) {
            start(context.model());
        }
        state.importFrom(in, "average.");
    }
}
