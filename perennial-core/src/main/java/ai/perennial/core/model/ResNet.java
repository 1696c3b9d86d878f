package ai.perennial.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.perennial.core.data.DataSources;
import ai.perennial.core.registry.Component;
import ai.perennial.core.registry.Param;
import ai.perennial.core.registry.Registered;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * ResNet-18 in its CIFAR form (He et al. 2016, as in the continual-learning literature): a 3x3 stride-1 stem convolution
 * with batch norm and no max-pool, four stages of two BasicBlocks at widths w, 2w, 4w, 8w with strides 1, 2, 2, 2 (a
 * 1x1 convolution + batch norm shortcut where a block changes the shape), global average pooling, the head(s). Width 64
 * is the standard network (11.2M parameters for 10 classes); width 20 the reduced ResNet-18 of GEM, A-GEM, ER and DER
 * (1.1M). Convolutions have no bias (batch norm follows each) and start, like the heads, from PyTorch's default
 * U(±1/√fanIn). Tensor names follow PyTorch's ({@code layer2.0.conv1.weight}, {@code layer2.0.shortcut.1.running_var}),
 * so exported weights map one to one onto the reference implementations.
 *
 * <p>{@link #hidden} is the stem's and every stage's output (after its ReLU); {@link #units} is empty: no hidden unit
 * owns its own weights alone (see {@link Model#COUPLED_UNITS}), so unit-level methods are rejected for this model.
 */
public final class ResNet extends HeadedModel {
    private static final Param<Integer> WIDTH = Param.integer("width", 64,
            "channels of the first stage (the stages have w, 2w, 4w, 8w); 64 is ResNet-18, 20 the reduced ResNet-18 of GEM/ER/DER")
            .atLeast(1).atMost(1024);

    @Registered
    public static final Component<Context, Model> RESNET18 = Component.of(Model.KIND, "resnet18")
            .summary("CIFAR-style ResNet-18: 3x3 stem, BasicBlocks [2,2,2,2] at widths w..8w, batch norm, global average pool, the head(s)")
            .source("He et al. 2016; reduced width: Lopez-Paz & Ranzato 2017")
            .params(WIDTH)
            .requires(DataSources.IMAGES)
            .provides(COUPLED_UNITS)
            .factory((v, c) -> new ResNet(c.manager(), c.inputShape(), v.get(WIDTH), c.outputs(), c.heads(), c.seed()));

    private static final int[] BLOCKS = {2, 2, 2, 2};
    private static final int[] STRIDES = {1, 2, 2, 2};

    private final Shape inputShape;
    private final int width;
    private final int outputs;
    private final Trunk trunk;
    private final List<Parameter> buffers;
    private Mode mode = Mode.EVAL;

    public ResNet(NDManager manager, Shape inputShape, int width, int outputs, int numHeads, long seed) {
        this(new Initializer(manager, seed), checked(inputShape, width), width, outputs, numHeads);
    }

    private ResNet(Initializer init, Shape inputShape, int width, int outputs, int numHeads) {
        this(init, new Trunk(init, (int) inputShape.get(0), width), inputShape, width, outputs, numHeads);
    }

    private ResNet(Initializer init, Trunk trunk, Shape inputShape, int width, int outputs, int numHeads) {
        super(trunk.parameters, init, 8 * width, outputs, numHeads);
        this.inputShape = inputShape;
        this.width = width;
        this.outputs = outputs;
        this.trunk = trunk;
        this.buffers = Collections.unmodifiableList(trunk.buffers);
    }

    private static Shape checked(Shape inputShape, int width) {
        if (inputShape.dimension() != 3) {
            throw new IllegalArgumentException("ResNet input must be (channels, height, width), got " + inputShape);
        }
        if (width < 1) {
            throw new IllegalArgumentException("ResNet width must be at least 1, got " + width);
        }
        return inputShape;
    }

    /** A convolution without bias. */
    private record Conv(Parameter weight, int stride, int padding) {
        static Conv of(Initializer init, String name, int in, int out, int kernel, int stride) {
            long fanIn = (long) in * kernel * kernel;
            return new Conv(init.uniform(name, new Shape(out, in, kernel, kernel), fanIn, true), stride, kernel / 2);
        }

        NDArray apply(NDArray x, LayerOps ops) {
            return ops.conv2d(x, weight, null, stride, padding);
        }
    }

    /** conv-bn-relu-conv-bn, plus the input (or its 1x1 projection), then ReLU. */
    private record Block(Conv conv1, BatchNorm2d bn1, Conv conv2, BatchNorm2d bn2, Conv projection, BatchNorm2d projectionBn) {
        NDArray forward(NDArray x, Mode mode, LayerOps ops) {
            NDArray y = Activation.relu(bn1.forward(conv1.apply(x, ops), mode));
            y = bn2.forward(conv2.apply(y, ops), mode);
            NDArray skip = projection == null ? x : projectionBn.forward(projection.apply(x, ops), mode);
            return Activation.relu(y.add(skip));
        }
    }

    /** The layers in PyTorch's order, and the flat parameter and buffer lists they own. */
    private static final class Trunk {
        final List<Parameter> parameters = new ArrayList<>();
        final List<Parameter> buffers = new ArrayList<>();
        final Conv stem;
        final BatchNorm2d stemBn;
        final List<List<Block>> stages = new ArrayList<>();

        Trunk(Initializer init, int channels, int width) {
            stem = Conv.of(init, "conv1.weight", channels, width, 3, 1);
            parameters.add(stem.weight());
            stemBn = norm(init, "bn1", width);
            int in = width;
            for (int s = 0; s < BLOCKS.length; s++) {
                int out = width << s;
                List<Block> stage = new ArrayList<>();
                for (int b = 0; b < BLOCKS[s]; b++) {
                    String name = "layer" + (s + 1) + "." + b + ".";
                    int stride = b == 0 ? STRIDES[s] : 1;
                    Conv conv1 = Conv.of(init, name + "conv1.weight", in, out, 3, stride);
                    parameters.add(conv1.weight());
                    BatchNorm2d bn1 = norm(init, name + "bn1", out);
                    Conv conv2 = Conv.of(init, name + "conv2.weight", out, out, 3, 1);
                    parameters.add(conv2.weight());
                    BatchNorm2d bn2 = norm(init, name + "bn2", out);
                    Conv projection = null;
                    BatchNorm2d projectionBn = null;
                    if (stride != 1 || in != out) {
                        projection = Conv.of(init, name + "shortcut.0.weight", in, out, 1, stride);
                        parameters.add(projection.weight());
                        projectionBn = norm(init, name + "shortcut.1", out);
                    }
                    stage.add(new Block(conv1, bn1, conv2, bn2, projection, projectionBn));
                    in = out;
                }
                stages.add(stage);
            }
        }

        private BatchNorm2d norm(Initializer init, String name, int channels) {
            BatchNorm2d bn = new BatchNorm2d(init, name, channels);
            parameters.addAll(bn.parameters());
            buffers.addAll(bn.buffers());
            return bn;
        }
    }

    @Override
    public List<Parameter> buffers() {
        return buffers;
    }

    @Override
    public Mode mode() {
        return mode;
    }

    @Override
    public void setMode(Mode mode) {
        this.mode = java.util.Objects.requireNonNull(mode);
    }

    /** The stem's output and each stage's, {@code (batch, channels, height, width)} after ReLU. */
    @Override
    public List<NDArray> hidden(NDArray x) {
        NDArray h = x.getShape().dimension() == 4 ? x : x.reshape(new Shape(x.getShape().get(0)).addAll(inputShape));
        List<NDArray> out = new ArrayList<>(1 + trunk.stages.size());
        h = Activation.relu(trunk.stemBn.forward(trunk.stem.apply(h, layerOps()), mode));
        out.add(h);
        for (List<Block> stage : trunk.stages) {
            for (Block b : stage) {
                h = b.forward(h, mode, layerOps());
            }
            out.add(h);
        }
        return out;
    }

    /** Global average pooling of the last stage. */
    @Override
    NDArray features(NDArray x, List<NDArray> hidden) {
        NDArray last = hidden.get(hidden.size() - 1);
        return last.reshape(last.getShape().get(0), last.getShape().get(1), -1).mean(new int[] {2});
    }

    /**
     * Multiply-accumulates of one sample's forward pass through the convolutions and one head (batch norm, ReLU and
     * pooling are elementwise and left out): the basis of a step's FLOP count, about 3 × 2 × this per sample for the
     * forward pass, the weight gradients and the input gradients.
     */
    public long forwardMacs() {
        long height = inputShape.get(1);
        long width = inputShape.get(2);
        long macs = height * width * trunk.stem.weight().array().getShape().size();
        for (List<Block> stage : trunk.stages) {
            for (Block b : stage) {
                int stride = b.conv1().stride();
                height = (height - 1) / stride + 1; // 3x3 with padding 1 and 1x1 without both give ⌊(n − 1)/stride⌋ + 1
                width = (width - 1) / stride + 1;
                long plane = height * width;
                macs += plane * (b.conv1().weight().array().getShape().size() + b.conv2().weight().array().getShape().size());
                if (b.projection() != null) {
                    macs += plane * b.projection().weight().array().getShape().size();
                }
            }
        }
        return macs + 8L * this.width * outputs;
    }

    @Override
    List<Units> trunkUnits() {
        return List.of();
    }

    @Override
    public Model frozenCopy(NDManager manager) {
        return frozen(new ResNet(manager, inputShape, width, outputs, numHeads(), 0));
    }

    @Override
    public String describe() {
        return "resnet18 " + inputShape + " width " + width + " (" + width + "-" + 2 * width + "-" + 4 * width + "-" + 8 * width + ")-"
                + outputs + headSuffix();
    }
}
