package ai.perennial.core.precision;

import ai.perennial.core.model.Model;
import ai.perennial.core.registry.Component;
import ai.perennial.core.registry.Kind;
import ai.perennial.core.registry.Registered;
import ai.perennial.core.registry.Spec;
import java.util.function.BiFunction;

/**
 * The arithmetic a model's dense layers train in: FP32, or quantized operands (FP4 with stochastic rounding, ternary
 * weights) or a narrow accumulator, simulated in FP32 ("fake quantization"). Master weights always stay FP32 — the
 * model's parameters — and the optimizer updates them as usual; only the way layers compute changes, through the
 * model's {@link ai.perennial.core.model.LayerOps}, so a precision combines with every strategy and optimizer. Frozen
 * copies (teachers, anchors) compute in FP32.
 */
public interface Precision {
    /** Precisions have no context; a run names one as text, e.g. {@code nvfp4:gradients=nearest}. */
    Kind<Void, Precision> KIND = Kind.of("precision", "precisions",
            "how dense layers compute while training (quantized operands, narrow accumulators), written name:key=value");

    @Registered
    public static final Component<Void, Precision> FP32 = Component.of(KIND, "fp32")
            .summary("every layer in FP32 as the model defines it (the default)")
            .factory((v, none) -> of("fp32", (model, seed) -> null));

    /**
     * Routes {@code model}'s dense layers through this precision, wrapping the ops the model has now, and returns them
     * as the training hook that carries their state into checkpoints and measures their diagnostics (add it to the
     * trainer's hooks); {@code null} when the layers stay as they are. {@code seed}: where stochastic rounding's draws
     * come from.
     */
    QuantizedLayers attach(Model model, long seed);

    /** The resolved spec, e.g. {@code nvfp4:gradients=stochastic}. */
    String describe();

    /** A precision written {@code spec} whose layers {@code attach} installs on a model with a seed. */
    static Precision of(String spec, BiFunction<Model, Long, QuantizedLayers> attach) {
        return new Precision() {
            @Override
            public QuantizedLayers attach(Model model, long seed) {
                return attach.apply(model, seed);
            }

            @Override
            public String describe() {
                return spec;
            }
        };
    }

    /** The precision {@code spec} names, e.g. {@code ternary:scale=absmedian}. */
    static Precision parse(String spec) {
        return Spec.build(KIND, spec, "precision");
    }
}
