package ai.perennial.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.perennial.core.data.Dataset;
import ai.perennial.core.model.Model;

/** Accuracy of a model on a data set, counted on the device and read back once. */
public final class Evaluator {
    private Evaluator() {
    }

    /** Fraction of {@code data} classified correctly, each sample read out by its own task's head. */
    public static double accuracy(Model model, Dataset data, int batchSize, NDManager manager) {
        if (data.size() == 0) {
            return Double.NaN;
        }
        try (NDManager scopeManager = manager.newSubManager(); NDScope scope = new NDScope()) {
            NDArray correct = scopeManager.zeros(new ai.djl.ndarray.types.Shape(), DataType.INT64);
            for (int start = 0; start < data.size(); start += batchSize) {
                int n = Math.min(batchSize, data.size() - start);
                int[] idx = new int[n];
                for (int i = 0; i < n; i++) {
                    idx[i] = start + i;
                }
                try (NDManager batchManager = scopeManager.newSubManager()) {
                    NDArray logits = model.forward(data.inputs(batchManager, idx), data.tasks(idx));
                    NDArray hits = logits.argMax(1).eq(data.labels(batchManager, idx)).sum();
                    correct.addi(hits.toType(DataType.INT64, false));
                }
            }
            return correct.getLong() / (double) data.size();
        }
    }

    /** Mean cross-entropy of {@code model} on {@code data}, each sample read out by its own task's head. */
    public static double loss(Model model, Dataset data, int batchSize, NDManager manager) {
        if (data.size() == 0) {
            return Double.NaN;
        }
        try (NDManager scopeManager = manager.newSubManager(); NDScope scope = new NDScope()) {
            NDArray total = scopeManager.zeros(new ai.djl.ndarray.types.Shape());
            for (int start = 0; start < data.size(); start += batchSize) {
                int n = Math.min(batchSize, data.size() - start);
                int[] idx = new int[n];
                for (int i = 0; i < n; i++) {
                    idx[i] = start + i;
                }
                try (NDManager batchManager = scopeManager.newSubManager()) {
                    NDArray logits = model.forward(data.inputs(batchManager, idx), data.tasks(idx));
                    total.addi(Losses.crossEntropy(logits, data.labels(batchManager, idx)).mul(n));
                }
            }
            return total.getFloat() / data.size();
        }
    }
}
