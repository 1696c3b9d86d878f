package ai.perennial.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.perennial.core.data.Dataset;
import ai.perennial.core.model.Model;
import ai.perennial.core.optim.Optimizer;

/**
 * What hooks may read about the running training: the model, the optimizer, the long-lived manager for
 * state that outlives a step, the current experience and step counters.
 */
public final class TrainingContext {
    private final Model model;
    private final Optimizer optimizer;
    private final NDManager stateManager;
    private final Losses.Loss loss;
    private final Augmentation augmentation;
    private Dataset experienceData;
    private int taskId;
    private int experienceIndex = -1;
    private long globalStep;
    private int epoch;

    TrainingContext(Model model, Optimizer optimizer, NDManager stateManager, Losses.Loss loss, Augmentation augmentation) {
        this.model = model;
        this.loss = loss;
        this.optimizer = optimizer;
        this.stateManager = stateManager;
        this.augmentation = augmentation;
    }

    public Model model() {
        return model;
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    /** The run's training loss (cross-entropy, or a regression loss), for hooks that train on other batches too. */
    public Losses.Loss loss() {
        return loss;
    }

    /** Manager for arrays that must outlive the current step (strategy state). */
    public NDManager stateManager() {
        return stateManager;
    }

    /** Training data of the current experience. */
    public Dataset experienceData() {
        return experienceData;
    }

    /**
     * Training images augmented as the run asks ({@link Augmentation}; unchanged when it asks for none), with this step's
     * draws for batch {@code stream}: 0 is the step's own batch, so a strategy that reads further samples itself (a
     * replayed memory batch) passes 1, 2, ... to draw independently of it and of each other.
     */
    public NDArray augment(NDArray images, int stream) {
        return augmentation.apply(images, Augmentation.zeroPixel(experienceData), globalStep, stream);
    }

    public int taskId() {
        return taskId;
    }

    /** 0-based index of the current experience, -1 before the first. */
    public int experienceIndex() {
        return experienceIndex;
    }

    /** Steps completed over the whole run (all experiences). */
    public long globalStep() {
        return globalStep;
    }

    public int epoch() {
        return epoch;
    }

    void beginExperience(Dataset data, int taskId) {
        this.experienceData = data;
        this.taskId = taskId;
        this.experienceIndex++;
        this.epoch = 0;
    }

    /** Puts the counters where a checkpoint left them (the experience's data is set when training resumes). */
    void restore(Dataset data, int taskId, int experienceIndex, long globalStep, int epoch) {
        this.experienceData = data;
        this.taskId = taskId;
        this.experienceIndex = experienceIndex;
        this.globalStep = globalStep;
        this.epoch = epoch;
    }

    void setEpoch(int epoch) {
        this.epoch = epoch;
    }

    void stepDone() {
        globalStep++;
    }
}
