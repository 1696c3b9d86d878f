package ai.perennial.cl.strategy.plasticity;

import ai.djl.ndarray.NDArray;
import ai.perennial.cl.strategy.Strategy;
import ai.perennial.cl.strategy.regularization.QuadraticPenalty;
import ai.perennial.core.model.Parameters;
import ai.perennial.core.registry.Component;
import ai.perennial.core.registry.Param;
import ai.perennial.core.registry.Registered;
import ai.perennial.core.state.StateDict;
import ai.perennial.core.train.TrainingContext;
import java.util.List;

/**
 * L2 towards the initial weights, "regenerative regularization" (Kumar et al. 2023): (λ/2)‖θ − θ₀‖² over every
 * parameter, θ₀ the weights before the first step. Unlike L2 towards zero it pulls unused weights back to where the
 * network was trainable, and unlike {@code l2} it never moves its anchor.
 */
public final class L2Init implements Strategy {
    @Registered
    public static final Component<Long, Strategy> L2_INIT = Component.of(KIND, "l2-init")
            .summary("L2 towards the initial weights: (λ/2)‖θ − θ₀‖² (regenerative regularization)")
            .source("Kumar et al. 2023")
            .family("plasticity")
            .params(Param.number("lambda", 1e-2, "penalty strength λ").positive())
            .factory((v, seed) -> new L2Init(v.number("lambda")));

    private final QuadraticPenalty penalty;

    public L2Init(double lambda) {
        this.penalty = new QuadraticPenalty(lambda);
    }

    @Override
    public String name() {
        return "l2-init";
    }

    @Override
    public void onExperienceStart(TrainingContext c) {
        if (!penalty.active()) {
            List<NDArray> ones = Parameters.zerosLike(c.model().parameters());
            ones.forEach(o -> o.addi(1f));
            penalty.reset(ones, c.model().parameters());
        }
    }

    @Override
    public List<NDArray> transformGradients(TrainingContext c, List<NDArray> grads) {
        return penalty.addGradient(grads, c.model().parameters());
    }

    @Override
    public StateDict exportState() {
        StateDict out = new StateDict();
        penalty.exportTo(out, "penalty.");
        return out;
    }

    @Override
    public void importState(StateDict in, TrainingContext c) {
        penalty.importFrom(in, "penalty.", c.model().parameters());
    }
}
