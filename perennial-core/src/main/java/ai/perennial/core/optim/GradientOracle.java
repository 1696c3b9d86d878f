package ai.perennial.core.optim;

import ai.djl.ndarray.NDArray;
import java.util.List;

/**
 * Recomputes the gradients of all parameters at their current values on the current batch (forward, loss with every
 * extra term, backward). Given to transforms that need a second gradient evaluation, such as SAM. The returned arrays
 * may be the parameters' gradient buffers, so gradient arrays obtained before the call may be overwritten by it.
 */
@FunctionalInterface
public interface GradientOracle {
    /** For direct use of a transform without a model (tests, closed-form problems). */
    GradientOracle NONE = () -> {
        throw new IllegalStateException("this transform needs a second gradient evaluation; call Optimizer.step(grads, oracle)");
    };

    List<NDArray> gradients();
}
