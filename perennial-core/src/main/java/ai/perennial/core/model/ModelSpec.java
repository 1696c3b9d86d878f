package ai.perennial.core.model;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.perennial.core.PerennialException;
import java.util.Arrays;

/**
 * What model to build: {@code kind} is {@code mlp} or {@code cnn}; {@code hidden} are the MLP's
 * hidden sizes; {@code heads} is 1 for a shared head or the number of tasks for multi-head.
 */
public record ModelSpec(String kind, int[] hidden, int heads) {

    public ModelSpec {
        if (!kind.equals("mlp") && !kind.equals("cnn")) {
            throw new PerennialException("unknown model '" + kind + "'; choose mlp or cnn");
        }
        if (heads < 1) {
            throw new PerennialException("heads must be at least 1, got " + heads);
        }
        for (int h : hidden) {
            if (h <= 0) {
                throw new PerennialException("hidden sizes must be positive, got " + Arrays.toString(hidden)
                        + "; pass e.g. --hidden 400,400");
            }
        }
        hidden = hidden.clone();
    }

    public Model build(NDManager manager, Shape inputShape, int outputs, long seed) {
        if (kind.equals("mlp")) {
            return new Mlp(manager, Math.toIntExact(inputShape.size()), hidden, outputs, heads, seed);
        }
        if (inputShape.dimension() != 3) {
            throw new PerennialException("model cnn needs image inputs (channels, height, width), got " + inputShape
                    + "; use --model mlp for vector data");
        }
        return new SmallCnn(manager, inputShape, outputs, heads, seed);
    }
}
