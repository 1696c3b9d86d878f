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
 * Elastic weight consolidation (Kirkpatrick et al. 2017): after each experience k, the diagonal Fisher F_k
 * at θ*_k; training then minimizes L(θ) + Σ_k (λ/2) Σ_i F_{k,i} (θ_i − θ*_{k,i})², one penalty per past
 * experience (kept merged in one {@link QuadraticPenalty}).
 *
 * <p>Online EWC (Schwarz et al. 2018, "Progress &amp; Compress") keeps one running Fisher F̃ ← γ F̃ + F_k and a
 * single anchor at the latest solution: (λ/2) Σ_i F̃_i (θ_i − θ*_{k,i})².
 *
 * <p>Conventions differ, and together they change what a given λ means by orders of magnitude: the paper's ½
 * ({@code halve: true}, the default) or λ·Σ F (θ − θ*)² as several PyTorch libraries write it ({@code halve: false},
 * twice as strong); the exact empirical Fisher from per-sample gradients ({@code fisher_batch_size: 1}, the default) or
 * from squared mini-batch gradients (the libraries' estimate, smaller by about the batch size where samples disagree).
 */
public final class Ewc implements Strategy {
    private static final Param<Double> LAMBDA = Param.number("lambda", 100.0, "penalty strength λ").positive();
    private static final Param<Integer> FISHER_SAMPLES = Param.integer("fisher_samples", 500,
            "samples of the finished experience for the diagonal Fisher").atLeast(1).atMost(10_000_000);
    private static final Param<Double> GAMMA = Param.number("gamma", 1.0, "decay γ of the running Fisher").inClosed(0, 1);
    private static final Param<Integer> FISHER_BATCH = Param.integer("fisher_batch_size", 1,
            "samples per gradient in the Fisher estimate: 1 = per-sample (the exact empirical Fisher); more = squared mini-batch gradients")
            .atLeast(1).atMost(100_000);
    private static final Param<Boolean> HALVE = Param.flag("halve", true,
            "the penalty is (λ/2)·Σ F (θ − θ*)² as in the paper; false: λ·Σ F (θ − θ*)², as several libraries write it");

    @Registered
    public static final Component<Long, Strategy> EWC = Component.of(KIND, "ewc")
            .summary("elastic weight consolidation: a quadratic penalty per past experience, weighted by the diagonal empirical Fisher")
            .source("Kirkpatrick et al. 2017")
            .family("regularization")
            .params(LAMBDA, FISHER_SAMPLES, FISHER_BATCH, HALVE)
            .factory((v, seed) -> new Ewc(strength(v), null, v.get(FISHER_SAMPLES), v.get(FISHER_BATCH), seed));

    @Registered
    public static final Component<Long, Strategy> ONLINE_EWC = Component.of(KIND, "online-ewc")
            .summary("online EWC: one running Fisher F ← γF + F_k and one anchor at the latest solution")
            .source("Schwarz et al. 2018")
            .family("regularization")
            .params(LAMBDA, GAMMA, FISHER_SAMPLES, FISHER_BATCH, HALVE)
            .factory((v, seed) -> new Ewc(strength(v), v.get(GAMMA), v.get(FISHER_SAMPLES), v.get(FISHER_BATCH), seed));

    private final QuadraticPenalty penalty;
    private final Double onlineGamma;
    private final int fisherSamples;
    private final int fisherBatch;
    private final long seed;

    /**
     * @param lambda the c of the penalty (c/2)·Σ F (θ − θ*)²
     * @param onlineGamma {@code null} for one penalty per experience, else online EWC's decay γ
     * @param fisherBatch samples per gradient of the Fisher estimate (1: per sample)
     */
    public Ewc(double lambda, Double onlineGamma, int fisherSamples, int fisherBatch, long seed) {
        this.penalty = new QuadraticPenalty(lambda);
        this.onlineGamma = onlineGamma;
        this.fisherSamples = fisherSamples;
        this.fisherBatch = fisherBatch;
        this.seed = seed;
    }

    /** The penalty's c: λ with the paper's ½, 2λ for λ·Σ F (θ − θ*)². */
    private static double strength(ai.perennial.core.registry.Values v) {
        return v.get(HALVE) ? v.get(LAMBDA) : 2 * v.get(LAMBDA);
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
        List<NDArray> fisher = Importance.fisher(c.model(), c.experienceData(), fisherSamples, fisherBatch, seed + c.experienceIndex(),
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
