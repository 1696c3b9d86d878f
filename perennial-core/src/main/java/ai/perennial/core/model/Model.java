package ai.perennial.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;

/**
 * A classifier whose trainable tensors form one ordered list, so optimizers, regularizers and
 * checkpoints can see and address every parameter at once.
 *
 * <p>Multi-head models (task-incremental learning) have one output head per task; single-head
 * models ignore {@code head}.
 */
public interface Model {

    /** All trainable parameters, in a fixed order. */
    List<Parameter> parameters();

    /**
     * Logits of shape {@code (batch, outputsPerHead)}; sample {@code i} is read out by the head of task
     * {@code tasks[i]} (single-head models ignore the task ids).
     */
    NDArray forward(NDArray inputs, int[] tasks);

    int numHeads();

    /** The representation the output heads read, shape {@code (batch, features)}. */
    NDArray features(NDArray inputs);

    /**
     * Logits of head {@code head} for already computed {@code features}: with {@link #features} this reads several heads
     * from one trunk pass.
     */
    NDArray readOut(NDArray features, int head);

    /** Short description, e.g. {@code mlp 784-400-400-10}. */
    String describe();

    /**
     * A copy with the same architecture and current parameter values, on {@code manager}, not recording
     * gradients: a fixed "old model" for distillation.
     */
    Model frozenCopy(NDManager manager);

    default long parameterCount() {
        long total = 0;
        for (Parameter p : parameters()) {
            total += p.array().getShape().size();
        }
        return total;
    }
}
