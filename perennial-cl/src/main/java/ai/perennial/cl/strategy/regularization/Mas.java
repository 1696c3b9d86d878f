package ai.perennial.cl.strategy.regularization;

import ai.djl.ndarray.NDArray;
import ai.perennial.cl.strategy.Strategy;
import ai.perennial.core.train.TrainingContext;
import java.util.List;

/**
 * Memory-aware synapses (Aljundi et al. 2018): importance Ω from the sensitivity of the squared output
 * norm, Ω ← α Ω + (1 − α) Ω_k after each experience (Ω_1 for the first), penalty λ Σ_i Ω_i (θ_i − θ*_i)².
 */
public final class Mas implements Strategy {
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
}
