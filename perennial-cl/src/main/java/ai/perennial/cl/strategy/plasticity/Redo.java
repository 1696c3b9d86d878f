package ai.perennial.cl.strategy.plasticity;

import ai.djl.ndarray.NDArray;
import ai.perennial.cl.strategy.Strategy;
import ai.perennial.core.model.Model;
import ai.perennial.core.model.Units;
import ai.perennial.core.registry.Component;
import ai.perennial.core.registry.Param;
import ai.perennial.core.registry.Registered;
import ai.perennial.core.state.Rng;
import ai.perennial.core.state.StateDict;
import ai.perennial.core.train.Batch;
import ai.perennial.core.train.TrainingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * ReDo, recycling dormant neurons (Sokar et al. 2023): every {@code every_steps} steps, each hidden unit's score
 * s_i = mean|h_i| / (mean over the layer's units of mean|h_j|) is measured on that step's batch, and the τ-dormant units
 * (s_i ≤ τ) are reset: incoming weights from the init distribution, bias and outgoing weights 0, optimizer state cleared.
 */
public final class Redo implements Strategy {
    @Registered
    public static final Component<Long, Strategy> REDO = Component.of(KIND, "redo")
            .summary("ReDo: every few steps, reinitialize the τ-dormant hidden units (normalized mean activation ≤ τ)")
            .source("Sokar et al. 2023")
            .family("plasticity")
            .requires(Model.HIDDEN_UNITS)
            .params(Param.number("tau", 0.025, "τ: a unit whose score is at most τ is dormant").nonNegative(),
                    Param.integer("every_steps", 1000, "steps between resets").atLeast(1))
            .factory((v, seed) -> new Redo(v.number("tau"), v.integer("every_steps"), seed));

    private final double tau;
    private final int every;
    private final Rng rng;
    private List<NDArray> scores; // this step's scores when it is a reset step

    public Redo(double tau, int every, long seed) {
        this.tau = tau;
        this.every = every;
        this.rng = new Rng(seed);
    }

    @Override
    public String name() {
        return "redo";
    }

    @Override
    public boolean readsHidden() {
        return true;
    }

    @Override
    public void afterHidden(TrainingContext c, Batch batch, List<NDArray> hidden) {
        if ((c.globalStep() + 1) % every != 0) {
            return;
        }
        scores = new ArrayList<>(hidden.size());
        for (NDArray h : hidden) {
            NDArray activity = ContinualBackprop.meanAbsolute(h.stopGradient());
            scores.add(activity.div(activity.mean().maximum(1e-12f)));
        }
    }

    @Override
    public void afterUpdate(TrainingContext c, Batch batch) {
        if (scores == null) {
            return;
        }
        List<Units> layers = UnitReset.layers(c, name());
        for (int l = 0; l < layers.size(); l++) {
            UnitReset.reset(c, layers.get(l), dormant(scores.get(l).toFloatArray(), tau), rng);
        }
        scores = null;
    }

    /** The units whose score is at most {@code tau}, in order. */
    static int[] dormant(float[] scores, double tau) {
        return IntStream.range(0, scores.length).filter(j -> scores[j] <= tau).toArray();
    }

    @Override
    public StateDict exportState() {
        StateDict out = new StateDict();
        out.putCounter("rng", rng.state());
        return out;
    }

    @Override
    public void importState(StateDict in, TrainingContext c) {
        rng.restore(in.counter("rng"));
    }
}
