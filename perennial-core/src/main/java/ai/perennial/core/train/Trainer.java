package ai.perennial.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import ai.perennial.core.PerennialException;
import ai.perennial.core.data.Dataset;
import ai.perennial.core.data.Shuffle;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.model.ForwardMacs;
import ai.perennial.core.model.Model;
import ai.perennial.core.model.Parameter;
import ai.perennial.core.optim.Optimizer;
import ai.perennial.core.state.Rng;
import ai.perennial.core.state.StateDict;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Perennial's training loop: mini-batch SGD over a data set with our optimizer layer and the hook
 * points of {@link TrainingHook}.
 *
 * <p>Memory: each step runs in its own sub-manager and {@link NDScope}, so every temporary — batch,
 * activations, gradient handles, updates — is freed when the step ends; long-lived state (parameters,
 * optimizer buffers, the loss accumulator) lives in the trainer's manager. Speed: the loss is summed on
 * the device and read back only every {@code reportEvery} steps, never per step.
 *
 * <p>Durability: {@link #exportState} captures everything that decides the rest of training — parameters, optimizer
 * state, every hook's state and the position inside the current experience (epoch, batch, loss accumulated since the
 * last report) — and {@link #importState} followed by {@link #resume} continues bit for bit where the export was taken.
 */
public final class Trainer {
    private final Model model;
    private final Optimizer optimizer;
    private final List<TrainingHook> hooks;
    private int intraOpThreads; // set when the first experience starts
    private final boolean readsHidden;
    private final NDManager manager;
    private final List<Parameter> params;
    private final TrainingContext context;
    private final Position position = new Position();
    private NDArray lossSum; // the device loss accumulator while an experience trains
    private final List<LossPoint> losses = new ArrayList<>();

    /** The mean training loss over the report interval that ended at global step {@code step}. */
    public record LossPoint(long step, double loss) {
    }

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
            if (maxSteps == 0 || maxSteps < -1) {
                throw new PerennialException("max steps must be at least 1 (or -1 for no cap), got " + maxSteps);
            }
        }

        public static Options of(int epochs, int batchSize, long shuffleSeed) {
            return new Options(epochs, batchSize, shuffleSeed, 100, -1);
        }
    }

    /** Called after every step, e.g. to write a checkpoint or to stop on request (by throwing). */
    @FunctionalInterface
    public interface StepListener {
        StepListener NONE = trainer -> { };

        void afterStep(Trainer trainer);
    }

    /** Where the current experience's training stands, and the loss accumulated since the last report. */
    private static final class Position {
        int epoch;
        int batch;            // next batch within the epoch
        long steps;           // steps of this experience
        long samples;
        long sinceReport;
        double epochLossTotal;
        long epochSteps;
        double lastEpochLoss = Double.NaN;
        float restoredLoss;   // the device accumulator's value when resumed from a checkpoint
        boolean active;       // inside an experience (between its start and its end)
        boolean complete;     // the step just taken was the experience's last (its end hooks have not run yet)

        void reset() {
            epoch = 0;
            batch = 0;
            steps = 0;
            samples = 0;
            sinceReport = 0;
            epochLossTotal = 0;
            epochSteps = 0;
            lastEpochLoss = Double.NaN;
            restoredLoss = 0;
            active = false;
            complete = false;
        }
    }

    /** A trainer minimizing cross-entropy (classification). */
    public Trainer(Model model, Optimizer optimizer, List<TrainingHook> hooks, NDManager manager) {
        this(model, optimizer, hooks, manager, Losses::crossEntropy, Augmentation.none());
    }

    /** A trainer minimizing {@code loss} (plus the hooks' extra losses) on batches augmented by {@code augmentation}. */
    public Trainer(Model model, Optimizer optimizer, List<TrainingHook> hooks, NDManager manager, Losses.Loss loss,
            Augmentation augmentation) {
        this.model = model;
        this.optimizer = optimizer;
        this.hooks = List.copyOf(hooks);
        this.readsHidden = this.hooks.stream().anyMatch(TrainingHook::readsHidden);
        this.manager = manager;
        Engines.pytorch(); // fails here, before any work, if the native library cannot load
        this.params = model.parameters();
        this.context = new TrainingContext(model, optimizer, manager, loss, augmentation);
    }

    public TrainingContext context() {
        return context;
    }

    /** PyTorch's intra-op threads while this trainer trained (0 before its first step). */
    public int intraOpThreads() {
        return intraOpThreads;
    }

    /** One forward pass of a single sample, counted, sets the thread count for this model's steps. */
    private int fitThreads(Dataset data, int batchSize) {
        try (NDManager scratch = manager.newSubManager()) {
            int[] first = {0};
            long perSample = ForwardMacs.of(model, data.inputs(scratch, first), data.tasks(first));
            return Engines.fitIntraOpThreads(perSample * batchSize);
        }
    }

    /** The training loss at every report so far (every {@code reportEvery} steps and at each epoch's end). */
    public List<LossPoint> losses() {
        return List.copyOf(losses);
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
        return train(data, taskId, options, progress, StepListener.NONE);
    }

    /** As {@link #train(Dataset, int, Options, ProgressListener)}, calling {@code listener} after every step. */
    public TrainStats train(Dataset data, int taskId, Options options, ProgressListener progress, StepListener listener) {
        if (data.size() == 0) {
            throw new PerennialException("training set '" + data.name() + "' is empty");
        }
        long start = System.nanoTime();
        context.beginExperience(data, taskId);
        position.reset();
        position.active = true;
        try (NDScope scope = new NDScope()) {
            for (TrainingHook h : hooks) {
                h.onExperienceStart(context);
            }
        }
        return run(data, options, progress, listener, start, System.nanoTime() - start);
    }

    /**
     * Continues the experience a checkpoint was taken in ({@link #importState}) on the same {@code data}: the
     * experience-start hooks already ran before the checkpoint and do not run again.
     */
    public TrainStats resume(Dataset data, Options options, ProgressListener progress, StepListener listener) {
        if (!position.active) {
            throw new IllegalStateException("nothing to resume: the imported state is not inside an experience");
        }
        context.restore(data, context.taskId(), context.experienceIndex(), context.globalStep(), position.epoch);
        return run(data, options, progress, listener, System.nanoTime(), 0);
    }

    /**
     * Inside a {@link StepListener}: whether the step just taken was the current experience's last. A listener that stops
     * training there (by throwing) leaves the experience's end hooks to {@link #resume}, e.g. to run them on other weights.
     */
    public boolean experienceTrained() {
        return position.active && position.complete;
    }

    /** True between the start of an experience and its end (a checkpoint taken then resumes with {@link #resume}). */
    public boolean insideExperience() {
        return position.active;
    }

    private TrainStats run(Dataset data, Options options, ProgressListener progress, StepListener listener, long start, long hookNanos) {
        if (intraOpThreads == 0) {
            intraOpThreads = fitThreads(data, options.batchSize());
        }
        long totalSteps = stepsFor(data.size(), options);
        Rng rng = new Rng(options.shuffleSeed());
        int[] order = null;
        for (int e = 0; e <= position.epoch; e++) { // the orders of an uninterrupted run: replay the earlier epochs' draws
            order = Shuffle.permutation(data.size(), rng);
        }
        lossSum = manager.create(position.restoredLoss);
        NDScope.unregister(lossSum);
        try {
            while (position.epoch < options.epochs() && position.steps < totalSteps) {
                context.setEpoch(position.epoch);
                int from = position.batch * options.batchSize();
                int[] idx = Arrays.copyOfRange(order, from, Math.min(order.length, from + options.batchSize()));
                step(data, idx, lossSum);
                position.steps++;
                position.samples += idx.length;
                position.epochSteps++;
                position.sinceReport++;
                position.batch++;
                boolean last = from + options.batchSize() >= order.length || position.steps == totalSteps;
                if (position.sinceReport == options.reportEvery() || last) {
                    double sum = lossSum.getFloat();
                    lossSum.subi(lossSum);
                    if (!Double.isFinite(sum)) {
                        throw new DivergedException("training loss became " + sum, context.globalStep());
                    }
                    position.epochLossTotal += sum;
                    losses.add(new LossPoint(context.globalStep(), sum / position.sinceReport));
                    progress.onProgress(position.steps, totalSteps, sum / position.sinceReport);
                    position.sinceReport = 0;
                }
                if (last) {
                    position.lastEpochLoss = position.epochLossTotal / position.epochSteps;
                    position.epoch++;
                    position.batch = 0;
                    position.epochLossTotal = 0;
                    position.epochSteps = 0;
                    if (position.epoch < options.epochs() && position.steps < totalSteps) {
                        order = Shuffle.permutation(data.size(), rng);
                    }
                }
                position.complete = position.epoch >= options.epochs() || position.steps >= totalSteps;
                listener.afterStep(this);
            }
        } finally {
            lossSum.close();
            lossSum = null;
        }
        long endHooks = System.nanoTime();
        try (NDScope scope = new NDScope()) {
            for (TrainingHook h : hooks) {
                h.onExperienceEnd(context);
            }
        }
        hookNanos += System.nanoTime() - endHooks;
        TrainStats stats = new TrainStats(position.steps, position.samples, position.lastEpochLoss, (System.nanoTime() - start) / 1e9,
                hookNanos / 1e9);
        position.reset();
        return stats;
    }

    private void step(Dataset data, int[] idx, NDArray lossSum) {
        // train mode (batch statistics) up to the update; what follows it (averaging, evaluation, probes) sees eval mode
        try (NDManager stepManager = manager.newSubManager(); NDScope scope = new NDScope();
                Model.ModeScope training = model.enter(Model.Mode.TRAIN)) {
            Batch batch = new Batch(data.inputs(stepManager, idx), data.labels(stepManager, idx), data.tasks(idx), idx);
            for (TrainingHook h : hooks) {
                batch = h.adaptBatch(context, batch);
            }
            batch = new Batch(context.augment(batch.inputs(), 0), batch.labels(), batch.tasks(), batch.indices());
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
                try (Model.ModeScope again = model.enter(Model.Mode.TRAIN_FROZEN)) { // the batch already moved the statistics
                    backward(current, false);
                }
                return gradients();
            });
            training.close();
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
        NDArray[] taskLoss = new NDArray[1];
        try (GradientCollector collector = Engines.newGradientCollector()) {
            // the model's layers decide how the loss's gradient flows back through them (autograd unless they say otherwise)
            model.layerOps().backward(collector, () -> {
                Model.Pass pass = first && readsHidden ? model.forwardWithHidden(batch.inputs(), batch.tasks())
                        : new Model.Pass(model.forward(batch.inputs(), batch.tasks()), List.of());
                NDArray logits = pass.logits();
                if (first) {
                    for (TrainingHook h : hooks) {
                        h.afterForward(context, batch, logits);
                        if (h.readsHidden()) {
                            h.afterHidden(context, batch, pass.hidden());
                        }
                    }
                }
                taskLoss[0] = context.loss().apply(logits, batch.labels());
                NDArray total = taskLoss[0];
                for (TrainingHook h : hooks) {
                    NDArray extra = h.extraLoss(context, batch, logits);
                    if (extra != null) {
                        total = total.add(extra);
                    }
                }
                return total;
            });
            return taskLoss[0];
        }
    }

    private List<NDArray> gradients() {
        List<NDArray> grads = new ArrayList<>(params.size());
        for (Parameter p : params) {
            grads.add(p.array().getGradient());
        }
        return grads;
    }

    /**
     * Everything that decides the rest of training: parameters ({@code model.NAME}), buffers such as batch-norm
     * statistics ({@code model_buffer.NAME}), frozen weights ({@code model_frozen.NAME}), optimizer state, every hook's state ({@code hooks.I.}) and the position in
     * the current experience ({@code trainer.}). Read-only: exporting never changes what happens next. Fails, naming the
     * hook, when a hook cannot export its state.
     */
    public StateDict exportState() {
        StateDict out = new StateDict();
        for (Parameter p : params) {
            out.putArray("model." + p.name(), p.array());
        }
        for (Parameter b : model.buffers()) {
            out.putArray("model_buffer." + b.name(), b.array());
        }
        for (Parameter f : model.frozen()) {
            out.putArray("model_frozen." + f.name(), f.array());
        }
        out.putAll("optimizer.", optimizer.exportState());
        for (int i = 0; i < hooks.size(); i++) {
            TrainingHook h = hooks.get(i);
            StateDict s = h.exportState();
            if (s == null) {
                throw new PerennialException(h.name() + " cannot export its state, so this run cannot be checkpointed;"
                        + " implement exportState/importState for it, or turn checkpoints off");
            }
            out.putText("hook_class." + i, h.getClass().getName());
            out.putAll("hooks." + i + ".", s);
        }
        out.putCounter("trainer.global_step", context.globalStep());
        out.putCounter("trainer.experience", context.experienceIndex());
        out.putCounter("trainer.task", context.taskId());
        out.putCounter("trainer.active", position.active ? 1 : 0);
        out.putCounter("trainer.epoch", position.epoch);
        out.putCounter("trainer.batch", position.batch);
        out.putCounter("trainer.steps", position.steps);
        out.putCounter("trainer.samples", position.samples);
        out.putCounter("trainer.since_report", position.sinceReport);
        out.putCounter("trainer.epoch_steps", position.epochSteps);
        out.putNumber("trainer.epoch_loss_total", position.epochLossTotal);
        out.putNumber("trainer.last_epoch_loss", position.lastEpochLoss);
        out.putNumber("trainer.loss_since_report", lossSum == null ? 0 : lossSum.getFloat());
        out.putLongs("trainer.loss_steps", losses.stream().mapToLong(LossPoint::step).toArray());
        out.putDoubles("trainer.losses", losses.stream().mapToDouble(LossPoint::loss).toArray());
        return out;
    }

    /**
     * Restores {@link #exportState} into a trainer built like the original (same model architecture, optimizer recipe
     * and hooks, in order). {@code experienceData} is the training data of the experience the state was taken in (or
     * the next one's, between experiences); hooks read it as a template for stored samples.
     */
    public void importState(StateDict state, Dataset experienceData) {
        for (Parameter p : params) {
            state.copyInto("model." + p.name(), p.array());
        }
        for (Parameter b : model.buffers()) {
            state.copyInto("model_buffer." + b.name(), b.array());
        }
        for (Parameter f : model.frozen()) {
            state.copyInto("model_frozen." + f.name(), f.array());
        }
        optimizer.importState(state.child("optimizer."));
        position.reset();
        position.active = state.counter("trainer.active") == 1;
        position.epoch = (int) state.counter("trainer.epoch");
        position.batch = (int) state.counter("trainer.batch");
        position.steps = state.counter("trainer.steps");
        position.samples = state.counter("trainer.samples");
        position.sinceReport = state.counter("trainer.since_report");
        position.epochSteps = state.counter("trainer.epoch_steps");
        position.epochLossTotal = state.number("trainer.epoch_loss_total");
        position.lastEpochLoss = state.number("trainer.last_epoch_loss");
        position.restoredLoss = (float) state.number("trainer.loss_since_report");
        losses.clear();
        long[] lossSteps = state.longs("trainer.loss_steps");
        double[] lossValues = state.doubles("trainer.losses");
        for (int i = 0; i < lossSteps.length; i++) {
            losses.add(new LossPoint(lossSteps[i], lossValues[i]));
        }
        context.restore(experienceData, (int) state.counter("trainer.task"), (int) state.counter("trainer.experience"),
                state.counter("trainer.global_step"), position.epoch);
        for (int i = 0; i < hooks.size(); i++) {
            TrainingHook h = hooks.get(i);
            String saved = state.text("hook_class." + i);
            if (!saved.equals(h.getClass().getName())) {
                throw new PerennialException("checkpoint hook " + i + " is " + saved + ", this run has " + h.getClass().getName()
                        + "; resume with the configuration the checkpoint was written with");
            }
            try (NDScope scope = new NDScope()) {
                h.importState(state.child("hooks." + i + "."), context);
            }
        }
    }

}
