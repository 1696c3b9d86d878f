package ai.perennial.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Collectors;

/** Fully connected ReLU network; inputs are flattened. Optionally one output head per task. */
public final class Mlp implements Model {
    private final int inputs;
    private final int[] hidden;
    private final int outputs;
    private final List<Parameter> parameters;
    private final Parameter[] trunk;      // weight, bias pairs of the hidden layers
    private final Parameter[][] heads;    // [head] -> {weight, bias}

    public Mlp(NDManager manager, int inputs, int[] hidden, int outputs, int numHeads, long seed) {
        if (inputs <= 0 || outputs <= 0 || numHeads <= 0) {
            throw new IllegalArgumentException("MLP needs positive inputs, outputs and heads");
        }
        for (int h : hidden) {
            if (h <= 0) {
                throw new IllegalArgumentException("hidden sizes must be positive, got " + h);
            }
        }
        this.inputs = inputs;
        this.hidden = hidden.clone();
        this.outputs = outputs;
        Initializer init = new Initializer(manager, seed);
        List<Parameter> all = new ArrayList<>();
        trunk = new Parameter[2 * hidden.length];
        int fanIn = inputs;
        for (int l = 0; l < hidden.length; l++) {
            trunk[2 * l] = init.uniform("layer" + l + ".weight", new Shape(hidden[l], fanIn), fanIn, true);
            trunk[2 * l + 1] = init.uniform("layer" + l + ".bias", new Shape(hidden[l]), fanIn, false);
            all.add(trunk[2 * l]);
            all.add(trunk[2 * l + 1]);
            fanIn = hidden[l];
        }
        heads = new Parameter[numHeads][];
        for (int h = 0; h < numHeads; h++) {
            String prefix = numHeads == 1 ? "head" : "head" + h;
            heads[h] = new Parameter[] {
                init.uniform(prefix + ".weight", new Shape(outputs, fanIn), fanIn, true),
                init.uniform(prefix + ".bias", new Shape(outputs), fanIn, false)
            };
            all.add(heads[h][0]);
            all.add(heads[h][1]);
        }
        parameters = Collections.unmodifiableList(all);
    }

    @Override
    public List<Parameter> parameters() {
        return parameters;
    }

    @Override
    public NDArray forward(NDArray x, int head) {
        NDArray h = x.getShape().dimension() == 2 ? x : x.reshape(x.getShape().get(0), inputs);
        for (int l = 0; l < hidden.length; l++) {
            h = Activation.relu(Linear.linear(h, trunk[2 * l].array(), trunk[2 * l + 1].array()).singletonOrThrow());
        }
        Parameter[] out = heads[heads.length == 1 ? 0 : head];
        return Linear.linear(h, out[0].array(), out[1].array()).singletonOrThrow();
    }

    @Override
    public int numHeads() {
        return heads.length;
    }

    @Override
    public String describe() {
        String sizes = java.util.stream.IntStream.of(hidden).mapToObj(Integer::toString).collect(Collectors.joining("-"));
        return "mlp " + inputs + (sizes.isEmpty() ? "" : "-" + sizes) + "-" + outputs
                + (heads.length > 1 ? " x" + heads.length + " heads" : "");
    }
}
