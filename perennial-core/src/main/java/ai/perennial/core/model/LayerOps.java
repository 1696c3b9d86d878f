package ai.perennial.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.training.GradientCollector;
import java.util.function.Supplier;

/**
 * How a model's dense and convolutional layers compute their output from their input and parameters. Every model routes
 * its layers through one instance ({@link Model#setLayerOps}), so a method that changes how layers compute — quantized
 * operands, low-rank adapters, simulated accumulators — wraps this and leaves the models alone. Receiving the
 * {@link Parameter}s (not only their arrays) lets a wrapper tell the layers apart by name.
 */
public interface LayerOps {

    /** {@code x·weightᵀ + bias} for {@code x} of shape {@code (batch, in)} and {@code weight} of shape {@code (out, in)}. */
    NDArray linear(NDArray x, Parameter weight, Parameter bias);

    /** A 2-D convolution with unit dilation and one group; {@code bias} may be null. */
    NDArray conv2d(NDArray x, Parameter weight, Parameter bias, int stride, int padding);

    /**
     * Runs {@code forwardAndLoss} (a forward pass through these layers and the loss of its outputs) inside
     * {@code collector} and the backward pass of the loss it returns, leaving ∂loss/∂θ, as these layers define it,
     * accumulated in every parameter's gradient; returns the loss. The default is autograd's backward pass. Ops whose
     * backward pass is not autograd's (gradients quantized on their way back) override it; a decorator that does not
     * override it but wraps ops that do must delegate it to them.
     */
    default NDArray backward(GradientCollector collector, Supplier<NDArray> forwardAndLoss) {
        NDArray loss = forwardAndLoss.get();
        collector.backward(loss);
        return loss;
    }

    /** The layers as DJL computes them in FP32. */
    LayerOps PLAIN = new LayerOps() {
        @Override
        public NDArray linear(NDArray x, Parameter weight, Parameter bias) {
            return Linear.linear(x, weight.array(), bias == null ? null : bias.array()).singletonOrThrow();
        }

        @Override
        public NDArray conv2d(NDArray x, Parameter weight, Parameter bias, int stride, int padding) {
            return Conv2d.conv2d(x, weight.array(), bias == null ? null : bias.array(), new Shape(stride, stride),
                    new Shape(padding, padding), new Shape(1, 1), 1).singletonOrThrow();
        }
    };
}
