package ai.perennial.cl.strategy.regularization;

import ai.djl.ndarray.NDArray;
import ai.perennial.cl.strategy.Strategy;
import ai.perennial.core.train.TrainingContext;
import java.util.List;

/**
 * Online EWC (Schwarz et al. 2018, "Progress &amp; Compress"): one running Fisher F̃ ← γ F̃ + F_k and a
 * single anchor at the latest solution: penalty (λ/2) Σ_i F̃_i (θ_i − θ*_{k,i})².
 */
public final class OnlineEwc implements Strategy {
    private final QuadraticPenalty penalty;
    private final double gamma;
    private final int fisherSamples;
    private final long seed;

    public OnlineEwc(double lambda, double gamma, int fisherSamples, long seed) {
        this.penalty = new QuadraticPenalty(lambda);
        this.gamma = gamma;
        this.fisherSamples = fisherSamples;
        this.seed = seed;
    }

    @Override
    public String name() {
        return "online-ewc";
    }

    @Override
    public List<NDArray> transformGradients(TrainingContext c, List<NDArray> grads) {
        return penalty.addGradient(grads, c.model().parameters());
    }

    @Override
    public void onExperienceEnd(TrainingContext c) {
        List<NDArray> fisher = Importance.fisher(c.model(), c.experienceData(), fisherSamples, seed + c.experienceIndex(),
                c.stateManager());
        penalty.decayAndAdd(gamma, fisher, c.model().parameters());
    }
}
