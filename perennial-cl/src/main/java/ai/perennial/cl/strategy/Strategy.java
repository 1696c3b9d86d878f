package ai.perennial.cl.strategy;

import ai.perennial.cl.scenario.Experience;
import ai.perennial.core.data.Dataset;
import ai.perennial.core.train.TrainingHook;
import java.util.List;

/**
 * A continual-learning method: the loop's hooks ({@link TrainingHook}: experience start/end, adapt the
 * batch, extra loss, gradient transform, after update, state export/import) plus the choice of what
 * to train on at each experience. A method overrides only what it needs and fits in one short file.
 */
public interface Strategy extends TrainingHook {

    /** Name as used in configs and reports. */
    String name();

    /**
     * The data to train on when experience {@code index} of {@code stream} arrives, or {@code null} to
     * skip training there (and record no accuracy-matrix row). Default: that experience's own data.
     */
    default Dataset trainingData(List<Experience> stream, int index) {
        return stream.get(index).train();
    }

    /** Bytes held in replay memory, for compute accounting. */
    default long bufferBytes() {
        return 0;
    }
}
