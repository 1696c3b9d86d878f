package ai.perennial.core.lowrank;

import ai.perennial.core.PerennialException;
import ai.perennial.core.model.Model;
import ai.perennial.core.optim.GradientTransform;
import ai.perennial.core.optim.Transforms;
import ai.perennial.core.registry.Component;
import ai.perennial.core.registry.Kind;
import ai.perennial.core.registry.Param;
import ai.perennial.core.registry.Registered;
import ai.perennial.core.registry.Spec;
import ai.perennial.core.registry.Trait;
import ai.perennial.core.registry.Values;
import ai.perennial.core.schedule.Schedule;
import java.util.Map;

/**
 * LoRA (Hu et al. 2021): every adapted dense or convolutional layer keeps its weight W0 frozen and trains a rank-r update,
 * y = x·(W0 + (α/r)·B·A)ᵀ + b with B (out × r) starting at zero and A (r × in, or r × in·k·k for a convolution) drawn
 * U(±1/√in) as the reference implementation does; the frozen base is not among the parameters, so optimizers keep no
 * state for it. With {@code restart_every} K &gt; 0 it is ReLoRA (Lialin et al. 2023): every K steps B·A is merged into
 * the base, B restarts at zero and A from a fresh draw, most of the adapters' optimizer state is cleared, and the learning
 * rate re-warms from zero ({@link Schedule#jagged}), so the accumulated update can reach rank (restarts + 1)·r.
 *
 * <p>A run sets it as the {@code training.lora} section: {@code {rank: 8, alpha: 16, restart_every: 500}}.
 */
public final class Lora {
    /** Low-rank adaptation has no context; runs read it from their {@code training.lora} section ({@link #SETTINGS}). */
    public static final Kind<Void, Lora> KIND = Kind.of("adapter", "adapters",
            "low-rank adapters on a frozen base, set as the training.lora section");

    /** What a run with {@code training.lora} gives: strategies that isolate tasks in adapters need it. */
    public static final Trait ADAPTERS = new Trait("adapters", "low-rank-adapters", "low-rank adapters (set training.lora.rank)");

    private static final Param<Integer> RANK = Param.integer("rank", 8, "rank r of each adapter: B is out × r, A is r × in")
            .atLeast(1).atMost(1 << 16);
    private static final Param<Double> ALPHA = Param.number("alpha", null,
            "the update is (alpha / rank)·B·A (default: the rank, a scale of 1)").positive();
    private static final Param<String> LAYERS = Param.choice("layers", "trunk",
            "trunk: adapters on the trunk's dense and convolutional layers, output heads trained in full (new classes need them); "
                    + "all: the heads adapted too", "trunk", "all");
    private static final Param<Long> RESTART_EVERY = Param.whole("restart_every", 0L,
            "ReLoRA: every this many optimizer steps merge B·A into the base and start a fresh adapter (0 = plain LoRA)")
            .nonNegative();
    private static final Param<Long> REWARM_STEPS = Param.whole("rewarm_steps", null,
            "ReLoRA: steps over which the learning rate climbs back from 0 after each restart (default: a tenth of restart_every)")
            .nonNegative();
    private static final Param<Double> OPTIMIZER_RESET = Param.number("optimizer_reset", 0.99,
            "ReLoRA: share of each adapter's entries whose optimizer state is cleared at a restart (those with the smallest first "
                    + "moments); 1 = all of it")
            .inClosed(0, 1);

    @Registered
    public static final Component<Void, Lora> LORA = Component.of(KIND, "lora")
            .summary("LoRA: frozen base, trainable rank-r factors (alpha/r)·B·A per layer; with restart_every, ReLoRA's merge-and-restart")
            .source("Hu et al. 2021; ReLoRA: Lialin et al. 2023")
            .params(RANK, ALPHA, LAYERS, RESTART_EVERY, REWARM_STEPS, OPTIMIZER_RESET)
            .factory((v, none) -> of(v));

    /**
     * The {@code training.lora} key: a mapping of the parameters above (from a config or {@code --set training.lora.rank=8}),
     * or {@code key=value,...} text (from a command-line flag). Resolved to every value used, defaults included.
     */
    public static final Param<Map<String, Object>> SETTINGS = Param.custom("lora", "mapping", null,
            "low-rank adapters on a frozen base (LoRA, ReLoRA), e.g. {rank: 8, alpha: 16, restart_every: 0}; see 'list adapters'",
            Lora::resolve);

    private static final String PATH = "training.lora";

    private final int rank;
    private final double alpha;
    private final boolean adaptHeads;
    private final long restartEvery;
    private final long rewarmSteps;
    private final double optimizerReset;

