package ai.perennial.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;

/**
 * Multiply-accumulates of a model's dense and convolutional layers in one forward pass, counted by running the pass
 * through a {@link LayerOps} that records each layer's output size: a layer computes, for each output element, one dot
 * product over a row of its weight (an input row for a dense layer, a receptive field for a convolution).
 */
public final class ForwardMacs {
    private ForwardMacs() {
    }

    /**
     * MACs of one forward pass of {@code model} over {@code inputs} (any batch), in evaluation mode; the model is left as
     * it was. The pass runs plain FP32 layers, not the model's own ops: counting must not draw from the random streams
     * of stochastically rounding layers, which would change the run that follows.
     */
    public static long of(Model model, NDArray inputs, int[] tasks) {
        LayerOps own = model.layerOps();
        LayerOps inner = LayerOps.PLAIN;
        long[] macs = new long[1];
        model.setLayerOps(new LayerOps() {
            @Override
            public NDArray linear(NDArray x, Parameter weight, Parameter bias) {
                return counted(inner.linear(x, weight, bias), weight);
            }

            @Override
            public NDArray conv2d(NDArray x, Parameter weight, Parameter bias, int stride, int padding) {
                return counted(inner.conv2d(x, weight, bias, stride, padding), weight);
            }

            private NDArray counted(NDArray out, Parameter weight) {
                long rowLength = weight.array().getShape().size() / weight.array().getShape().get(0);
                macs[0] += out.getShape().size() * rowLength;
                return out;
            }
        });
        try (NDScope scope = new NDScope(); Model.ModeScope eval = model.enter(Model.Mode.EVAL)) {
            model.forward(inputs, tasks);
        } finally {
            model.setLayerOps(own);
        }
        return macs[0];
    }
}
