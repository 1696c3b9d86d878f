package ai.perennial.cl.strategy.regularization;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.perennial.cl.strategy.Tensors;
import ai.perennial.core.model.Parameter;
import ai.perennial.core.model.Parameters;
import ai.perennial.core.state.StateDict;
import java.util.ArrayList;
import java.util.List;

/**
 * The penalty shared by the parameter-regularization family: {@code (c/2) Σ_i Ω_i (θ_i − θ*_i)²}, with
 * per-parameter importance Ω and anchor θ*. Its gradient {@code c Ω ⊙ (θ − θ*)} is added to the task
 * gradient directly (a few fused element-wise ops per parameter, no extra autograd graph).
 *
 * <p>EWC's sum of one penalty per past task, Σ_k (c/2) Σ_i F_{k,i}(θ_i − θ*_{k,i})², equals this form up to
 * a constant with Ω = Σ_k F_k and θ* = Σ_k F_k θ*_k / Ω, so {@link #accumulate} keeps its cost independent
 * of the number of tasks.
 */
public final class QuadraticPenalty {
    private final double coefficient;
    private List<NDArray> importance;
    private List<NDArray> anchor;

    public QuadraticPenalty(double coefficient) {
        this.coefficient = coefficient;
    }

    public boolean active() {
        return importance != null;
    }

    public List<NDArray> importance() {
        return importance;
    }

    public List<NDArray> anchor() {
        return anchor;
    }

    /** Ω ← Ω_new, θ* ← θ (L2, SI, MAS, online EWC). Takes ownership of {@code newImportance}. */
    public void reset(List<NDArray> newImportance, List<Parameter> params) {
        Tensors.close(importance);
        Tensors.close(anchor);
        importance = newImportance;
        anchor = Parameters.copies(params);
    }

    /**
     * Adds one more task's penalty {@code F (θ − θ_now)²}: Ω ← Ω + F, θ* ← (Ω θ* + F θ_now) / (Ω + F) where
     * Ω + F &gt; 0 (elsewhere θ* is irrelevant). Takes ownership of {@code taskImportance}.
     */
    public void accumulate(List<NDArray> taskImportance, List<Parameter> params) {
        if (importance == null) {
            reset(taskImportance, params);
            return;
        }
        for (int i = 0; i < params.size(); i++) {
            try (NDScope scope = new NDScope()) {
                NDArray omega = importance.get(i);
                NDArray f = taskImportance.get(i);
                NDArray theta = params.get(i).array().stopGradient();
                NDArray total = omega.add(f);
                NDArray weighted = omega.mul(anchor.get(i)).addi(f.mul(theta));
                // where total is 0 both terms are 0; dividing by max(total, tiny) keeps the anchor finite
                NDArray merged = weighted.divi(total.maximum(1e-30f));
                Tensors.assign(List.of(anchor.get(i)), List.of(merged));
                omega.addi(f);
            }
        }
        Tensors.close(taskImportance);
    }

    /** Ω ← γ Ω + F and θ* ← θ (online EWC). */
    public void decayAndAdd(double gamma, List<NDArray> taskImportance, List<Parameter> params) {
        if (importance == null) {
            reset(taskImportance, params);
            return;
        }
        for (int i = 0; i < importance.size(); i++) {
            importance.get(i).muli((float) gamma).addi(taskImportance.get(i));
        }
        Tensors.close(taskImportance);
        Tensors.close(anchor);
        anchor = Parameters.copies(params);
    }

    /** Task gradients plus {@code c Ω (θ − θ*)}; returns {@code grads} unchanged while inactive. */
    public List<NDArray> addGradient(List<NDArray> grads, List<Parameter> params) {
        if (importance == null) {
            return grads;
        }
        List<NDArray> out = new ArrayList<>(grads.size());
        for (int i = 0; i < grads.size(); i++) {
            NDArray theta = params.get(i).array();
            out.add(theta.sub(anchor.get(i)).muli(importance.get(i)).muli((float) coefficient).addi(grads.get(i)));
        }
        return out;
    }

    /** Importance and anchor (when active) under {@code prefix}. */
    public void exportTo(StateDict out, String prefix) {
        out.putCounter(prefix + "active", active() ? 1 : 0);
        if (active()) {
            for (int i = 0; i < importance.size(); i++) {
                out.putArray(prefix + "importance." + i, importance.get(i));
                out.putArray(prefix + "anchor." + i, anchor.get(i));
            }
        }
    }

    public void importFrom(StateDict in, String prefix, List<Parameter> params) {
        Tensors.close(importance);
        Tensors.close(anchor);
        importance = null;
        anchor = null;
        if (in.counter(prefix + "active") == 1) {
            importance = Parameters.zerosLike(params);
            anchor = Parameters.zerosLike(params);
            for (int i = 0; i < params.size(); i++) {
                in.copyInto(prefix + "importance." + i, importance.get(i));
                in.copyInto(prefix + "anchor." + i, anchor.get(i));
            }
        }
    }

    /** The penalty value {@code (c/2) Σ Ω (θ − θ*)²} (a host read; for tests and reports, not the hot loop). */
    public double value(List<Parameter> params) {
        if (importance == null) {
            return 0;
        }
        double sum = 0;
        for (int i = 0; i < params.size(); i++) {
            try (NDScope scope = new NDScope()) {
                NDArray d = params.get(i).array().stopGradient().sub(anchor.get(i));
                sum += d.square().muli(importance.get(i)).sum().getFloat();
            }
        }
        return coefficient / 2 * sum;
    }
}
