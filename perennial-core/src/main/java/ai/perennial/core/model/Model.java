package ai.perennial.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.perennial.core.registry.Kind;
import ai.perennial.core.registry.Trait;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

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
     * Trait of a model whose hidden units cannot be addressed one by one: batch normalization sits between a unit's
     * weights and its activation, and residual additions make one channel the sum of several layers' outputs, so a
     * unit-level method (dormant-unit resets, continual backprop, packing) would rewire it wrongly.
     */
    Trait COUPLED_UNITS = new Trait("hidden", "coupled-units",
            "hidden units coupled by batch normalization and residual connections (no unit can be reset alone)");

    /**
     * Where and for what a model is built: parameters on {@code manager}, inputs of {@code inputShape} (one sample),
     * {@code heads} heads of {@code outputs} units, initialized from {@code seed}.
     */
    record Context(NDManager manager, Shape inputShape, int outputs, int heads, long seed) {
    }

    /** All trainable parameters, in a fixed order: what optimizers update and regularizers read. */
    List<Parameter> parameters();

    /**
     * Weights the forward pass reads that no optimizer updates and that record no gradients, in a fixed order: the frozen
     * base under low-rank adapters ({@code training.lora}). Not in {@link #parameters()}, so optimizers allocate no state
     * for them; checkpoints and weight hashes carry them. Empty for models that train every weight.
     */
    default List<Parameter> frozen() {
        return List.of();
    }

    /**
     * Non-trainable state the forward pass reads — batch normalization's running means and variances — in a fixed
     * order, named like parameters (e.g. {@code bn1.running_mean}). Never updated by an optimizer and never recording
     * gradients; the forward pass of {@link Mode#TRAIN} moves them toward each batch's statistics. Checkpoints, frozen
     * copies, weight averages and merges carry them next to {@link #parameters()}. Empty for models without any.
     */
    default List<Parameter> buffers() {
        return List.of();
    }

    /**
     * How normalization layers run: with the statistics of the batch (training) or with their running statistics
     * (evaluation), and how far a training batch moves the running statistics ({@code momentum}, PyTorch's convention:
     * running ← (1 − momentum)·running + momentum·batch, the variance unbiased). Models without such layers ignore it.
     */
    record Mode(boolean batchStatistics, double momentum) {
        /** Running statistics normalize and nothing changes: evaluation, teachers, prediction. */
        public static final Mode EVAL = new Mode(false, 0);

        /** Batch statistics normalize; the running statistics move 10% toward each batch's (PyTorch's default). */
        public static final Mode TRAIN = new Mode(true, 0.1);

        /**
         * Batch statistics normalize, the running statistics stay as they are: a second pass in the same step (SAM's
         * gradient at perturbed weights), which must not count the batch twice.
         */
        public static final Mode TRAIN_FROZEN = new Mode(true, 0);

        public Mode {
            if (!(momentum >= 0 && momentum <= 1) || (!batchStatistics && momentum != 0)) {
                throw new IllegalArgumentException("a mode's momentum is in [0, 1] and 0 in evaluation, got " + momentum);
            }
        }

        /**
         * The {@code k}-th batch (from 1) of a recomputation: momentum 1/k makes the running statistics the equal-weight
         * mean of batches 1..k, whatever they held before (SWA's {@code update_bn}).
         */
        public static Mode accumulating(long k) {
            if (k < 1) {
                throw new IllegalArgumentException("batches are counted from 1, got " + k);
            }
            return new Mode(true, 1.0 / k);
        }
    }

    /** The mode the next forward pass runs in; {@link Mode#EVAL} unless set (and always, for models without buffers). */
    default Mode mode() {
        return Mode.EVAL;
    }

    /** Sets the mode of every later forward pass (ignored by models without normalization layers). */
    default void setMode(Mode mode) {
    }

    /** Puts the model in {@code mode} until the returned handle is closed, then back in the mode it had. */
    default ModeScope enter(Mode mode) {
        Mode previous = mode();
        setMode(mode);
        return () -> setMode(previous);
    }

    /** A mode set for a span of code (try-with-resources); closing it again sets the same earlier mode again. */
    interface ModeScope extends AutoCloseable {
        @Override
        void close();
    }

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

    /**
     * Σ_n |∂ℓ_n/∂θ|² ({@code squared}) or Σ_n |∂ℓ_n/∂θ| per parameter, in {@link #parameters()} order, where ℓ_n is sample
     * n's term of {@code objective} (a function of this batch's logits that sums one term per sample): what one backward
     * pass per sample would accumulate, from a single pass over the batch. Empty when the model has no such pass (the
     * default) or not for this batch; callers then run one backward pass per sample. Parameter gradients are untouched.
     */
    default Optional<List<NDArray>> perSampleGradientSums(NDArray inputs, int[] tasks, Function<NDArray, NDArray> objective,
            boolean squared) {
        return Optional.empty();
    }

    /** How this model's layers compute ({@link LayerOps#PLAIN} unless a method replaced it). */
    LayerOps layerOps();

    /**
     * Routes this model's dense and convolutional layers through {@code ops} from the next forward pass on. Frozen copies
     * start with {@link LayerOps#PLAIN}.
     */
    void setLayerOps(LayerOps ops);

    /** Short description, e.g. {@code mlp 784-400-400-10}. */
    String describe();

    /**
     * A copy with the same architecture and current parameter and buffer values, on {@code manager}, not recording
     * gradients and in {@link Mode#EVAL}: a fixed "old model" for distillation.
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
