package ai.perennial.cl.strategy.regularization;

import ai.djl.ndarray.NDArray;
import ai.perennial.cl.strategy.Strategy;
import ai.perennial.core.model.Parameters;
import ai.perennial.core.registry.Component;
import ai.perennial.core.registry.Param;
import ai.perennial.core.registry.Registered;
import ai.perennial.core.state.StateDict;
import ai.perennial.core.train.TrainingContext;
import java.util.List;

/** L2 towards the previous experience's weights: (λ/2) ‖θ − θ*_{k−1}‖², i.e. EWC with Ω = 1. */
public final class L2 implements Strategy {
    @Registered
    public static final Component<Long, Strategy> L2 = Component.of(KIND, "l2")
            .summary("L2 towards the previous experience's weights: (λ/2)‖θ − θ*‖² (EWC with unit importance)")
            .source("e.g. Smith et al. 2023")
            .family("regularization")
            .params(Param.number("lambda", 1.0, "penalty strength λ").positive())
            .factory((v, seed) -> new L2(v.number("lambda")));

    private final QuadraticPenalty penalty;

    public L2(double lambda) {
        this.penalty = new QuadraticPenalty(lambda);
    }

    @Override
    public String name() {
        return "l2";
    }

    @Override
    public List<NDArray> transformGradients(TrainingContext c, List<NDArray> grads) {
        return penalty.addGradient(grads, c.model().parameters());
    }

    @Override
    public void onExperienceEnd(TrainingContext c) {
        List<NDArray> ones = Parameters.zerosLike(c.model().parameters());
        ones.forEach(o -> o.addi(1f));
        penalty.reset(ones, c.model().parameters());
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
