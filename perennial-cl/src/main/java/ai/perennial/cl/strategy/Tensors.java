package ai.perennial.cl.strategy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.perennial.core.model.Parameter;
import java.util.ArrayList;
import java.util.List;

/** Per-parameter array helpers for strategies' long-lived state. */
public final class Tensors {
    private Tensors() {
    }

    /** Copies of the parameters' current values that survive step scopes. */
    public static List<NDArray> snapshot(List<Parameter> params) {
        List<NDArray> out = new ArrayList<>(params.size());
        for (Parameter p : params) {
            // duplicate() clones without recording gradients; a stopGradient() handle here would leak
            NDArray copy = p.array().duplicate();
            NDScope.unregister(copy);
            out.add(copy);
        }
        return out;
    }

    /** Zeros shaped like each parameter that survive step scopes. */
    public static List<NDArray> zeros(List<Parameter> params) {
        List<NDArray> out = new ArrayList<>(params.size());
        for (Parameter p : params) {
            NDArray z = p.array().zerosLike();
            NDScope.unregister(z);
            out.add(z);
        }
        return out;
    }

    /** Replaces the values of {@code targets} in place by those of {@code sources}. */
    public static void assign(List<NDArray> targets, List<NDArray> sources) {
        for (int i = 0; i < targets.size(); i++) {
            targets.get(i).muli(0).addi(sources.get(i));
        }
    }

    public static void close(List<NDArray> arrays) {
        if (arrays != null) {
            arrays.forEach(NDArray::close);
        }
    }
}
