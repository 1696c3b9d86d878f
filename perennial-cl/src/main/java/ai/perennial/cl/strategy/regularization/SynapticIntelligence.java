package ai.perennial.cl.strategy.regularization;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.perennial.cl.strategy.Strategy;
import ai.perennial.cl.strategy.Tensors;
import ai.perennial.core.model.Parameter;
import ai.perennial.core.model.Parameters;
import ai.perennial.core.registry.Component;
import ai.perennial.core.registry.Param;
import ai.perennial.core.registry.Registered;
import ai.perennial.core.state.StateDict;
import ai.perennial.core.train.Batch;
import ai.perennial.core.train.TrainingContext;
import java.util.ArrayList;
import java.util.List;

/**
 * Synaptic intelligence (Zenke, Poole &amp; Ganguli 2017). During an experience each parameter's path integral
 * ω_i += −g_i Δθ_i accumulates, g the task-loss gradient and Δθ the update actually applied; at its end
 * Ω_i += max(0, ω_i / (Δ_i² + ξ)) with Δ the parameter's total change over the experience, and the
 * penalty c Σ_i Ω_i (θ_i − θ*_i)² anchors at the end point. (Negative contributions are clipped, a common
 * stabilization.)
 */
public final class SynapticIntelligence implements Strategy {
    @Registered
    public static final Component<Long, Strategy> SI = Component.of(KIND, "si")
            .summary("synaptic intelligence: per-parameter path integrals of −g·Δθ become the importance of a quadratic penalty")
            .source("Zenke, Poole & Ganguli 2017")
            .family("regularization")
            .params(Param.number("c", 0.5, "penalty strength c").positive(),
                    Param.number("xi", 0.1, "damping ξ of the importance denominator").positive())
            .factory((v, seed) -> new SynapticIntelligence(v.number("c"), v.number("xi")));

    private final QuadraticPenalty penalty;
    private final double xi;
    private List<NDArray> omega;
    private List<NDArray> start;
    private List<NDArray> importance;
    private List<NDArray> stepGrads;
    private List<NDArray> stepBefore;

    public SynapticIntelligence(double c, double xi) {
        this.penalty = new QuadraticPenalty(2 * c); // c Σ Ω (θ − θ*)² = (2c/2) Σ ...
        this.xi = xi;
    }

    @Override
    public String name() {
        return "si";
    }

    @Override
    public void onExperienceStart(TrainingContext c) {
        List<Parameter> params = c.model().parameters();
        if (omega == null) {
            omega = Parameters.zerosLike(params);
            importance = Parameters.zerosLike(params);
        }
        Tensors.close(start);
        start = Parameters.copies(params);
    }

    @Override
    public List<NDArray> transformGradients(TrainingContext c, List<NDArray> grads) {
        // step-scope copies: the gradient buffers are zeroed after the update
        stepGrads = new ArrayList<>(grads.size());
        stepBefore = new ArrayList<>(grads.size());
        List<Parameter> params = c.model().parameters();
        for (int i = 0; i < grads.size(); i++) {
            stepGrads.add(grads.get(i).duplicate());
            stepBefore.add(params.get(i).array().stopGradient().duplicate());
        }
        return penalty.addGradient(grads, params);
    }

    @Override
    public void afterUpdate(TrainingContext c, Batch batch) {
        List<Parameter> params = c.model().parameters();
        for (int i = 0; i < params.size(); i++) {
            NDArray delta = params.get(i).array().stopGradient().sub(stepBefore.get(i));
            omega.get(i).subi(delta.muli(stepGrads.get(i)));
        }
    }

    @Override
    public void onExperienceEnd(TrainingContext c) {
        List<Parameter> params = c.model().parameters();
        for (int i = 0; i < params.size(); i++) {
            try (NDScope scope = new NDScope()) {
                NDArray total = params.get(i).array().stopGradient().sub(start.get(i));
                NDArray contribution = omega.get(i).div(total.square().addi((float) xi)).maximum(0f);
                importance.get(i).addi(contribution);
                omega.get(i).muli(0);
            }
        }
        List<NDArray> copy = new ArrayList<>();
        for (NDArray w : importance) {
            NDArray d = w.duplicate();
            NDScope.unregister(d);
            copy.add(d);
        }
        penalty.reset(copy, params);
    }

    /** The running path integrals ω of the current experience (for tests). */
    public List<NDArray> pathIntegrals() {
        return omega;
    }

    public QuadraticPenalty penalty() {
        return penalty;
    }

    @Override
    public StateDict exportState() {
        StateDict out = new StateDict();
        penalty.exportTo(out, "penalty.");
        out.putCounter("started", omega == null ? 0 : 1);
        if (omega != null) {
            for (int i = 0; i < omega.size(); i++) {
                out.putArray("omega." + i, omega.get(i));
                out.putArray("importance." + i, importance.get(i));
                out.putArray("start." + i, start.get(i));
            }
        }
        return out;
    }

    @Override
    public void importState(StateDict in, TrainingContext c) {
        List<Parameter> params = c.model().parameters();
        penalty.importFrom(in, "penalty.", params);
        if (in.counter("started") == 1) {
            omega = Parameters.zerosLike(params);
            importance = Parameters.zerosLike(params);
            start = Parameters.zerosLike(params);
            for (int i = 0; i < params.size(); i++) {
                in.copyInto("omega." + i, omega.get(i));
                in.copyInto("importance." + i, importance.get(i));
                in.copyInto("start." + i, start.get(i));
            }
        }
    }
}
