package ai.perennial.cl.strategy.regularization;

import ai.djl.ndarray.NDArray;
import ai.perennial.cl.strategy.Strategy;
import ai.perennial.core.registry.Component;
import ai.perennial.core.registry.Param;
import ai.perennial.core.registry.Registered;
import ai.perennial.core.state.StateDict;
import ai.perennial.core.train.TrainingContext;
import java.util.List;

/**
 * Memory-aware synapses (Aljundi et al. 2018): importance Ω from the sensitivity of the squared output
 * norm, Ω ← α Ω + (1 − α) Ω_k after each experience (Ω_1 for the first), penalty λ Σ_i Ω_i (θ_i − θ*_i)².
 */
public final class Mas implements Strategy {
    @Registered
    public static final Component<Long, Strategy> MAS = Component.of(KIND, "mas")
            .summary("memory-aware synapses: importance from the sensitivity of the squared output norm, Ω ← αΩ + (1 − α)Ω_k")
            .source("Aljundi et al. 2018")
            .family("regularization")
            .params(Param.number("lambda", 1.0, "penalty strength λ").positive(),
                    Param.number("alpha", 0.5, "weight α of the previous importance").inClosed(0, 1),
                    Param.integer("samples", 500, "samples for the importance").atLeast(1).atMost(10_000_000))
            .factory((v, seed) -> new Mas(v.number("lambda"), v.number("alpha"), v.integer("samples"), seed));

    private final QuadraticPenalty penalty;
    private final double alpha;
    private final int samples;
    private final long seed;

    public Mas(double lambda, double alpha, int samples, long seed) {
        this.penalty = new QuadraticPenalty(2 * lambda); // λ Σ Ω (θ − θ*)² = (2λ/2) Σ ...
        this.alpha = alpha;
        this.samples = samples;
        this.seed = seed;
    }

    @Override
    public String name() {
        return "mas";
    }

    @Override
    public List<NDArray> transformGradients(TrainingContext c, List<NDArray> grads) {
        return penalty.addGradient(grads, c.model().parameters());
    }

    @Override
    public void onExperienceEnd(TrainingContext c) {
        List<NDArray> fresh = Importance.mas(c.model(), c.experienceData(), samples, seed + c.experienceIndex(), c.stateManager());
        if (penalty.active()) {
            for (int i = 0; i < fresh.size(); i++) {
                fresh.get(i).muli((float) (1 - alpha)).addi(penalty.importance().get(i).mul((float) alpha));
            }
        }
        penalty.reset(fresh, c.model().parameters());
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
