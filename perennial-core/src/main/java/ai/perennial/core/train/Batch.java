package ai.perennial.core.train;

import ai.djl.ndarray.NDArray;

/**
 * One mini-batch inside a training step: float inputs, int64 labels, each sample's task (output head)
 * and the indices it was drawn from in the experience's data set. The arrays belong to the step's scope.
 */
public record Batch(NDArray inputs, NDArray labels, int[] tasks, int[] indices) {
    public int size() {
        return indices.length;
    }
}
