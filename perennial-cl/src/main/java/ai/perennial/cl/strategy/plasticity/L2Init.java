package ai.perennial.cl.strategy.plasticity;

import ai.djl.ndarray.NDArray;
import ai.perennial.cl.strategy.Strategy;
import ai.perennial.cl.strategy.Tensors;
import ai.perennial.core.model.Parameter;
import ai.perennial.core.model.Parameters;
import ai.perennial.core.registry.Component;
import ai.perennial.core.registry.Param;
import ai.perennial.core.registry.Registered;
import ai.perennial.core.state.StateDict;
import ai.perennial.core.train.TrainingContext;
import java.util.ArrayList;
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

    private final double lambda;
    private List<NDArray> initial;

    public L2Init(double lambda) {
        this.lambda = lambda;
    }

    @Override
    public String name() {
        return "l2-init";
    }

    @Override
    public void onExperienceStart(TrainingContext c) {
        if (initial == null) {
            initial = Parameters.copies(c.model().parameters());
        }
    }

    /** Task gradients plus λ(θ − θ₀): three element-wise ops per parameter, no autograd graph. */
    @Override
    public List<NDArray> transformGradients(TrainingContext c, List<NDArray> grads) {
        List<Parameter> params = c.model().parameters();
        List<NDArray> out = new ArrayList<>(grads.size());
        for (int i = 0; i < grads.size(); i++) {
            out.add(params.get(i).array().sub(initial.get(i)).muli((float) lambda).addi(grads.get(i)));
        }
        return out;
    }

    @Override
    public StateDict exportState() {
        StateDict out = new StateDict();
        out.putCounter("active", initial == null ? 0 : 1);
        if (initial != null) {
            for (int i = 0; i < initial.size(); i++) {
                out.putArray("initial." + i, initial.get(i));
            }
        }
        return out;
    }

    @Override
    public void importState(StateDict in, TrainingContext c) {
        Tensors.close(initial);
        initial = null;
        if (in.counter("active") == 1) {
            initial = Parameters.zerosLike(c.model().parameters());
            for (int i = 0; i < initial.size(); i++) {
                in.copyInto("initial." + i, initial.get(i));
            }
        }
    }
}
