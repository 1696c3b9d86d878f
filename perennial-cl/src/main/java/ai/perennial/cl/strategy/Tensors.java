package ai.perennial.cl.strategy;

import ai.djl.ndarray.NDArray;
import java.util.List;

/** Per-parameter array helpers for strategies' long-lived state. */
public final class Tensors {
    private Tensors() {
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
