package ai.perennial.core.train;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.perennial.core.PerennialException;
import ai.perennial.core.data.Dataset;
import ai.perennial.core.model.Model;

/**
 * Recomputes a model's batch-norm running statistics for its current weights, as SWA's {@code update_bn}: one pass over
 * a data set in training mode, batch after batch in order, each normalization layer's running mean and variance becoming
 * the equal-weight mean of the batches' statistics (momentum 1/k for the k-th batch). Needed whenever the weights were
 * set without training them — averaged, merged — since statistics gathered under other weights no longer describe
 * the activations. Models without buffers are left as they are.
 */
public final class BatchStatistics {
    private BatchStatistics() {
    }

    /** Recomputes the statistics of {@code model} over {@code data} in batches of {@code batchSize}. */
    public static void recompute(Model model, Dataset data, int batchSize, NDManager manager) {
        if (model.buffers().isEmpty()) {
            return;
        }
        if (data == null || data.size() == 0) {
            throw new PerennialException("cannot recompute the batch-norm statistics without training data; give the data the model"
                    + " was trained on");
        }
        if (batchSize < 1) {
            throw new PerennialException("the batch size for recomputing batch-norm statistics must be at least 1, got " + batchSize);
        }
        Model.Mode previous = model.mode();
        try (NDManager scratch = manager.newSubManager(); NDScope scope = new NDScope()) {
            long k = 0;
            for (int start = 0; start < data.size(); start += batchSize) {
                int n = Math.min(batchSize, data.size() - start);
                int[] idx = new int[n];
                for (int i = 0; i < n; i++) {
                    idx[i] = start + i;
                }
                model.setMode(Model.Mode.accumulating(++k));
                try (NDManager batch = scratch.newSubManager()) {
                    model.features(data.inputs(batch, idx));
                }
            }
        } finally {
            model.setMode(previous);
        }
    }
}
