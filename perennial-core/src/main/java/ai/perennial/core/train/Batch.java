package ai.perennial.core.train;

import ai.djl.ndarray.NDArray;

/**
 * One mini-batch inside a training step: float inputs, int64 labels, the task (head) it belongs to and
 * the sample indices it was drawn from. The arrays belong to the step's scope.
 */
public record Batch(NDArray inputs, NDArray labels, int taskId, int[] indices) {
    public int size() {
        return indices.length;
    }
}
