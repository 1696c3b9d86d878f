package ai.perennial.core.optim;

import ai.djl.ndarray.NDArray;
import ai.perennial.core.model.Parameter;
import java.util.List;

/**
 * One stage of an optimizer, as in optax: {@code init} creates explicit state, {@code update} maps the
 * gradients of <em>all</em> parameters to updates (which the optimizer adds to the parameters). Seeing
 * every parameter at once is what lets global-norm clipping, SAM or projection methods be transforms.
 *
 * <p>{@code update} runs inside the training step's scope: it returns new arrays (temporaries of that
 * scope, or its inputs unchanged) and mutates only its own state buffers, in place — never the
 * incoming gradient arrays, which callers and later stages may still read.
 */
public interface GradientTransform {

    TransformState init(List<Parameter> params);

    List<NDArray> update(List<NDArray> grads, TransformState state, List<Parameter> params);

    /** As {@link #update(List, TransformState, List)}, with a way to re-evaluate gradients; most transforms ignore it. */
    default List<NDArray> update(List<NDArray> grads, TransformState state, List<Parameter> params, GradientOracle oracle) {
        return update(grads, state, params);
    }
}
