package ai.perennial.core.train;

import ai.djl.ndarray.NDArray;
import ai.perennial.core.state.StateDict;
import java.util.List;

/**
 * The points where a continual-learning strategy (or any other extension) plugs into the training
 * loop. Every method has a do-nothing default, so a strategy overrides only what it needs.
 *
 * <p>Order within one step: {@link #adaptBatch} → forward → {@link #afterForward} ({@link #afterHidden}) → loss + {@link #extraLoss} →
 * backward → {@link #transformGradients} → optimizer update → {@link #afterUpdate}. {@link #onExperienceStart} and
 * {@link #onExperienceEnd} bracket each call of {@link Trainer#train}.
 *
 * <p>Batch normalization: the step from {@link #adaptBatch} through the optimizer update runs in
 * {@link ai.perennial.core.model.Model.Mode#TRAIN} (forward passes a hook makes there use batch statistics and move the
 * running ones); {@link #afterUpdate} and the experience-level hooks run in {@code EVAL}.
 *
 * <p>An optimizer that evaluates the gradient a second time in the same step (SAM, at perturbed weights) reruns the
 * forward pass and {@link #extraLoss} only. So {@link #extraLoss} must not change any state: randomness a loss term
 * needs (e.g. which memory samples to replay) is drawn in {@link #adaptBatch}, and what must be recorded from the
 * step's own forward pass (e.g. logits to store) is taken in {@link #afterForward}, which runs once.
 *
 * <p>Every hook runs inside a scope (the step's, or one around the experience-level hooks): arrays it
 * creates are freed when the scope ends. State that must survive (buffers, Fisher matrices, anchors) is
 * detached with {@code NDScope.unregister} and updated in place afterwards.
 */
public interface TrainingHook {

    /** What the hook is, for messages. */
    default String name() {
        return getClass().getSimpleName();
    }

    /** Before the first step on a new experience (task). */
    default void onExperienceStart(TrainingContext context) {
    }

    /** After the last step on an experience; e.g. compute importance weights, store exemplars. */
    default void onExperienceEnd(TrainingContext context) {
    }

    /** Replace or extend the batch before the forward pass (e.g. mix in replayed samples). */
    default Batch adaptBatch(TrainingContext context, Batch batch) {
        return batch;
    }

    /**
     * Once per step, right after the forward pass at the step's weights: the logits of the (adapted) batch, e.g. to
     * store them with the samples. Runs inside the gradient recording; detach what you keep.
     */
    default void afterForward(TrainingContext context, Batch batch, NDArray logits) {
    }

    /**
     * Whether the hook reads hidden activations ({@link #afterHidden}); when any hook does, the step's forward pass
     * keeps them, at no extra cost.
     */
    default boolean readsHidden() {
        return false;
    }

    /**
     * Once per step, with {@link #afterForward}, when {@link #readsHidden}: the model's hidden activations on the
     * (adapted) batch, as {@link ai.perennial.core.model.Model#hidden} gives them. Detach what you keep.
     */
    default void afterHidden(TrainingContext context, Batch batch, List<NDArray> hidden) {
    }

    /**
     * An extra loss term added to the task loss, recorded by autograd (e.g. an EWC penalty or a
     * distillation term); {@code null} for none. May run more than once per step (see the class comment), so it
     * reads state but never changes it.
     */
    default NDArray extraLoss(TrainingContext context, Batch batch, NDArray logits) {
        return null;
    }

    /**
     * Rewrite the gradients of all parameters before the optimizer sees them (e.g. GEM projection).
     * Must not modify the incoming arrays; return new ones or the input list.
     */
    default List<NDArray> transformGradients(TrainingContext context, List<NDArray> grads) {
        return grads;
    }

    /** After the optimizer update of each step (e.g. weight averaging, path integrals). */
    default void afterUpdate(TrainingContext context, Batch batch) {
    }

    /**
     * The hook's state for checkpoints: everything that decides how it acts from here on (an empty dict when it has
     * none). The default, {@code null}, means the hook cannot export its state, and a run using it cannot be
     * checkpointed: saving fails with an error naming the hook rather than writing an incomplete checkpoint.
     */
    default StateDict exportState() {
        return null;
    }

    /**
     * Restores what {@link #exportState} gave, into a hook built like the original. {@code context} has the model,
     * the state manager (allocate long-lived arrays there) and, as {@code experienceData()}, the training data of the
     * experience the run resumes in (a template for the kind, shape and normalization of stored samples).
     */
    default void importState(StateDict state, TrainingContext context) {
        if (!state.isEmpty()) {
            throw new IllegalStateException(getClass().getName() + " does not import state");
        }
    }
}
