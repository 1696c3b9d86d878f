package ai.perennial.core.precision;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.core.Linear;
import ai.djl.training.GradientCollector;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.model.LayerOps;
import ai.perennial.core.model.Model;
import ai.perennial.core.model.Parameter;
import ai.perennial.core.registry.Component;
import ai.perennial.core.registry.Param;
import ai.perennial.core.registry.Registered;
import ai.perennial.core.registry.Values;
import ai.perennial.core.state.StateDict;
import ai.perennial.core.train.Batch;
import ai.perennial.core.train.TrainingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Fully quantized training of dense layers in 4-bit block formats (C24): all three GEMMs of a layer take FP4 operands,
 * each quantized in blocks along that GEMM's own reduction dimension.
 * <pre>
 * forward   Y  = Q_rtn(X; in) · Q_rtn(W; in)ᵀ + b          X (batch, in), W (out, in)
 * backward  ∇X = Q_g(∇Y; out) · Q_rtn(W; out)              (only when X carries a gradient: not for the input layer)
 * update    ∇W = Q_g(∇Y; batch)ᵀ · Q_rtn(X; batch)
 *           ∇b = Σ_batch ∇Y                                 (FP32: not a GEMM)
 * </pre>
 * {@code Q(·; d)} quantizes in blocks along dimension {@code d}; {@code Q_g} rounds stochastically (the default, as in
 * FP4 All the Way) or to nearest. The quantized gradient is two copies of ∇Y, one per GEMM, with independent draws.
 * Master weights stay FP32.
 *
 * <p>How the backward pass gets there without custom autograd functions: inside the training step's backward pass
 * ({@link #backward}) each layer's output is a fresh leaf, so autograd's pass from the loss stops at the layers'
 * outputs and leaves ∇Y in them; then, from the layer created last to the first, this computes the two GEMMs above,
 * adds ∇W and ∇b to the parameters' gradients and sends ∇X on through the layer's input (its activation, down to the
 * previous layer's output leaf). Terms of the loss that read parameters directly (an EWC penalty) reach them in the
 * first pass and add. Outside that pass (evaluation, a strategy's own gradient computations) the forward pass is the
 * same and the gradient is the straight-through one of the FP32 backward pass.
 */
public final class FullyQuantizedTraining extends QuantizedLayers {
    private static final Param<String> GRADIENTS = Param.choice("gradients", "stochastic",
            "rounding of the output gradient ∇Y in the backward and update GEMMs: stochastic (unbiased), or nearest (RTN in every GEMM)",
            "stochastic", "nearest");

    @Registered
    public static final Component<Void, Precision> NVFP4 = Component.of(Precision.KIND, "nvfp4")
            .summary("fully quantized training in NVFP4 (E2M1 values, blocks of 16 with an E4M3 scale, FP32 tensor scale): forward RTN,"
                    + " gradients SR; conv layers stay FP32")
            .source("Chmiel, Fishman, Banner, Soudry 2025 (FP4 All the Way)")
            .params(GRADIENTS)
            .factory((v, none) -> precision(BlockFormat.NVFP4, "nvfp4", v));

    @Registered
    public static final Component<Void, Precision> MXFP4 = Component.of(Precision.KIND, "mxfp4")
            .summary("fully quantized training in MXFP4 (E2M1 values, blocks of 32 with a power-of-two E8M0 scale): forward RTN,"
                    + " gradients SR; conv layers stay FP32")
            .source("OCP Microscaling spec 2023; Chmiel et al. 2025")
            .params(GRADIENTS)
            .factory((v, none) -> precision(BlockFormat.MXFP4, "mxfp4", v));

    private static Precision precision(BlockFormat format, String name, Values v) {
        String spec = name + ":" + GRADIENTS.name() + "=" + v.get(GRADIENTS);
        boolean stochastic = v.get(GRADIENTS).equals("stochastic");
        return Precision.of(spec, (model, seed) -> new FullyQuantizedTraining(model, spec, format, stochastic, seed));
    }

    /** One layer's application inside the step's backward pass. {@code recorded}: the wrapped ops' output, when not plain. */
    private record Point(NDArray input, Parameter weight, Parameter bias, NDArray output, NDArray recorded) {
    }

    private final BlockFormat format;
    private final boolean stochastic;
    private final long seed;
    private final GradientNoiseMonitor monitor = new GradientNoiseMonitor();
    private long draws;           // random streams used so far: the counter of the next one
    /** Per layer (weight name): whether its input records gradients; learnt on the first backward pass, then fixed. */
    private final Map<String, Boolean> inputRecords = new java.util.HashMap<>();
    private List<Point> capture;  // layers applied since the step's backward pass began, else null
    private long step;            // the step being taken (1-based), measured once

    FullyQuantizedTraining(Model model, String spec, BlockFormat format, boolean stochastic, long seed) {
        super(model, spec);
        this.format = format;
        this.stochastic = stochastic;
        this.seed = seed;
    }

    @Override
    public NDArray linear(NDArray x, Parameter weight, Parameter bias) {
        NDArray qx = quantize(x.stopGradient(), 1, false, 0);
        NDArray qw = quantize(weight.array().stopGradient(), 1, false, 0);
        if (capture == null) {
            return inner.linear(straightThrough(x, qx), withValue(weight, straightThrough(weight.array(), qw)), bias);
        }
        NDArray recorded = null;
        NDArray y;
        if (inner == LayerOps.PLAIN) {
            y = Linear.linear(qx, qw, bias == null ? null : bias.array().stopGradient()).singletonOrThrow();
        } else { // another method's layer: its own backward pass, fed the quantized ∇Y
            recorded = inner.linear(straightThrough(x, qx), withValue(weight, straightThrough(weight.array(), qw)), bias);
            y = recorded.stopGradient();
        }
        y.setRequiresGradient(true);
        capture.add(new Point(x, weight, bias, y, recorded));
        return y;
    }

    @Override
    public NDArray backward(GradientCollector collector, Supplier<NDArray> forwardAndLoss) {
        List<Point> points = new ArrayList<>();
        List<Point> outer = capture;
        capture = points;
        NDArray loss;
        try {
            loss = forwardAndLoss.get();
        } finally {
            capture = outer;
        }
        Engines.backward(loss, loss.onesLike());
        boolean measure = step > 0; // the step's first backward pass only (SAM takes a second)
        long first = draws; // layer i draws first + 2i (update GEMM) and first + 2i + 1 (backward GEMM), used or not
        draws += 2L * points.size();
        for (int i = points.size() - 1; i >= 0; i--) {
            stage(points.get(i), first + 2L * i, measure);
        }
        if (measure) {
            monitor.endStep(step);
            step = 0;
        }
        return loss;
    }

    /** The quantized backward and update GEMMs of one layer, with ∇Y complete in its output leaf. */
    private void stage(Point p, long counter, boolean measure) {
        NDArray g = p.output().getGradient();
        if (p.recorded() != null) {
            NDArray gq = quantize(g, 1, stochastic, counter);
            Engines.backward(p.recorded(), gq);
            if (measure) {
                monitor.add(g, gq);
            }
            return;
        }
        NDArray gForWeight = quantize(g, 0, stochastic, counter); // ∇W's reduction runs over the batch
        NDArray w = p.weight().array();
        if (w.hasGradient()) { // a parameter is a leaf: DJL knows whether it records gradients
            Engines.backward(w, gForWeight.transpose().matMul(quantize(p.input().stopGradient(), 0, false, 0)));
        }
        if (p.bias() != null && p.bias().array().hasGradient()) {
            Engines.backward(p.bias().array(), g.sum(new int[] {0}));
        }
        // ∇X's reduction runs over the outputs; skipped once the layer's input is known to be data (no gradient)
        if (inputRecords.getOrDefault(p.weight().name(), true)) {
            NDArray gForInput = quantize(g, 1, stochastic, counter + 1);
            inputRecords.put(p.weight().name(), Engines.backwardIfRecorded(p.input(),
                    gForInput.matMul(quantize(w.stopGradient(), 0, false, 0))));
        }
        if (measure) {
            monitor.add(g, gForWeight);
        }
    }

    private NDArray quantize(NDArray x, int axis, boolean sr, long counter) {
        return TensorQuantizers.blockFakeQuantize(x, axis, format, sr ? Rounding.STOCHASTIC : Rounding.NEAREST_EVEN, seed, counter);
    }

    @Override
    public Batch adaptBatch(TrainingContext context, Batch batch) {
        step = context.globalStep() + 1;
        return batch;
    }

    @Override
    public void onExperienceStart(TrainingContext context) {
        monitor.start(context.stateManager());
    }

    @Override
    public void onExperienceEnd(TrainingContext context) {
        monitor.finish(context.experienceIndex());
    }

    @Override
    public List<Map<String, Object>> diagnostics() {
        return monitor.reports();
    }

    @Override
    public StateDict exportState() {
        StateDict out = new StateDict();
        out.putCounter("draws", draws);
        out.putAll("noise.", monitor.exportState());
        return out;
    }

    @Override
    public void importState(StateDict state, TrainingContext context) {
        draws = state.counter("draws");
        monitor.importState(state.child("noise."), context.stateManager());
    }
}
