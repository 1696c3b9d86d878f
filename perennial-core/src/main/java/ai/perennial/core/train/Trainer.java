package ai.perennial.core.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.perennial.core.PerennialException;
import ai.perennial.core.data.Dataset;
import ai.perennial.core.data.Shuffle;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.model.Model;
import ai.perennial.core.model.Parameter;
import ai.perennial.core.optim.Optimizer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Perennial's training loop: mini-batch SGD over a data set with our optimizer layer and the hook
 * points of {@link TrainingHook}.
 *
 * <p>Memory: each step runs in its own sub-manager and {@link NDScope}, so every temporary — batch,
 * activations, gradient handles, updates — is freed when the step ends; long-lived state (parameters,
 * optimizer buffers, the loss accumulator) lives in the trainer's manager. Speed: the loss is summed on
 * the device and read back only every {@code reportEvery} steps, never per step.
 */
public final class Trainer {
    private final Model model;
    private final Optimizer optimizer;
    private final List<TrainingHook> hooks;
    private final NDManager manager;
    private final Engine engine;
    private final List<Parameter> params;
    private final TrainingContext context;

    /** How to iterate one experience. {@code maxSteps} &lt; 0 means no cap. */
    public record Options(int epochs, int batchSize, long shuffleSeed, int reportEvery, long maxSteps) {
        public Options {
            if (epochs <= 0) {
                throw new PerennialException("epochs must be at least 1, got " + epochs);
            }
            if (batchSize <= 0) {
                throw new PerennialException("batch size must be at least 1, got " + batchSize);
            }
            if (reportEvery <= 0) {
                throw new PerennialException("reportEvery must be at least 1, got " + reportEvery);
            }
        }

        public static Options of(int epochs, int batchSize, long shuffleSeed) {
            return new Options(epochs, batchSize, shuffleSeed, 100, -1);
        }
    }

    public Trainer(Model model, Optimizer optimizer, List<TrainingHook> hooks, NDManager manager) {
        this.model = model;
        this.optimizer = optimizer;
        this.hooks = List.copyOf(hooks);
        this.manager = manager;
        this.engine = Engines.pytorch();
        this.params = model.parameters();
        this.context = new TrainingContext(model, optimizer, manager);
    }

    public TrainingContext context() {
        return context;
    }

    /** Number of steps {@link #train} will take for {@code samples} samples. */
    public static long stepsFor(int samples, Options options) {
        long perEpoch = (samples + options.batchSize() - 1) / options.batchSize();
        long total = perEpoch * options.epochs();
        return options.maxSteps() >= 0 ? Math.min(total, options.maxSteps()) : total;
    }

    /**
     * Trains on one experience: {@code epochs} shuffled passes over {@code data}. {@code taskId} is the
     * experience's task as hooks see it; each sample is routed to its own task's head ({@link Dataset#task}).
     */
    public TrainStats train(Dataset data, int taskId, Options options, ProgressListener progress) {
        if (data.size() == 0) {
            throw new PerennialException("training set '" + data.name() + "' is empty");
        }
        long totalSteps = stepsFor(data.size(), options);
        long start = System.nanoTime();
        context.beginExperience(data, taskId);
        try (NDScope scope = new NDScope()) {
            for (TrainingHook h : hooks) {
                h.onExperienceStart(context);
            }
        }
        long hookNanos = System.nanoTime() - start;
        SplittableRandom rng = new SplittableRandom(options.shuffleSeed());
        long steps = 0;
        long samples = 0;
        double epochLoss = Double.NaN;
        NDArray lossSum = manager.zeros(new Shape());
        NDScope.unregister(lossSum);
        try {
            for (int epoch = 0; epoch < options.epochs() && steps < totalSteps; epoch++) {
                context.setEpoch(epoch);
                int[] order = Shuffle.permutation(data.size(), rng);
                double epochLossTotal = 0;
                long epochSteps = 0;
                long sinceReport = 0;
                for (int from = 0; from < order.length && steps < totalSteps; from += options.batchSize()) {
                    int[] idx = java.util.Arrays.copyOfRange(order, from, Math.min(order.length, from + options.batchSize()));
                    step(data, idx, lossSum);
                    steps++;
                    samples += idx.length;
                    epochSteps++;
                    sinceReport++;
                    boolean last = from + options.batchSize() >= order.length || steps == totalSteps;
                    if (sinceReport == options.reportEvery() || last) {
                        double sum = lossSum.getFloat();
                        lossSum.subi(lossSum);
                        checkFinite(sum, context.globalStep());
                        epochLossTotal += sum;
                        progress.onProgress(steps, totalSteps, sum / sinceReport);
                        sinceReport = 0;
                    }
                }
                epochLoss = epochLossTotal / epochSteps;
            }
        } finally {
            lossSum.close();
        }
        long endHooks = System.nanoTime();
        try (NDScope scope = new NDScope()) {
            for (TrainingHook h : hooks) {
                h.onExperienceEnd(context);
            }
        }
        hookNanos += System.nanoTime() - endHooks;
        return new TrainStats(steps, samples, epochLoss, (System.nanoTime() - start) / 1e9, hookNanos / 1e9);
    }

    private void step(Dataset data, int[] idx, NDArray lossSum) {
        try (NDManager stepManager = manager.newSubManager(); NDScope scope = new NDScope()) {
            Batch batch = new Batch(data.inputs(stepManager, idx), data.labels(stepManager, idx), data.tasks(idx), idx);
            for (TrainingHook h : hooks) {
                batch = h.adaptBatch(context, batch);
            }
            Batch current = batch;
            NDArray taskLoss = backward(current, true);
            List<NDArray> grads = gradients();
            for (TrainingHook h : hooks) {
                grads = h.transformGradients(context, grads);
            }
            optimizer.step(grads, () -> {
                for (Parameter p : params) {
                    Engines.zeroGradient(p.array());
                }
                backward(current, false);
                return gradients();
            });
            for (Parameter p : params) {
                Engines.zeroGradient(p.array());
            }
            lossSum.addi(taskLoss);
            context.stepDone();
            for (TrainingHook h : hooks) {
                h.afterUpdate(context, batch);
            }
        }
    }

    /**
     * Forward, task loss plus every hook's extra loss, backward; returns the task loss (for reporting). {@code first}:
     * the step's own pass (hooks see its logits), not a re-evaluation at other weights.
     */
    private NDArray backward(Batch batch, boolean first) {
        try (GradientCollector collector = engine.newGradientCollector()) {
            NDArray logits = model.forward(batch.inputs(), batch.tasks());
            if (first) {
                for (TrainingHook h : hooks) {
                    h.afterForward(context, batch, logits);
                }
            }
            NDArray taskLoss = Losses.crossEntropy(logits, batch.labels());
            NDArray total = taskLoss;
            for (TrainingHook h : hooks) {
                NDArray extra = h.extraLoss(context, batch, logits);
                if (extra != null) {
                    total = total.add(extra);
                }
            }
            collector.backward(total);
            return taskLoss;
        }
    }

    private List<NDArray> gradients() {
        List<NDArray> grads = new ArrayList<>(params.size());
        for (Parameter p : params) {
            grads.add(p.array().getGradient());
        }
        return grads;
    }

    private static void checkFinite(double lossSum, long step) {
        if (!Double.isFinite(lossSum)) {
            throw new PerennialException("training loss became " + lossSum + " by step " + step
                    + "; lower the learning rate (--lr) or add warmup (--warmup-steps)");
        }
    }
}
