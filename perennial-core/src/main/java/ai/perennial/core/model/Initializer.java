package ai.perennial.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.engine.Resources;
import java.util.SplittableRandom;

/**
 * Creates parameters with values drawn on the host from a seeded generator, so initialization is
 * identical across runs and engines. Uses PyTorch's default layer init: weights and biases
 * U(-1/sqrt(fanIn), 1/sqrt(fanIn)).
 */
final class Initializer {
    private final NDManager manager;
    private final SplittableRandom rng;
    private long total; // parameters created so far

    Initializer(NDManager manager, long seed) {
        this.manager = manager;
        this.rng = new SplittableRandom(seed);
    }

    Parameter uniform(String name, Shape shape, long fanIn, boolean decays) {
        long size = shape.size();
        total += size;
        // weights, gradients and up to two optimizer moments of 4 bytes each, checked before anything is allocated
        Resources.requireEngineMemory(16 * total, "the model's " + total + " parameters", "use smaller layers");
        Resources.requireHeap(size, 4 * size, "parameter " + name, "use smaller layers");
        double bound = 1.0 / Math.sqrt(fanIn);
        float[] values = new float[(int) size];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) ((2 * rng.nextDouble() - 1) * bound);
        }
        return leaf(name, values, shape, decays, true);
    }

    /**
     * A tensor filled with {@code value}, drawing nothing from the generator (so adding one leaves every other
     * tensor's initial values as they were): a normalization scale (1) or shift (0) when {@code trainable}, else a
     * buffer such as a running mean (0) or variance (1).
     */
    Parameter constant(String name, Shape shape, float value, boolean trainable) {
        long size = shape.size();
        total += size;
        Resources.requireEngineMemory(16 * total, "the model's " + total + " parameters", "use smaller layers");
        float[] values = new float[(int) size];
        java.util.Arrays.fill(values, value);
        return leaf(name, values, shape, false, trainable);
    }

    private Parameter leaf(String name, float[] values, Shape shape, boolean decays, boolean trainable) {
        NDArray array = Engines.owned(manager.create(values, shape));
        NDScope.unregister(array); // parameters outlive any scope the model is built in
        array.setName(name);
        if (trainable) {
            array.setRequiresGradient(true);
        }
        return new Parameter(name, array, decays);
    }
}
