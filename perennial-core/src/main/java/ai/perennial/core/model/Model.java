package ai.perennial.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.perennial.core.registry.Kind;
import ai.perennial.core.registry.Trait;
import java.util.List;

/**
 * A classifier whose trainable tensors form one ordered list, so optimizers, regularizers and
 * checkpoints can see and address every parameter at once.
 *
 * <p>Multi-head models (task-incremental learning) have one output head per task; single-head
 * models ignore {@code head}.
 */
public interface Model {

    /** Models are built for a data set and a stream: the input shape, outputs per head, number of heads. */
    Kind<Context, Model> KIND = Kind.of("model", "models", "networks: a trunk and one shared output head or one head per task");

    /** Trait of models with at least one hidden layer, whose units methods can reset ({@link #units()}). */
    Trait HIDDEN_UNITS = new Trait("hidden", "hidden-units", "a model with hidden layers");

    /** Trait of a model without hidden layers (a linear read-out of the inputs). */
    Trait NO_HIDDEN_UNITS = new Trait("hidden", "no-hidden-units", "no hidden layer (a linear model)");

    /**
     * Where and for what a model is built: parameters on {@code manager}, inputs of {@code inputShape} (one sample),
     * {@code heads} heads of {@code outputs} units, initialized from {@code seed}.
     */
    record Context(NDManager manager, Shape inputShape, int outputs, int heads, long seed) {
    }

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
     * The output of every hidden layer after its nonlinearity, input side first: {@code (batch, units)} for a dense layer,
     * {@code (batch, channels, height, width)} for a convolution. Unit-level methods (dormant-unit resets, continual
     * backprop) and plasticity diagnostics read them.
     */
    List<NDArray> hidden(NDArray inputs);

    /** The logits of {@link #forward} together with the {@link #hidden} activations of the same pass. */
    Pass forwardWithHidden(NDArray inputs, int[] tasks);

    /** One forward pass: logits and the hidden activations that produced them. */
    record Pass(NDArray logits, List<NDArray> hidden) {
    }

    /** Where each hidden layer's units live among the parameters, aligned with {@link #hidden}. */
    List<Units> units();

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
