package ai.perennial.core.precision;

import ai.djl.ndarray.NDArray;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.model.LayerOps;
import ai.perennial.core.model.Model;
import ai.perennial.core.model.Parameter;
import ai.perennial.core.state.StateDict;
import ai.perennial.core.train.TrainingContext;
import ai.perennial.core.train.TrainingHook;
import java.util.List;
import java.util.Map;

/**
 * A model's dense layers computed another way, installed as the model's {@link LayerOps} around the ops it had (so it
 * composes with other decorators) and, as a {@link TrainingHook}, carrying its state into checkpoints and its
 * diagnostics into the run's result. Convolutions go to the wrapped ops unchanged: they stay FP32.
 */
public abstract class QuantizedLayers implements LayerOps, TrainingHook {
    /** The ops this precision wraps: {@link LayerOps#PLAIN} unless another method changed the layers first. */
    protected final LayerOps inner;
    private final String spec;

    /** Wraps {@code model}'s current ops and installs this in their place. */
    protected QuantizedLayers(Model model, String spec) {
        this.inner = model.layerOps();
        this.spec = spec;
        model.setLayerOps(this);
    }

    /** The precision spec these layers implement, e.g. {@code nvfp4:gradients=stochastic}. */
    public final String spec() {
        return spec;
    }

    @Override
    public String name() {
        return "precision " + spec;
    }

    @Override
    public NDArray conv2d(NDArray x, Parameter weight, Parameter bias, int stride, int padding) {
        return inner.conv2d(x, weight, bias, stride, padding);
    }

    /** What the run's result reports about this precision, one entry per finished experience (empty when nothing). */
    public List<Map<String, Object>> diagnostics() {
        return List.of();
    }

    @Override
    public StateDict exportState() {
        return new StateDict();
    }

    @Override
    public void importState(StateDict state, TrainingContext context) {
        TrainingHook.super.importState(state, context);
    }

    /**
     * The straight-through estimator: the value of {@code quantized} exactly, the gradient of {@code x} (identity). Written
     * {@code q + (x − sg(x))} rather than {@code x + sg(q − x)}, whose value can differ from {@code q} in the last bit.
     */
    protected static NDArray straightThrough(NDArray x, NDArray quantized) {
        if (!Engines.recording()) {
            return quantized;
        }
        return quantized.add(x.sub(x.stopGradient()));
    }

    /** {@code p} with another value (a quantized copy), keeping its name for ops that tell layers apart by name. */
    protected static Parameter withValue(Parameter p, NDArray value) {
        return new Parameter(p.name(), value, p.decays());
    }
}
