package ai.perennial.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.perennial.core.data.Dataset;
import ai.perennial.core.model.Model;
import java.util.function.BinaryOperator;

/** Accuracy and loss of a model on a data set, summed on the device and read back once. */
public final class Evaluator {
    private Evaluator() {
    }

    /** Fraction of {@code data} classified correctly, each sample read out by its own task's head. */
    public static double accuracy(Model model, Dataset data, int batchSize, NDManager manager) {
        return sum(model, data, batchSize, manager, (logits, labels) -> logits.argMax(1).eq(labels).sum().toType(DataType.FLOAT64, false))
                / data.size();
    }

    /** Mean cross-entropy of {@code model} on {@code data}, each sample read out by its own task's head. */
    public static double loss(Model model, Dataset data, int batchSize, NDManager manager) {
        return sum(model, data, batchSize, manager, (logits, labels) -> Losses.crossEntropy(logits, labels).toType(DataType.FLOAT64, false)
                .mul(labels.getShape().get(0))) / data.size();
    }

    /** Σ over batches of {@code perBatch(logits, labels)}, accumulated in float64 on the device; NaN for no data. */
    private static double sum(Model model, Dataset data, int batchSize, NDManager manager, BinaryOperator<NDArray> perBatch) {
        if (data.size() == 0) {
            return Double.NaN;
        }
        try (NDManager scopeManager = manager.newSubManager(); NDScope scope = new NDScope(); Model.ModeScope eval = model.enter(Model.Mode.EVAL)) {
            NDArray total = scopeManager.zeros(new ai.djl.ndarray.types.Shape(), DataType.FLOAT64);
            for (int start = 0; start < data.size(); start += batchSize) {
                int n = Math.min(batchSize, data.size() - start);
                int[] idx = new int[n];
                for (int i = 0; i < n; i++) {
                    idx[i] = start + i;
                }
                try (NDManager batchManager = scopeManager.newSubManager()) {
                    NDArray logits = model.forward(data.inputs(batchManager, idx), data.tasks(idx));
                    total.addi(perBatch.apply(logits, data.labels(batchManager, idx)));
                }
            }
            return total.getDouble();
        }
    }
}
