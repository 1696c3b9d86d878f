package ai.perennial.core.optim;

import ai.perennial.core.state.StateDict;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.perennial.core.model.Parameter;
import java.util.List;

/**
 * A gradient transform bound to a model's parameters and its state: {@code step} turns the
 * gradients of all parameters into updates and adds them in place.
 */
public final class Optimizer {
    private final String name;
    private final GradientTransform transform;
    private final List<Parameter> params;
    private final TransformState state;

    public Optimizer(String name, GradientTransform transform, List<Parameter> params) {
        this.name = name;
        this.transform = transform;
        this.params = List.copyOf(params);
        this.state = transform.init(this.params);
    }

    public String name() {
        return name;
    }

    /** Applies one update; {@code grads} are aligned with the parameters. Call inside a step scope. */
    public void step(List<NDArray> grads) {
        step(grads, GradientOracle.NONE);
    }

    /** As {@link #step(List)}, for transforms that evaluate the gradient a second time (SAM). */
    public void step(List<NDArray> grads, GradientOracle oracle) {
        List<NDArray> updates = transform.update(grads, state, params, oracle);
        for (int i = 0; i < params.size(); i++) {
            params.get(i).array().addi(updates.get(i));
        }
    }

    /**
     * Forgets what the optimizer accumulated for the entries {@code where} of parameter {@code param} (e.g. a unit that
     * was just reinitialized): they are set to 0 in its per-parameter buffers.
     */
    public void resetEntries(int param, NDIndex where) {
        state.resetEntries(param, params.get(param).array().getShape(), where);
    }

    /** Bytes of the optimizer's state arrays (moments, traces, projectors), reported in every run's compute record. */
    public long stateBytes() {
        return state.bytes();
    }

    /**
     * Forgets what the optimizer accumulated for the smallest-magnitude {@code fraction} of parameter {@code param}'s
     * entries (1: all of them), in every buffer shaped like the parameter; step counters stay (see
     * {@link TransformState#prune}).
     */
    public void pruneState(int param, double fraction) {
        state.prune(param, params.get(param).array().getShape(), fraction);
    }

    /** Number of updates applied so far. */
    public long steps() {
        return state.count();
    }

    public StateDict exportState() {
        StateDict out = new StateDict();
        state.exportTo(out, "");
        return out;
    }

    public void importState(StateDict in) {
        state.importFrom(in, "");
    }
}
