package ai.perennial.core.sparsity;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.perennial.core.PerennialException;
import ai.perennial.core.model.Parameter;
import ai.perennial.core.model.Parameters;
import ai.perennial.core.registry.Component;
import ai.perennial.core.registry.Kind;
import ai.perennial.core.registry.Param;
import ai.perennial.core.registry.Registered;
import ai.perennial.core.registry.Spec;
import ai.perennial.core.registry.Values;
import ai.perennial.core.state.StateDict;
import ai.perennial.core.train.Batch;
import ai.perennial.core.train.TrainingContext;
import ai.perennial.core.train.TrainingHook;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Pruning masks as training state: after every optimizer update the weights are multiplied by their masks, so pruned
 * entries stay exactly zero whatever the optimizer does (momentum, Adam's moments, decoupled weight decay). The masks are
 * either fixed (a lottery ticket, a PackNet allocation) or recomputed by magnitude on a gradual schedule. Weight matrices
 * are prunable (the output heads included), biases are not. Masks export and import as state.
 */
public final class Pruning implements TrainingHook {
    /** Pruning has no context; {@link #parse} reads it from text such as {@code magnitude:sparsity=0.9}. */
    public static final Kind<Void, Pruning> KIND = Kind.of("pruning", "pruning",
            "weight pruning during training, written name:key=value");

    private static final Param<Double> SPARSITY = Param.number("sparsity", 0.9, "final fraction of prunable weights set to zero")
            .inClosed(0, 0.9999);
    private static final Param<String> SCOPE = Param.choice("scope", "global", "one magnitude threshold over all weight matrices, "
            + "or the same sparsity in each", "global", "layer");
    private static final Param<Long> START = Param.whole("start", 1L, "step of the first pruning").atLeast(1);
    private static final Param<Long> END = Param.whole("end", 1000L, "step at which the final sparsity is reached (= start: one-shot)")
            .atLeast(1);
    private static final Param<Long> EVERY = Param.whole("every", 100L, "steps between mask updates").atLeast(1);

    @Registered
    public static final Component<Void, Pruning> MAGNITUDE = Component.of(KIND, "magnitude")
            .summary("gradual magnitude pruning: s(t) = s_f(1 − (1 − (t − start)/(end − start))³), masks recomputed every 'every' steps")
            .source("Zhu & Gupta 2017; Han et al. 2015")
            .params(SPARSITY, SCOPE, START, END, EVERY)
            .factory((v, none) -> scheduled(v, false));

    @Registered
    public static final Component<Void, Pruning> MOVEMENT = Component.of(KIND, "movement")
            .summary("gradual movement pruning: keep the weights with the largest score S = −Σ_t g_t ⊙ w_t (moving away from zero), "
                    + "on the same cubic schedule")
            .source("Sanh et al. 2020")
            .params(SPARSITY, SCOPE, START, END, EVERY)
            .factory((v, none) -> scheduled(v, true));

    private static Pruning scheduled(Values v, boolean movement) {
        if (v.get(END) < v.get(START)) {
            throw new PerennialException("pruning: end " + v.get(END) + " is before start " + v.get(START) + "; set end >= start");
        }
        return new Pruning(null, movement, v.get(SPARSITY), Masks.Scope.parse(v.get(SCOPE)), v.get(START), v.get(END), v.get(EVERY));
    }

    private final boolean movement;
    private final double target;
    private final Masks.Scope scope;
    private final long start;
    private final long end;
    private final long every;
    private float[][] masks;     // host copy, null before the first pruning
    private NDArray[] device;    // per parameter; null where nothing is pruned
    private NDArray[] scores;    // movement scores per prunable parameter (movement pruning only)

    private Pruning(float[][] fixed, boolean movement, double target, Masks.Scope scope, long start, long end, long every) {
        this.masks = fixed;
        this.movement = movement;
        this.target = target;
        this.scope = scope;
        this.start = start;
        this.end = end;
        this.every = every;
    }

    /** Fixed masks, one per parameter in order (all ones where nothing is pruned), applied after every update. */
    public static Pruning fixed(float[][] masks) {
        return new Pruning(masks, false, Double.NaN, null, 0, 0, 0);
    }

    /** Reads {@code magnitude|movement:sparsity=S,scope=global|layer,start=A,end=B,every=E}. */
    public static Pruning parse(String spec) {
        return Spec.build(KIND, spec, "pruning");
    }

    public String describe() {
        if (scope == null) {
            return "fixed masks";
        }
        return (movement ? MOVEMENT : MAGNITUDE).name() + ":sparsity=" + target + ",scope=" + scope.name().toLowerCase(java.util.Locale.ROOT)
                + ",start=" + start + ",end=" + end + ",every=" + every;
    }

    @Override
    public String name() {
        return "pruning " + describe();
    }

    /** Which parameters may be pruned: weight matrices, not biases. */
    public static boolean[] prunable(List<Parameter> params) {
        boolean[] out = new boolean[params.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = params.get(i).decays();
        }
        return out;
    }

    @Override
    public void onExperienceStart(TrainingContext context) {
        if (masks != null && device == null) {
            upload(context);
        }
    }

    /** Movement pruning accumulates S −= g ⊙ w from the step's gradients until the last pruning step. */
    @Override
    public List<NDArray> transformGradients(TrainingContext context, List<NDArray> grads) {
        if (movement && context.globalStep() < end) { // globalStep counts finished steps: this is step globalStep + 1
            List<Parameter> params = context.model().parameters();
            if (scores == null) {
                allocateScores(params);
            }
            for (int i = 0; i < scores.length; i++) {
                if (scores[i] != null) {
                    scores[i].subi(grads.get(i).mul(params.get(i).array()));
                }
            }
        }
        return grads;
    }

    @Override
    public void afterUpdate(TrainingContext context, Batch batch) {
        long step = context.globalStep();
        if (scope != null && step >= start && step <= end && (step - start) % every == 0) {
            List<Parameter> params = context.model().parameters();
            float[][] values = Parameters.values(params);
            float[][] alive = masks == null ? Masks.dense(values) : masks;
            double sparsity = Masks.gradualSparsity(step, start, end, 0, target);
            masks = movement ? Masks.largestScores(hostScores(values), prunable(params), alive, sparsity, scope)
                    : Masks.magnitude(values, prunable(params), alive, sparsity, scope);
            upload(context);
        }
        apply(context.model().parameters());
    }

    private void allocateScores(List<Parameter> params) {
        boolean[] scored = prunable(params);
        scores = new NDArray[params.size()];
        for (int i = 0; i < scores.length; i++) {
            if (scored[i]) {
                scores[i] = params.get(i).array().zerosLike();
                NDScope.unregister(scores[i]);
            }
        }
    }

    /** The movement scores on the host, zeros for parameters that are not scored (and before the first step). */
    float[][] hostScores(float[][] like) {
        float[][] out = new float[like.length][];
        for (int i = 0; i < like.length; i++) {
            out[i] = scores != null && scores[i] != null ? scores[i].toFloatArray() : new float[like[i].length];
        }
        return out;
    }

    /** Multiplies every pruned parameter by its mask. */
    public void apply(List<Parameter> params) {
        if (device == null) {
            return;
        }
        for (int i = 0; i < device.length; i++) {
            if (device[i] != null) {
                params.get(i).array().muli(device[i]);
            }
        }
    }

    private void upload(TrainingContext context) {
        List<Parameter> params = context.model().parameters();
        if (masks.length != params.size()) {
            throw new PerennialException("pruning: " + masks.length + " masks for a model of " + params.size() + " parameters");
        }
        if (device != null) {
            for (NDArray d : device) {
                if (d != null) {
                    d.close();
                }
            }
        }
        NDManager manager = context.stateManager();
        device = new NDArray[masks.length];
        for (int i = 0; i < masks.length; i++) {
            if (masks[i].length != params.get(i).array().getShape().size()) {
                throw new PerennialException("pruning: mask " + i + " has " + masks[i].length + " entries, parameter "
                        + params.get(i).name() + " has " + params.get(i).array().getShape().size());
            }
            if (Masks.sparsity(masks[i]) > 0) {
                device[i] = manager.create(masks[i], params.get(i).array().getShape());
                NDScope.unregister(device[i]);
            }
        }
        apply(params);
    }

    private static int firstPrunable(List<Parameter> params) {
        for (int i = 0; i < params.size(); i++) {
            if (params.get(i).decays()) {
                return i;
            }
        }
        return -1;
    }

    /** The current masks (host), or {@code null} before the first pruning. */
    public float[][] masks() {
        return masks;
    }

    /** Sparsity of every prunable parameter, by name, and {@code total} over all of them. */
    public Map<String, Double> sparsityByLayer(List<Parameter> params) {
        Map<String, Double> out = new LinkedHashMap<>();
        boolean[] prunable = prunable(params);
        float[][] m = masks == null ? Masks.dense(Parameters.values(params)) : masks;
        for (int i = 0; i < params.size(); i++) {
            if (prunable[i]) {
                out.put(params.get(i).name(), Masks.sparsity(m[i]));
            }
        }
        out.put("total", Masks.sparsity(m, prunable));
        return out;
    }

    @Override
    public StateDict exportState() {
        StateDict out = new StateDict();
        if (scores != null) {
            for (int i = 0; i < scores.length; i++) {
                if (scores[i] != null) {
                    out.putArray("score." + i, scores[i]);
                }
            }
        }
        if (masks != null) {
            out.putCounter("count", masks.length);
            for (int i = 0; i < masks.length; i++) {
                out.putFloats("mask." + i, masks[i]);
            }
        }
        return out;
    }

    @Override
    public void importState(StateDict in, TrainingContext context) {
        List<Parameter> params = context.model().parameters();
        if (movement && in.has("score." + firstPrunable(params))) {
            allocateScores(params);
            for (int i = 0; i < scores.length; i++) {
                if (scores[i] != null) {
                    in.copyInto("score." + i, scores[i]);
                }
            }
        }
        if (!in.has("count")) {
            return; // exported before the first pruning
        }
        float[][] restored = new float[(int) in.counter("count")][];
        for (int i = 0; i < restored.length; i++) {
            restored[i] = in.floats("mask." + i);
        }
        masks = restored;
        upload(context);
    }
}
