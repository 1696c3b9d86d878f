package ai.perennial.core.precision;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.perennial.core.engine.Engines;
import java.util.Arrays;
import java.util.Locale;
import java.util.function.Supplier;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * What fake quantization costs on tensors the size of the 784-400-400-10 MLP's first layer at batch 128 (weight 400×784,
 * activations 128×784), next to that layer's FP32 forward GEMM; and the simulated 12-bit accumulator's host GEMM. Prints
 * medians; asserts nothing about time. On request:
 * {@code mvn -pl perennial-core test -Dtest=QuantizerBenchmarkTest -Dperennial.excludedGroups=none}.
 */
@Tag("benchmark")
class QuantizerBenchmarkTest {
    static final int REPEATS = 60;

    @Test
    void fakeQuantizationCostPerCall() {
        Engines.pytorch();
        float[] w = TensorQuantizersTest.values(400 * 784, 1);
        float[] x = TensorQuantizersTest.values(128 * 784, 2);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray weight = m.create(w, new Shape(400, 784));
            NDArray input = m.create(x, new Shape(128, 784));
            report("FP32 GEMM 128×784 · (400×784)ᵀ", () -> input.matMul(weight.transpose()));
            for (NDArray t : new NDArray[] {weight, input}) {
                String size = t.getShape().get(0) + "×784";
                for (BlockFormat format : BlockFormat.values()) {
                    for (Rounding rounding : Rounding.values()) {
                        long[] counter = {0};
                        report(format + " " + rounding + " " + size,
                                () -> TensorQuantizers.blockFakeQuantize(t, -1, format, rounding, 1, counter[0]++));
                    }
                }
                for (Ternary.Scale scale : Ternary.Scale.values()) {
                    report("ternary " + scale + " " + size, () -> TensorQuantizers.ternary(t, scale));
                }
                report("int8 absmax ROW " + size, () -> TensorQuantizers.int8Absmax(t, Int8Absmax.Granularity.ROW));
            }
            long start = System.nanoTime();
            float[] uniforms = CounterUniforms.fill(CounterUniforms.key(1, 2), 0, new float[400 * 784]);
            System.out.printf(Locale.ROOT, "%-44s %8.2f ms (once)%n", "host uniforms 400×784", (System.nanoTime() - start) / 1e6);
            assertThat(uniforms[0]).isBetween(0f, 1f);
        }
        for (Rounding rounding : Rounding.values()) {
            LowPrecisionAccumulator acc = LowPrecisionAccumulator.twelveBit(rounding);
            double[] ms = new double[5];
            float[] y = null;
            for (int r = 0; r < ms.length; r++) {
                long start = System.nanoTime();
                y = acc.matmulTransposed(x, 128, 784, w, 400, 1, r);
                ms[r] = (System.nanoTime() - start) / 1e6;
            }
            Arrays.sort(ms);
            System.out.printf(Locale.ROOT, "%-44s %8.2f ms%n", "12-bit accumulator GEMM " + rounding + " (host)", ms[ms.length / 2]);
            assertThat(y).hasSize(128 * 400);
        }
    }

    static void report(String what, Supplier<NDArray> op) {
        double[] ms = new double[REPEATS];
        for (int r = -10; r < REPEATS; r++) {
            long start = System.nanoTime();
            NDArray out = op.get(); // the CPU engine is synchronous: the result is complete on return
            if (r >= 0) {
                ms[r] = (System.nanoTime() - start) / 1e6;
            }
            out.close();
        }
        Arrays.sort(ms);
        System.out.printf(Locale.ROOT, "%-44s %8.2f ms%n", what, ms[REPEATS / 2]);
    }
}
