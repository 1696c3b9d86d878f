package ai.perennial.cl.strategy.plasticity;

import ai.djl.ndarray.NDArray;
import ai.perennial.cl.metrics.PlasticityDiagnostics;
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

/**
 * ReDo, recycling dormant neurons (Sokar et al. 2023): every {@code every_steps} steps, each hidden unit's score
 * s_i = mean|h_i| / (mean over the layer's units of mean|h_j|) is measured on that step's batch, and the τ-dormant units
 * (s_i ≤ τ, {@link PlasticityDiagnostics#dormantUnits}) are reset: incoming weights from the init distribution, bias and
 * outgoing weights 0, optimizer state cleared.
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
    private List<NDArray> activity; // this step's mean |h| per unit and layer, when it is a reset step

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
        activity = new ArrayList<>(hidden.size());
        for (NDArray h : hidden) {
            activity.add(ContinualBackprop.meanAbsolute(h.stopGradient()));
        }
    }

    @Override
    public void afterUpdate(TrainingContext c, Batch batch) {
        if (activity == null) {
            return;
        }
        List<Units> layers = UnitReset.layers(c, name());
        for (int l = 0; l < layers.size(); l++) {
            float[] read = activity.get(l).toFloatArray();
            double[] mean = new double[read.length];
            for (int j = 0; j < read.length; j++) {
                mean[j] = read[j];
            }
            UnitReset.reset(c, layers.get(l), PlasticityDiagnostics.dormantUnits(mean, tau), rng);
        }
        activity = null;
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
