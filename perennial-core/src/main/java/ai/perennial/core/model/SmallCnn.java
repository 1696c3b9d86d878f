package ai.perennial.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import java.util.Collections;
import java.util.List;

/**
 * Two 3x3 convolution blocks (32 and 64 channels, ReLU, 2x2 max-pool), a 128-unit dense layer and
 * the output head(s). Input shape {@code (channels, height, width)}.
 */
public final class SmallCnn implements Model {
    private static final Shape KERNEL = new Shape(3, 3);
    private static final Shape UNIT = new Shape(1, 1);
    private static final Shape PAD = new Shape(1, 1);
    private static final Shape POOL = new Shape(2, 2);
    private static final Shape NO_PAD = new Shape(0, 0);

    private final Shape inputShape;
    private final int outputs;
    private final Parameter conv1W, conv1B, conv2W, conv2B, denseW, denseB;
    private final Parameter[][] heads;
    private final List<Parameter> parameters;

    public SmallCnn(NDManager manager, Shape inputShape, int outputs, int numHeads, long seed) {
        if (inputShape.dimension() != 3) {
            throw new IllegalArgumentException("CNN input must be (channels, height, width), got " + inputShape);
        }
        this.inputShape = inputShape;
        this.outputs = outputs;
        int channels = (int) inputShape.get(0);
        long flat = 64L * (inputShape.get(1) / 4) * (inputShape.get(2) / 4);
        Initializer init = new Initializer(manager, seed);
        conv1W = init.uniform("conv1.weight", new Shape(32, channels, 3, 3), channels * 9L, true);
        conv1B = init.uniform("conv1.bias", new Shape(32), channels * 9L, false);
        conv2W = init.uniform("conv2.weight", new Shape(64, 32, 3, 3), 32 * 9L, true);
        conv2B = init.uniform("conv2.bias", new Shape(64), 32 * 9L, false);
        denseW = init.uniform("dense.weight", new Shape(128, flat), flat, true);
        denseB = init.uniform("dense.bias", new Shape(128), flat, false);
        heads = new Parameter[numHeads][];
        java.util.List<Parameter> all = new java.util.ArrayList<>(List.of(conv1W, conv1B, conv2W, conv2B, denseW, denseB));
        for (int h = 0; h < numHeads; h++) {
            String prefix = numHeads == 1 ? "head" : "head" + h;
            heads[h] = new Parameter[] {
                init.uniform(prefix + ".weight", new Shape(outputs, 128), 128, true),
                init.uniform(prefix + ".bias", new Shape(outputs), 128, false)
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
        NDArray h = x.getShape().dimension() == 4 ? x
                : x.reshape(new Shape(x.getShape().get(0)).addAll(inputShape));
        h = block(h, conv1W, conv1B);
        h = block(h, conv2W, conv2B);
        h = h.reshape(h.getShape().get(0), -1);
        h = Activation.relu(Linear.linear(h, denseW.array(), denseB.array()).singletonOrThrow());
        Parameter[] out = heads[heads.length == 1 ? 0 : head];
        return Linear.linear(h, out[0].array(), out[1].array()).singletonOrThrow();
    }

    private static NDArray block(NDArray x, Parameter w, Parameter b) {
        NDArray c = Conv2d.conv2d(x, w.array(), b.array(), UNIT, PAD, UNIT, 1).singletonOrThrow();
        return Pool.maxPool2d(Activation.relu(c), POOL, POOL, NO_PAD, false);
    }

    @Override
    public int numHeads() {
        return heads.length;
    }

    @Override
    public String describe() {
        return "cnn " + inputShape + " conv32-conv64-128-" + outputs + (heads.length > 1 ? " x" + heads.length + " heads" : "");
    }
}
