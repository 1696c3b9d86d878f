package ai.perennial.core.precision;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.perennial.core.PerennialException;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.model.LayerOps;
import ai.perennial.core.model.Model;
import ai.perennial.core.model.Parameter;
import ai.perennial.core.registry.Component;
import ai.perennial.core.registry.Param;
import ai.perennial.core.registry.Registered;
import ai.perennial.core.state.StateDict;
import ai.perennial.core.train.TrainingContext;

/**
 * Dense layers whose dot products accumulate in a narrow floating-point register (A10, C26–C27): every product
 * x_i·w_i is exact (FP32), the running sum is rounded to {@code exponent_bits}/{@code mantissa_bits} after every
 * addition, in input order; the bias is added in FP32 afterwards. The backward pass is the straight-through one: the
 * FP32 layer's gradient. Used to fine-tune a trained model until it tolerates the narrow accumulator (e.g. 12 bits:
 * sign, 4 exponent, 7 mantissa: the default).
 *
 * <p>Cost: the accumulation is simulated on the host, one rounding per multiply-add, so each dense layer copies its
 * input and weights to the host every forward pass (evaluation included) — fine for an MLP, far slower than FP32.
 * Conv layers stay FP32.
 */
public final class AccumulatorTraining extends QuantizedLayers {
    private static final Param<Integer> EXPONENT_BITS = Param.integer("exponent_bits", 4, "exponent bits of the accumulator (bias 2^(e−1) − 1)")
            .atLeast(2).atMost(8);
    private static final Param<Integer> MANTISSA_BITS = Param.integer("mantissa_bits", 7,
            "mantissa bits of the accumulator (stored, without the implicit leading one)").atLeast(1).atMost(23);
    private static final Param<String> ROUNDING = Param.choice("rounding", "nearest",
            "rounding after every addition: nearest (ties to even) or stochastic", "nearest", "stochastic");

    @Registered
    public static final Component<Void, Precision> ACCUMULATOR = Component.of(Precision.KIND, "accumulator")
            .summary("dense layers' dot products summed in a simulated e/m-bit floating-point accumulator rounded after every"
                    + " addition (host-side, slow); straight-through FP32 backward; conv layers stay FP32")
            .source("Blumenfeld, Hubara, Soudry 2024 (lower bit-width accumulators)")
            .params(EXPONENT_BITS, MANTISSA_BITS, ROUNDING)
            .factory((v, none) -> {
                int e = v.get(EXPONENT_BITS);
                int m = v.get(MANTISSA_BITS);
                boolean sr = v.get(ROUNDING).equals("stochastic");
                String spec = "accumulator:" + EXPONENT_BITS.name() + "=" + e + "," + MANTISSA_BITS.name() + "=" + m + ","
                        + ROUNDING.name() + "=" + v.get(ROUNDING);
                return Precision.of(spec, (model, seed) -> {
                    if (model.layerOps() != LayerOps.PLAIN) {
                        throw new PerennialException("training.precision: " + spec + " simulates plain dense layers; it cannot wrap"
                                + " layers another method already changed");
                    }
                    return new AccumulatorTraining(model, spec, e, m, sr, seed);
                });
            });

    private final LowPrecisionAccumulator accumulator;
    private final boolean stochastic;
    private final long seed;
    private long draws; // stochastic accumulations so far: the counter of the next one's random stream

    AccumulatorTraining(Model model, String spec, int exponentBits, int mantissaBits, boolean stochastic, long seed) {
        super(model, spec);
        this.accumulator = new LowPrecisionAccumulator(exponentBits, mantissaBits,
                stochastic ? Rounding.STOCHASTIC : Rounding.NEAREST_EVEN);
        this.stochastic = stochastic;
        this.seed = seed;
    }

    @Override
    public NDArray linear(NDArray x, Parameter weight, Parameter bias) {
        Shape xs = x.getShape();
        Shape ws = weight.array().getShape();
        int rows = (int) xs.get(0);
        int in = (int) xs.get(1);
        int out = (int) ws.get(0);
        // the products in double, the running sum rounded to the accumulator after every addition, rows in parallel
        float[] sums = accumulator.matmulTransposed(x.toFloatArray(), rows, in, weight.array().toFloatArray(), out, seed,
                stochastic ? draws++ : 0);
        NDArray y = Engines.owned(x.getManager().create(sums, new Shape(rows, out)));
        if (bias != null) {
            y = y.add(bias.array().stopGradient());
        }
        if (!Engines.recording()) {
            return y;
        }
        NDArray exact = inner.linear(x, weight, bias); // the straight-through gradient's path
        return y.add(exact.sub(exact.stopGradient()));
    }

    @Override
    public StateDict exportState() {
        StateDict out = new StateDict();
        out.putCounter("draws", draws);
        return out;
    }

    @Override
    public void importState(StateDict state, TrainingContext context) {
        draws = state.counter("draws");
    }
}
