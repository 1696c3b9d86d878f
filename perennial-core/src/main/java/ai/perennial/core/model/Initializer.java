package ai.perennial.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;

/**
 * Creates parameters with values drawn on the host from a seeded generator, so initialization is
 * identical across runs and engines. Uses PyTorch's default layer init: weights and biases
 * U(-1/sqrt(fanIn), 1/sqrt(fanIn)).
 */
final class Initializer {
    private final NDManager manager;
    private final SplittableRandom rng;

    Initializer(NDManager manager, long seed) {
        this.manager = manager;
        this.rng = new SplittableRandom(seed);
    }

    Parameter uniform(String name, Shape shape, long fanIn, boolean decays) {
        double bound = 1.0 / Math.sqrt(fanIn);
        float[] values = new float[Math.toIntExact(shape.size())];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) ((2 * rng.nextDouble() - 1) * bound);
        }
        NDArray array = manager.create(values, shape);
        NDScope.unregister(array); // parameters outlive any scope the model is built in
        array.setName(name);
        array.setRequiresGradient(true);
        return new Parameter(name, array, decays);
    }
}
