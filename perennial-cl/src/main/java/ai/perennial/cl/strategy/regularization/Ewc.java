package ai.perennial.cl.strategy.regularization;

import ai.djl.ndarray.NDArray;
import ai.perennial.cl.strategy.Strategy;
import ai.perennial.core.train.TrainingContext;
import java.util.List;

/**
 * Elastic weight consolidation (Kirkpatrick et al. 2017): after each experience k, the diagonal Fisher F_k
 * at θ*_k; training then minimizes L(θ) + Σ_k (λ/2) Σ_i F_{k,i} (θ_i − θ*_{k,i})², one penalty per past
 * experience (kept merged in one {@link QuadraticPenalty}).
 *
 * <p>Online EWC (Schwarz et al. 2018, "Progress &amp; Compress") keeps one running Fisher F̃ ← γ F̃ + F_k and a
 * single anchor at the latest solution: (λ/2) Σ_i F̃_i (θ_i − θ*_{k,i})².
 */
public final class Ewc implements Strategy {
    private final QuadraticPenalty penalty;
    private final Double onlineGamma;
    private final int fisherSamples;
    private final long seed;

    /** @param onlineGamma {@code null} for one penalty per experience, else online EWC's decay γ */
    public Ewc(double lambda, Double onlineGamma, int fisherSamples, long seed) {
        this.penalty = new QuadraticPenalty(lambda);
        this.onlineGamma = onlineGamma;
        this.fisherSamples = fisherSamples;
        this.seed = seed;
    }

    @Override
    public String name() {
        return onlineGamma == null ? "ewc" : "online-ewc";
    }

    @Override
    public List<NDArray> transformGradients(TrainingContext c, List<NDArray> grads) {
        return penalty.addGradient(grads, c.model().parameters());
    }

    @Override
    public void onExperienceEnd(TrainingContext c) {
        List<NDArray> fisher = Importance.fisher(c.model(), c.experienceData(), fisherSamples, seed + c.experienceIndex(),
                c.stateManager());
        if (onlineGamma == null) {
            penalty.accumulate(fisher, c.model().parameters());
        } else {
            penalty.decayAndAdd(onlineGamma, fisher, c.model().parameters());
        }
    }

    public QuadraticPenalty penalty() {
        return penalty;
    }
}
