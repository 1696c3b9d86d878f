package ai.perennial.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.perennial.core.data.Dataset;
import ai.perennial.core.model.Model;
import java.util.function.BinaryOperator;

/** Scores and losses of a model on a data set, summed on the device and read back once. */
public final class Evaluator {
    private Evaluator() {
    }

    /** {@code score} of {@code model} on {@code data}, each sample read out by its own task's head; NaN for no data. */
    public static double score(Model model, Dataset data, Scores.Score score, int batchSize, NDManager manager) {
        double[] sums = sum(model, data, batchSize, manager, score::sums);
        return sums == null ? Double.NaN : score.finish(sums);
    }

    /** Fraction of {@code data} classified correctly, each sample read out by its own task's head. */
    public static double accuracy(Model model, Dataset data, int batchSize, NDManager manager) {
        return score(model, data, Scores.of(Scores.ACCURACY.name(), data), batchSize, manager);
    }

    /** Mean cross-entropy of {@code model} on {@code data}, each sample read out by its own task's head. */
    public static double loss(Model model, Dataset data, int batchSize, NDManager manager) {
        return loss(model, data, Losses::crossEntropy, batchSize, manager);
    }

    /** Mean {@code loss} of {@code model} on {@code data}, each sample read out by its own task's head. */
    public static double loss(Model model, Dataset data, Losses.Loss loss, int batchSize, NDManager manager) {
        double[] sums = sum(model, data, batchSize, manager, (outputs, labels) -> loss.apply(outputs, labels).toType(DataType.FLOAT64, false)
                .mul(labels.getShape().get(0)).reshape(1));
        return sums == null ? Double.NaN : sums[0] / data.size();
    }

    /** Σ over batches of {@code perBatch(outputs, labels)} (a float64 vector), accumulated on the device; null for no data. */
    private static double[] sum(Model model, Dataset data, int batchSize, NDManager manager, BinaryOperator<NDArray> perBatch) {
        if (data.size() == 0) {
            return null;
        }
        try (NDManager scopeManager = manager.newSubManager(); NDScope scope = new NDScope(); Model.ModeScope eval = model.enter(Model.Mode.EVAL)) {
            NDArray total = null;
            for (int start = 0; start < data.size(); start += batchSize) {
                int n = Math.min(batchSize, data.size() - start);
                int[] idx = new int[n];
                for (int i = 0; i < n; i++) {
                    idx[i] = start + i;
                }
                try (NDManager batchManager = scopeManager.newSubManager()) {
                    NDArray outputs = model.forward(data.inputs(batchManager, idx), data.tasks(idx));
                    NDArray sums = perBatch.apply(outputs, data.labels(batchManager, idx));
                    if (total == null) {
                        total = scopeManager.zeros(new Shape(sums.getShape().get(0)), DataType.FLOAT64);
                    }
                    total.addi(sums);
                }
            }
            return total.toDoubleArray();
        }
    }
}
