package ai.perennial.core.precision;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.perennial.core.engine.Engines;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
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
        // the accumulator on data shaped like the MLP's first layer: half the pixels 0, the rest in (0, 1]; weights
        // uniform in ±1/28 (PyTorch's default init bound 1/√784)
        java.util.SplittableRandom random = new java.util.SplittableRandom(3);
        float[] pixels = new float[128 * 784];
        float[] weights = new float[400 * 784];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = random.nextBoolean() ? 0f : (float) random.nextDouble(1e-3, 1);
        }
        for (int i = 0; i < weights.length; i++) {
            weights[i] = (float) random.nextDouble(-1 / 28.0, 1 / 28.0);
        }
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        for (Rounding rounding : Rounding.values()) {
            LowPrecisionAccumulator acc = LowPrecisionAccumulator.twelveBit(rounding);
            double[] ms = new double[5];
            float[] y = null;
            long cpuStart = 0;
            for (int r = -1; r < ms.length; r++) {
                if (r == 0) {
                    cpuStart = processCpuNanos();
                }
                long start = System.nanoTime();
                y = acc.matmulTransposed(pixels, 128, 784, weights, 400, 1, r);
                if (r >= 0) {
                    ms[r] = (System.nanoTime() - start) / 1e6;
                }
            }
            double cpuMs = (processCpuNanos() - cpuStart) / 1e6 / ms.length;
            Arrays.sort(ms);
            System.out.printf(Locale.ROOT, "%-44s %8.2f ms wall (median), %8.2f ms CPU%n", "12-bit accumulator GEMM (MLP-like data) " + rounding,
                    ms[ms.length / 2], cpuMs);
            assertThat(y).hasSize(128 * 400);
            // one thread: CPU nanoseconds per accumulation step of a dot product
            double sink = 0;
            long threadStart = 0;
            for (int pass = 0; pass < 2; pass++) { // the first pass warms the JIT up
                threadStart = threads.getCurrentThreadCpuTime();
                for (int j = 0; j < 400; j++) {
                    sink += acc.dot(x, 0, w, j * 784, 784, 1, (long) j * 784);
                }
            }
            double ns = (threads.getCurrentThreadCpuTime() - threadStart) / (400.0 * 784);
            System.out.printf(Locale.ROOT, "%-44s %8.2f ns CPU per addition (one thread, dot)%n", "12-bit accumulator (heavy tails) " + rounding, ns);
            assertThat(sink).isFinite();
        }
    }

    /** Median wall time per call, and the process's CPU time per call (all threads; less sensitive to other jobs). */
    static void report(String what, Supplier<NDArray> op) {
        double[] ms = new double[REPEATS];
        long cpuStart = 0;
        for (int r = -10; r < REPEATS; r++) {
            if (r == 0) {
                cpuStart = processCpuNanos();
            }
            long start = System.nanoTime();
            NDArray out = op.get(); // the CPU engine is synchronous: the result is complete on return
            if (r >= 0) {
                ms[r] = (System.nanoTime() - start) / 1e6;
            }
            out.close();
        }
        double cpuMs = (processCpuNanos() - cpuStart) / 1e6 / REPEATS;
        Arrays.sort(ms);
        System.out.printf(Locale.ROOT, "%-44s %8.2f ms wall (median), %8.2f ms CPU%n", what, ms[REPEATS / 2], cpuMs);
    }

    static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }
}
