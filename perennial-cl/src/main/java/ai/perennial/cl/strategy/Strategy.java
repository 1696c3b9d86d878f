package ai.perennial.cl.strategy;

import ai.perennial.cl.scenario.Experience;
import ai.perennial.core.data.Dataset;
import ai.perennial.core.model.Model;
import ai.perennial.core.registry.Kind;
import ai.perennial.core.train.TrainingHook;
import java.util.List;

/**
 * A continual-learning method: the loop's hooks ({@link TrainingHook}: experience start/end, adapt the
 * batch, extra loss, gradient transform, after update, state export/import) plus the choice of what
 * to train on at each experience. A method overrides only what it needs and fits in one short file.
 */
public interface Strategy extends TrainingHook {

    /** Strategies are built from their parameters and a seed for their own randomness (memories, sampling). */
    Kind<Long, Strategy> KIND = Kind.of("strategy", "strategies",
            "continual-learning methods; combine several with '+', e.g. ewc+er");

    /** Tag: a baseline that is not combined with other strategies. */
    String ALONE = "alone";

    /** Tag: the strategy chooses what to train on ({@link #trainingData}); at most one per combination. */
    String SELECTS_DATA = "selects-training-data";

    /**
     * Tag: the strategy isolates tasks in low-rank adapters over a base that must stay frozen, so ReLoRA's restarts (which
     * merge an adapter into the shared base) are refused with it.
     */
    String FROZEN_BASE = "frozen-base";

    /** Family: methods that keep a memory of past samples; at most one per combination. */
    String REPLAY = "replay";

    /** Name as used in configs and reports. */
    String name();

    /**
     * Experience {@code index} of {@code stream} has arrived; called once, in order, before {@link #trainingData} (and
     * not again when a run resumes inside the experience). The place for changes of state the arrival brings, e.g.
     * adding the new samples to a memory.
     */
    default void beforeExperience(List<Experience> stream, int index) {
    }

    /**
     * The data to train on at experience {@code index} of {@code stream}, or {@code null} to skip training there (and
     * record no accuracy-matrix row). A function of the stream and the strategy's state that changes nothing, since a
     * resumed run asks again. Default: that experience's own data.
     */
    default Dataset trainingData(List<Experience> stream, int index) {
        return stream.get(index).train();
    }

    /**
     * How many samples {@link #trainingData} will return for experience {@code index}, known before any
     * training (the learning-rate schedule spans the whole run). Exact for the default and the baselines,
     * an upper estimate where it depends on what memory will hold.
     */
    default int trainingSize(List<Experience> stream, int index) {
        return stream.get(index).train().size();
    }

    /**
     * The classifier to evaluate: the trained model itself unless the method classifies differently
     * (nearest mean of exemplars, bias-corrected logits).
     */
    default Model evaluationModel(Model trained) {
        return trained;
    }

    /** Bytes held in replay memory, for compute accounting. */
    default long bufferBytes() {
        return 0;
    }
}
