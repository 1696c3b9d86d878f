package ai.perennial.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;

/** Loss functions on logits. */
public final class Losses {
    private Losses() {
    }

    /** Mean softmax cross-entropy: {@code -mean_i log softmax(logits_i)[label_i]}; labels are int64. */
    public static NDArray crossEntropy(NDArray logits, NDArray labels) {
        return logits.logSoftmax(1).get(new NDIndex().addAllDim().addPickDim(labels)).mean().neg();
    }
}
