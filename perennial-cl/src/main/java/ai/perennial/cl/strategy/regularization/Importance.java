package ai.perennial.cl.strategy.regularization;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.GradientCollector;
import ai.perennial.core.data.Dataset;
import ai.perennial.core.data.Shuffle;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.model.Model;
import ai.perennial.core.model.Parameter;
import ai.perennial.core.model.Parameters;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.BiFunction;

/** Per-parameter importance estimates from per-sample gradients, averaged over a random subset of samples. */
public final class Importance {
    /** Samples per batched pass: bounds the activations it keeps. */
    private static final int CHUNK = 1024;

    private Importance() {
    }

    /**
     * Diagonal empirical Fisher information: F_i = (1/N) Σ_n (∂ log p(y_n | x_n, θ) / ∂θ_i)², from per-sample gradients
     * (the exact per-sample definition, not the squared mini-batch gradient): one batched pass where the model forms
     * them ({@link Model#perSampleGradientSums}), else one backward pass per sample. For numeric targets p(y | x, θ) is
     * a unit-variance Gaussian around the output.
     */
    public static List<NDArray> fisher(Model model, Dataset data, int samples, long seed, NDManager manager) {
        return fisher(model, data, samples, 1, seed, manager);
    }

    /**
     * The diagonal Fisher estimated from batches of {@code batchSize} samples: the mean over batches of the squared
     * gradient of the batch's mean log-likelihood. {@code batchSize} 1 is the exact empirical Fisher above; larger batches
     * give the estimate several PyTorch libraries use (squared mini-batch gradients), which is smaller by about the batch
     * size wherever per-sample gradients disagree, so the same λ is correspondingly weaker there.
     */
    public static List<NDArray> fisher(Model model, Dataset data, int samples, int batchSize, long seed, NDManager manager) {
        // numeric targets: the log-likelihood of a unit-variance Gaussian around the output, -(z - y)^2 / 2
        return perSample(model, data, samples, seed, manager, data.regression()
                ? (output, target) -> output.reshape(-1).sub(target).square().mul(-0.5f).sum()
                : (logits, label) -> logits.logSoftmax(1).get(new NDIndex().addAllDim().addPickDim(label)).sum(), true, batchSize);
    }

    /**
     * Memory-aware synapses: Ω_i = (1/N) Σ_n |∂ ‖f(x_n)‖²₂ / ∂θ_i|, f the output logits (label-free).
     */
    public static List<NDArray> mas(Model model, Dataset data, int samples, long seed, NDManager manager) {
        return perSample(model, data, samples, seed, manager, (logits, label) -> logits.square().sum(), false, 1);
    }

    private static List<NDArray> perSample(Model model, Dataset data, int samples, long seed, NDManager manager,
            BiFunction<NDArray, NDArray, NDArray> objective, boolean square, int batchSize) {
        List<Parameter> params = model.parameters();
        List<NDArray> total = Parameters.zerosLike(params);
        int n = Math.min(samples, data.size());
        int[] pick = Arrays.copyOf(Shuffle.permutation(data.size(), new SplittableRandom(seed)), n);
        int batches = 0;
        boolean batched = batchSize == 1; // per-sample terms: let the model form many at once if it can
        for (int from = 0; from < n; ) {
            if (batched) {
                int[] chunk = Arrays.copyOfRange(pick, from, Math.min(n, from + CHUNK));
                batched = addBatchedSums(model, data, chunk, manager, objective, square, total);
                if (batched) {
                    from += chunk.length;
                    batches += chunk.length;
                    continue;
                }
            }
            int[] one = Arrays.copyOfRange(pick, from, Math.min(n, from + batchSize));
            from += one.length;
            batches++;
            try (NDManager step = manager.newSubManager(); NDScope scope = new NDScope()) {
                try (GradientCollector collector = Engines.newGradientCollector()) {
                    NDArray logits = model.forward(data.inputs(step, one), data.tasks(one));
                    // the batch's mean: its gradient is the mean of the per-sample gradients (one sample: that one)
                    collector.backward(objective.apply(logits, data.labels(step, one)).div(one.length));
                }
                for (int i = 0; i < params.size(); i++) {
                    NDArray g = params.get(i).array().getGradient();
                    total.get(i).addi(square ? g.square() : g.abs());
                    Engines.zeroGradient(params.get(i).array());
                }
            }
        }
        for (NDArray t : total) {
            t.divi((float) batches);
        }
        return total;
    }

    /**
     * Adds to {@code total} Σ over {@code chunk} of each sample's squared (or absolute) gradient from one batched pass
     * ({@link Model#perSampleGradientSums}); false, adding nothing, when the model has no such pass for this chunk.
     */
    private static boolean addBatchedSums(Model model, Dataset data, int[] chunk, NDManager manager,
            BiFunction<NDArray, NDArray, NDArray> objective, boolean square, List<NDArray> total) {
        try (NDManager step = manager.newSubManager(); NDScope scope = new NDScope()) {
            NDArray labels = data.labels(step, chunk);
            Optional<List<NDArray>> sums = model.perSampleGradientSums(data.inputs(step, chunk), data.tasks(chunk),
                    logits -> objective.apply(logits, labels), square);
            if (sums.isEmpty()) {
                return false;
            }
            for (int i = 0; i < total.size(); i++) {
                total.get(i).addi(sums.get().get(i));
            }
            return true;
        }
    }
}