    private Lora(int rank, double alpha, boolean adaptHeads, long restartEvery, long rewarmSteps, double optimizerReset) {
        this.rank = rank;
        this.alpha = alpha;
        this.adaptHeads = adaptHeads;
        this.restartEvery = restartEvery;
        this.rewarmSteps = rewarmSteps;
        this.optimizerReset = optimizerReset;
    }

    private static Lora of(Values v) {
        long every = v.get(RESTART_EVERY);
        Long rewarm = v.get(REWARM_STEPS);
        if (every == 0 && rewarm != null) {
            throw new PerennialException(PATH + ".rewarm_steps: only ReLoRA re-warms; set restart_every > 0 or drop rewarm_steps");
        }
        if (rewarm != null && rewarm > every) {
            throw new PerennialException(PATH + ".rewarm_steps: must be at most restart_every (" + every + "), got " + rewarm);
        }
        return new Lora(v.get(RANK), v.get(ALPHA, (double) v.get(RANK)), v.get(LAYERS).equals("all"), every,
                rewarm != null ? rewarm : every / 10, v.get(OPTIMIZER_RESET));
    }

    private static Map<String, Object> resolve(Object raw) {
        Map<String, ?> given;
        if (raw instanceof Map<?, ?> map) {
            java.util.LinkedHashMap<String, Object> copy = new java.util.LinkedHashMap<>();
            map.forEach((k, v) -> copy.put(String.valueOf(k), v));
            given = copy;
        } else if (raw instanceof String text) {
            given = Spec.parse(text.contains(":") ? text : LORA.name() + ":" + text, PATH).params();
        } else {
            throw new IllegalArgumentException("expected a mapping such as {rank: 8}");
        }
        Values values = LORA.resolve(given, PATH);
        of(values); // combinations the single keys cannot check
        return values.asMap();
    }

    /** The adapters a run's {@code training.lora} value describes, or null when it has none. */
    public static Lora of(Map<String, Object> settings) {
        return settings == null ? null : LORA.build(LORA.resolve(settings, PATH), null);
    }

    public int rank() {
        return rank;
    }

    /** α / r, the factor of B·A. */
    public double scale() {
        return alpha / rank;
    }

    public boolean restarts() {
        return restartEvery > 0;
    }

    /** {@code base} with adapters on its layers, A drawn from {@code seed}. */
    public LoraModel wrap(Model base, long seed) {
        return new LoraModel(base, rank, scale(), adaptHeads, seed);
    }

    /**
     * The run's optimizer: {@code recipe} as it is, or for ReLoRA followed by the jagged re-warm factor, which multiplies
     * every update and so the learning rate of the SGD and Adam families.
     */
    public GradientTransform optimizer(GradientTransform recipe) {
        if (!restarts()) {
            return recipe;
        }
        return Transforms.chain(recipe, Transforms.scaleBySchedule(Schedule.jagged(Schedule.constant(1), restartEvery, rewarmSteps)));
    }

    /** What LoRA does in the training loop of {@code model}: ReLoRA's restarts (A drawn from {@code seed}), its state in checkpoints. */
    public LoraTraining training(LoraModel model, long seed) {
        return new LoraTraining(model, restartEvery, optimizerReset, seed);
    }

    /**
     * The folded weight W0 + s·B·A of one adapted layer, summed in double on the host: W0 row-major with {@code w0.length /
     * fanIn} rows, A (r × fanIn) and B (rows × r) as the model holds them. What an export writes in place of the adapters.
     */
    public float[] fold(float[] w0, float[] a, float[] b) {
        int fanIn = a.length / rank;
        int rows = b.length / rank;
        if ((long) rows * fanIn != w0.length || (long) rank * fanIn != a.length) {
            throw new IllegalArgumentException("a rank-" + rank + " adapter of " + a.length + " + " + b.length + " values does not fit a weight of "
                    + w0.length);
        }
        double s = scale();
        float[] out = new float[w0.length];
        for (int o = 0; o < rows; o++) {
            for (int i = 0; i < fanIn; i++) {
                double sum = 0;
                for (int k = 0; k < rank; k++) {
                    sum += (double) b[o * rank + k] * a[k * fanIn + i];
                }
                out[o * fanIn + i] = (float) (w0[o * fanIn + i] + s * sum);
            }
        }
        return out;
    }

    public String describe() {
        return LORA.name() + " r=" + rank + " alpha=" + alpha + (adaptHeads ? " (heads adapted)" : "")
                + (restarts() ? ", ReLoRA restart every " + restartEvery + " steps, re-warm " + rewarmSteps + ", optimizer reset "
                        + optimizerReset : "");
    }
}
