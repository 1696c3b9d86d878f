package ai.perennial.core.sparsity;

import ai.perennial.core.PerennialException;
import java.util.ArrayList;
import java.util.List;

/**
 * Lottery-ticket experiments as pure orchestration over a training function: which weights to start from, which mask to
 * train with, which mask comes next. Every ticket is trained from the rewind point θ_k (the weights after k steps of the
 * dense run; k = 0 is the original initialization) with its mask applied throughout.
 * <ul>
 *   <li><b>one-shot</b>: prune the trained dense network to each sparsity at once;</li>
 *   <li><b>iterative magnitude pruning (IMP)</b> with rewinding (Frankle &amp; Carbin 2019; Frankle et al. 2020): train,
 *   prune to the next sparsity among the surviving weights, rewind to θ_k, retrain, repeat;</li>
 *   <li><b>random re-initialization</b>: IMP's masks trained from a fresh initialization (the control that shows the
 *   ticket's initial values matter);</li>
 *   <li><b>COLT</b> (cyclic overlapping lottery tickets): each round trains one copy per data segment from θ_k under the
 *   current mask, prunes each, and keeps the intersection of their masks.</li>
 * </ul>
 * Sparsity counts the prunable tensors only (weight matrices, not biases).
 */
public final class LotteryTickets {
    /** Trains from {@code start} with {@code mask} kept after every update, on data segment {@code segment} (−1: all). */
    @FunctionalInterface
    public interface Training {
        float[][] train(float[][] start, float[][] mask, int segment);
    }

    /** Test accuracy of a network with these weights. */
    @FunctionalInterface
    public interface Evaluation {
        double accuracy(float[][] weights);
    }

    /** One ticket: the sparsity asked for and measured, its mask and its accuracy after training. */
    public record Ticket(double sparsity, double measured, float[][] mask, double accuracy) {
    }

    private final boolean[] prunable;
    private final Masks.Scope scope;
    private final Training training;
    private final Evaluation evaluation;

    public LotteryTickets(boolean[] prunable, Masks.Scope scope, Training training, Evaluation evaluation) {
        this.prunable = prunable.clone();
        this.scope = scope;
        this.training = training;
        this.evaluation = evaluation;
    }

    /** Every level of {@code sparsities} is in (0, 1) and above the previous one. */
    public static void checkLevels(double[] sparsities) {
        double previous = 0;
        for (double s : sparsities) {
            if (!(s > previous && s < 1)) {
                throw new PerennialException("sparsities must increase strictly within (0, 1), got " + java.util.Arrays.toString(sparsities));
            }
            previous = s;
        }
    }

    /** Each level pruned at once from the trained dense network, then trained from θ_k. */
    public List<Ticket> oneShot(float[][] dense, float[][] rewind, double[] sparsities) {
        checkLevels(sparsities);
        List<Ticket> out = new ArrayList<>();
        for (double s : sparsities) {
            float[][] mask = Masks.magnitude(dense, prunable, Masks.dense(dense), s, scope);
            out.add(trained(s, mask, rewind));
        }
        return out;
    }

    /** IMP: each level prunes the previous level's trained ticket among its surviving weights. */
    public List<Ticket> iterative(float[][] dense, float[][] rewind, double[] sparsities) {
        checkLevels(sparsities);
        List<Ticket> out = new ArrayList<>();
        float[][] weights = dense;
        float[][] mask = Masks.dense(dense);
        for (double s : sparsities) {
            mask = Masks.magnitude(weights, prunable, mask, s, scope);
            weights = training.train(Masks.masked(rewind, mask), mask, -1);
            out.add(new Ticket(s, Masks.sparsity(mask, prunable), mask, evaluation.accuracy(weights)));
        }
        return out;
    }

    /** The given tickets' masks trained from {@code init} instead of their rewind point. */
    public List<Ticket> reinitialized(List<Ticket> tickets, float[][] init) {
        List<Ticket> out = new ArrayList<>();
        for (Ticket t : tickets) {
            out.add(trained(t.sparsity(), t.mask(), init));
        }
        return out;
    }

    /**
     * COLT over {@code segments} data segments: per level, one copy per segment trained from θ_k under the current mask;
     * each is pruned to the smallest common per-segment sparsity whose mask intersection reaches the level; the
     * intersection is the level's ticket, trained on all the data from θ_k.
     */
    public List<Ticket> colt(float[][] rewind, double[] sparsities, int segments) {
        checkLevels(sparsities);
        if (segments < 2) {
            throw new PerennialException("COLT needs at least 2 data segments, got " + segments);
        }
        List<Ticket> out = new ArrayList<>();
        float[][] mask = Masks.dense(rewind);
        for (double s : sparsities) {
            float[][][] trained = new float[segments][][];
            for (int g = 0; g < segments; g++) {
                trained[g] = training.train(Masks.masked(rewind, mask), mask, g);
            }
            mask = overlapMask(trained, mask, s);
            out.add(trained(s, mask, rewind));
        }
        return out;
    }

    /**
     * The intersection of the segments' magnitude masks at one common per-segment sparsity q, with q the smallest value
     * (to 1e-6) whose intersection is at least {@code target} sparse. Intersection sparsity grows with q, so bisection
     * finds it.
     */
    float[][] overlapMask(float[][][] trained, float[][] alive, double target) {
        double low = 0;
        double high = target;
        float[][] best = intersect(trained, alive, high);
        while (high - low > 1e-6) {
            double mid = (low + high) / 2;
            float[][] m = intersect(trained, alive, mid);
            if (Masks.sparsity(m, prunable) >= target) {
                high = mid;
                best = m;
            } else {
                low = mid;
            }
        }
        return best;
    }

    private float[][] intersect(float[][][] trained, float[][] alive, double q) {
        float[][][] masks = new float[trained.length][][];
        for (int g = 0; g < trained.length; g++) {
            masks[g] = Masks.magnitude(trained[g], prunable, alive, q, scope);
        }
        return Masks.intersection(masks);
    }

    private Ticket trained(double s, float[][] mask, float[][] start) {
        float[][] weights = training.train(Masks.masked(start, mask), mask, -1);
        return new Ticket(s, Masks.sparsity(mask, prunable), mask, evaluation.accuracy(weights));
    }
}
