package ai.perennial.core.precision;

import ai.djl.ndarray.NDArray;
import ai.perennial.core.model.Model;
import ai.perennial.core.model.Parameter;
import ai.perennial.core.registry.Component;
import ai.perennial.core.registry.Param;
import ai.perennial.core.registry.Registered;

/**
 * Ternary (1.58-bit) quantization-aware training, BitNet b1.58 style (catalog-a #12): each dense layer's weights are
 * W_q = γ·clip(round(W/γ), −1, 1) with γ = mean|W| (absmean) or median|W| (absmedian, which holds up better on small
 * networks), its inputs 8-bit absmax-quantized per row (per sample); both through the straight-through estimator, so the backward pass is
 * FP32 autograd with the quantized values and the FP32 latent weights take the whole gradient. Conv layers stay FP32.
 */
public final class TernaryTraining extends QuantizedLayers {
    private static final Param<String> SCALE = Param.choice("scale", "absmean", "the weights' scale γ: mean or median of |W| per matrix",
            "absmean", "absmedian");

    @Registered
    public static final Component<Void, Precision> TERNARY = Component.of(Precision.KIND, "ternary")
            .summary("ternary weights {−γ, 0, γ} (absmean or absmedian γ), 8-bit absmax activations, straight-through estimator,"
                    + " FP32 latent weights; conv layers stay FP32")
            .source("Ma et al. 2024 (BitNet b1.58); Nielsen & Schneider-Kamp 2024 (absmedian)")
            .params(SCALE)
            .factory((v, none) -> {
                String spec = "ternary:" + SCALE.name() + "=" + v.get(SCALE);
                boolean median = v.get(SCALE).equals("absmedian");
                return Precision.of(spec, (model, seed) -> new TernaryTraining(model, spec, median));
            });

    private final boolean median;

    TernaryTraining(Model model, String spec, boolean median) {
        super(model, spec);
        this.median = median;
    }

    @Override
    public NDArray linear(NDArray x, Parameter weight, Parameter bias) {
        NDArray qx = TensorQuantizers.int8Absmax(x, Int8Absmax.Granularity.ROW);
        NDArray qw = TensorQuantizers.ternary(weight.array(), median ? Ternary.Scale.ABSMEDIAN : Ternary.Scale.ABSMEAN);
        return inner.linear(straightThrough(x, qx), withValue(weight, straightThrough(weight.array(), qw)), bias);
    }
}
