package ai.perennial.core.optim;

import ai.djl.ndarray.NDArray;
import ai.perennial.core.model.Parameter;
import java.util.List;

/** Adam's first and second moments, shared by the Adam family: state buffers "mu" and "nu", updated in place. */
final class Moments {
    private Moments() {
    }

    record Pair(NDArray m, NDArray v) {
    }

    /** A state holding zero moments for {@code params} plus the named extra buffers. */
    static TransformState init(List<Parameter> params, String... extra) {
        TransformState s = new TransformState();
        s.addZerosLike("mu", params, TransformState.OnBasisChange.ROTATE);
        s.addZerosLike("nu", params, TransformState.OnBasisChange.ROTATE_SQUARED);
        for (String name : extra) {
            s.addZerosLike(name, params);
        }
        return s;
    }

    /** m ← β1 m + (1 − β1) g and v ← β2 v + (1 − β2) g² for parameter {@code i}. */
    static Pair update(TransformState state, int i, NDArray g, double b1, double b2) {
        NDArray m = state.buffer("mu").get(i).muli((float) b1).addi(g.mul((float) (1 - b1)));
        NDArray v = state.buffer("nu").get(i).muli((float) b2).addi(g.square().muli((float) (1 - b2)));
        return new Pair(m, v);
    }

    /** {@code max} ← max(max, v) in place (AMSGrad, AMSBound); returns it. */
    static NDArray runningMax(NDArray max, NDArray v) {
        NDArray larger = max.maximum(v);
        return max.muli(0).addi(larger);
    }
}
