package ai.perennial.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import java.util.ArrayList;
import java.util.List;

/** Per-parameter arrays for long-lived state (optimizer moments, strategy anchors), kept out of any scope. */
public final class Parameters {
    private Parameters() {
    }

    /** Zeros shaped like each parameter, on the parameter's manager. */
    public static List<NDArray> zerosLike(List<Parameter> params) {
        List<NDArray> out = new ArrayList<>(params.size());
        for (Parameter p : params) {
            NDArray zeros = p.array().zerosLike();
            NDScope.unregister(zeros);
            out.add(zeros);
        }
        return out;
    }

    /** Copies of the parameters' current values (not recording gradients). */
    public static List<NDArray> copies(List<Parameter> params) {
        List<NDArray> out = new ArrayList<>(params.size());
        for (Parameter p : params) {
            // duplicate() clones without recording gradients; a stopGradient() handle here would leak
            NDArray copy = p.array().duplicate();
            NDScope.unregister(copy);
            out.add(copy);
        }
        return out;
    }
}
