package ai.perennial.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.pooling.Pool;
import ai.perennial.core.data.DataSources;
import ai.perennial.core.registry.Component;
import ai.perennial.core.registry.Registered;
import java.util.List;

/**
 * Two 3x3 convolution blocks (32 and 64 channels, ReLU, 2x2 max-pool), a 128-unit dense layer and
 * the output head(s). Input shape {@code (channels, height, width)}.
 */
public final class SmallCnn extends HeadedModel {
    @Registered
    public static final Component<Context, Model> CNN = Component.of(Model.KIND, "cnn")
            .summary("two 3x3 convolution blocks (32, 64 channels, ReLU, 2x2 max-pool), a 128-unit dense layer, the head(s)")
            .requires(DataSources.IMAGES)
            .provides(HIDDEN_UNITS)
            .factory((v, c) -> new SmallCnn(c.manager(), c.inputShape(), c.outputs(), c.heads(), c.seed()));

    private static final Shape POOL = new Shape(2, 2);
    private static final Shape NO_PAD = new Shape(0, 0);

    private final Shape inputShape;
    private final int outputs;
    private final Parameter[] trunk; // conv1 w/b, conv2 w/b, dense w/b

    public SmallCnn(NDManager manager, Shape inputShape, int outputs, int numHeads, long seed) {
        this(new Initializer(manager, seed), inputShape, outputs, numHeads);
    }

    private SmallCnn(Initializer init, Shape inputShape, int outputs, int numHeads) {
        super(trunk(init, checked(inputShape)), init, 128, outputs, numHeads);
        this.inputShape = inputShape;
        this.outputs = outputs;
        this.trunk = parameters().subList(0, 6).toArray(Parameter[]::new);
    }

    private static Shape checked(Shape inputShape) {
        if (inputShape.dimension() != 3) {
            throw new IllegalArgumentException("CNN input must be (channels, height, width), got " + inputShape);
        }
        return inputShape;
    }

    private static List<Parameter> trunk(Initializer init, Shape inputShape) {
        int channels = (int) inputShape.get(0);
        long flat = 64L * (inputShape.get(1) / 4) * (inputShape.get(2) / 4);
        return List.of(
            init.uniform("conv1.weight", new Shape(32, channels, 3, 3), channels * 9L, true),
            init.uniform("conv1.bias", new Shape(32), channels * 9L, false),
            init.uniform("conv2.weight", new Shape(64, 32, 3, 3), 32 * 9L, true),
            init.uniform("conv2.bias", new Shape(64), 32 * 9L, false),
            init.uniform("dense.weight", new Shape(128, flat), flat, true),
            init.uniform("dense.bias", new Shape(128), flat, false));
    }

    @Override
    NDArray features(NDArray x, List<NDArray> activations) {
        return activations.get(2);
    }

    @Override
    public List<NDArray> hidden(NDArray x) {
        NDArray h = x.getShape().dimension() == 4 ? x : x.reshape(new Shape(x.getShape().get(0)).addAll(inputShape));
        NDArray first = block(h, trunk[0], trunk[1]);
        NDArray second = block(first, trunk[2], trunk[3]);
        NDArray flat = second.reshape(second.getShape().get(0), -1);
        return List.of(first, second, Activation.relu(layerOps().linear(flat, trunk[4], trunk[5])));
    }

    @Override
    List<Units> trunkUnits() {
        long channels = inputShape.get(0);
        long flat = trunk[4].array().getShape().get(1);
        return List.of(new Units("conv1", 32, 0, 1, List.of(2), channels * 9),
                new Units("conv2", 64, 2, 3, List.of(4), 32 * 9L),
                new Units("dense", 128, 4, 5, List.of(), flat));
    }

    private NDArray block(NDArray x, Parameter w, Parameter b) {
        NDArray c = layerOps().conv2d(x, w, b, 1, 1);
        return Pool.maxPool2d(Activation.relu(c), POOL, POOL, NO_PAD, false);
    }

    @Override
    public Model frozenCopy(NDManager manager) {
        return frozen(new SmallCnn(manager, inputShape, outputs, numHeads(), 0));
    }

    @Override
    public String describe() {
        return "cnn " + inputShape + " conv32-conv64-128-" + outputs + headSuffix();
    }
}
