package ai.perennial.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.perennial.core.PerennialException;
import ai.perennial.core.engine.Engines;
import java.util.List;

/**
 * Batch normalization over the channels of {@code (batch, channels, height, width)} activations, as PyTorch's
 * {@code BatchNorm2d}: y = γ·(x − μ)/√(σ² + ε) + β per channel, with ε = 1e-5. In training μ and σ² are the batch's
 * (σ² biased) and the running statistics move toward them by the mode's momentum (σ² unbiased); in evaluation the
 * running statistics normalize. γ and β are trainable and not decayed; the running mean and variance are buffers.
 */
final class BatchNorm2d {
    static final double EPSILON = 1e-5;

    private final Parameter scale;
    private final Parameter shift;
    private final Parameter runningMean;
    private final Parameter runningVar;

    BatchNorm2d(Initializer init, String name, int channels) {
        Shape shape = new Shape(channels);
        this.scale = init.constant(name + ".weight", shape, 1f, true);
        this.shift = init.constant(name + ".bias", shape, 0f, true);
        this.runningMean = init.constant(name + ".running_mean", shape, 0f, false);
        this.runningVar = init.constant(name + ".running_var", shape, 1f, false);
    }

    List<Parameter> parameters() {
        return List.of(scale, shift);
    }

    List<Parameter> buffers() {
        return List.of(runningMean, runningVar);
    }

    NDArray forward(NDArray x, Model.Mode mode) {
        if (!mode.batchStatistics()) {
            return Engines.batchNorm(x, runningMean.array(), runningVar.array(), scale.array(), shift.array(), false, 0, EPSILON);
        }
        Shape s = x.getShape();
        if (s.get(0) * s.get(2) * s.get(3) < 2) {
            // PyTorch refuses batch statistics of one value per channel; say why in the user's terms
            throw new PerennialException("batch norm while training needs more than one value per channel, but a batch of "
                    + s.get(0) + " sample(s) reaches a " + s.get(2) + "x" + s.get(3) + " map; use larger images (9x9 or more for "
                    + "resnet18) or a batch size that leaves no 1-sample batch at an epoch's end");
        }
        if (mode.momentum() > 0) {
            return Engines.batchNorm(x, runningMean.array(), runningVar.array(), scale.array(), shift.array(), true, mode.momentum(),
                    EPSILON);
        }
        // frozen statistics: copies take the update and are dropped (the backward pass reads only the batch's statistics)
        try (NDArray mean = runningMean.array().duplicate(); NDArray var = runningVar.array().duplicate()) {
            return Engines.batchNorm(x, mean, var, scale.array(), shift.array(), true, 0, EPSILON);
        }
    }
}
