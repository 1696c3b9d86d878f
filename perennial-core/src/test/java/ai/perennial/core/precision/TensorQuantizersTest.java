package ai.perennial.core.precision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.perennial.core.PerennialException;
import ai.perennial.core.engine.Engines;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The tensor fake quantizers equal the host references bit for bit, stochastic rounding included. */
class TensorQuantizersTest {
    @BeforeAll
    static void engine() {
        Engines.pytorch();
    }

    /** Heavy-tailed values with exact zeros, one all-zero stretch and stretches of tiny and of subnormal values. */
    static float[] values(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = random.nextInt(12) == 0 ? 0f : (float) (random.nextGaussian() * Math.exp(2 * random.nextGaussian()));
        }
        for (int i = n / 3; i < Math.min(n, n / 3 + 40); i++) {
            x[i] = 0f;
        }
        for (int i = n / 2; i < Math.min(n, n / 2 + 20); i++) {
            x[i] *= 1e-7f;
        }
        for (int i = n / 4; i < Math.min(n, n / 4 + 16); i++) {
            x[i] *= 1e-38f; // around the smallest normal float, some subnormal
        }
        return x;
    }

    static void assertBitEqual(float[] actual, float[] expected, String what) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToIntBits(actual[i]) != Float.floatToIntBits(expected[i])) {
                throw new AssertionError(what + ": at " + i + " tensor gives " + actual[i] + ", host " + expected[i]);
            }
        }
    }

    @Test
    void blockFakeQuantizationEqualsTheHostBitForBit() {
        int[][] shapes = {{12, 784}, {3, 40}, {5, 16}, {1, 1}, {128, 100}};
        try (NDManager m = NDManager.newBaseManager()) {
            for (int[] shape : shapes) {
                float[] x = values(shape[0] * shape[1], shape[0] * 1000L + shape[1]);
                NDArray t = m.create(x, new Shape(shape[0], shape[1]));
                for (BlockFormat format : BlockFormat.values()) {
                    for (Rounding rounding : Rounding.values()) {
                        float[] expected = BlockQuantizer.fakeQuantize(x, shape[0], shape[1], format, rounding, 17, 3);
                        float[] actual = TensorQuantizers.blockFakeQuantize(t, -1, format, rounding, 17, 3).toFloatArray();
                        assertBitEqual(actual, expected, format + " " + rounding + " " + shape[0] + "×" + shape[1]);
                    }
                }
            }
        }
    }

    @Test
    void alongAnotherAxisTheReferenceIsTheSwappedArray() {
        int rows = 40;
        int cols = 7;
        float[] x = values(rows * cols, 5);
        float[] transposed = new float[x.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                transposed[c * rows + r] = x[r * cols + c];
            }
        }
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray t = m.create(x, new Shape(rows, cols));
            for (BlockFormat format : BlockFormat.values()) {
                float[] reference = BlockQuantizer.fakeQuantize(transposed, cols, rows, format, Rounding.STOCHASTIC, 2, 8);
                float[] expected = new float[x.length];
                for (int r = 0; r < rows; r++) {
                    for (int c = 0; c < cols; c++) {
                        expected[r * cols + c] = reference[c * rows + r];
                    }
                }
                NDArray q = TensorQuantizers.blockFakeQuantize(t, 0, format, Rounding.STOCHASTIC, 2, 8);
                assertThat(q.getShape()).isEqualTo(new Shape(rows, cols));
                assertBitEqual(q.toFloatArray(), expected, format + " along axis 0");
            }
            // a 3-d array along its last axis: rows are the leading axes flattened
            float[] y = values(2 * 3 * 40, 6);
            NDArray cube = m.create(y, new Shape(2, 3, 40));
            assertBitEqual(TensorQuantizers.blockFakeQuantize(cube, 2, BlockFormat.NVFP4, Rounding.STOCHASTIC, 1, 1).toFloatArray(),
                    BlockQuantizer.fakeQuantize(y, 6, 40, BlockFormat.NVFP4, Rounding.STOCHASTIC, 1, 1), "3-d");
            assertThatThrownBy(() -> TensorQuantizers.blockFakeQuantize(cube, 3, BlockFormat.NVFP4, Rounding.STOCHASTIC, 1, 1))
                    .isInstanceOf(PerennialException.class).hasMessageContaining("axis 3");
        }
    }

    @Test
    void ternaryAndInt8EqualTheHost() {
        float[] w = values(400 * 78, 3);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray t = m.create(w, new Shape(400, 78));
            float median = TensorQuantizers.ternaryScale(t, Ternary.Scale.ABSMEDIAN).getFloat();
            assertThat(median).isEqualTo(Ternary.scale(w, Ternary.Scale.ABSMEDIAN));
            assertBitEqual(TensorQuantizers.ternary(t, Ternary.Scale.ABSMEDIAN).toFloatArray(),
                    Ternary.quantize(w, Ternary.Scale.ABSMEDIAN), "absmedian");
            // the engine sums the mean in float32 in its own order: γ agrees to float rounding, and given γ the rest is exact
            float mean = TensorQuantizers.ternaryScale(t, Ternary.Scale.ABSMEAN).getFloat();
            assertThat(mean).isCloseTo(Ternary.scale(w, Ternary.Scale.ABSMEAN), org.assertj.core.data.Percentage.withPercentage(1e-4));
            assertBitEqual(TensorQuantizers.ternary(t, Ternary.Scale.ABSMEAN).toFloatArray(), Ternary.quantize(w, mean), "absmean");
            for (Int8Absmax.Granularity granularity : Int8Absmax.Granularity.values()) {
                assertBitEqual(TensorQuantizers.int8Absmax(t, granularity).toFloatArray(), Int8Absmax.fakeQuantize(w, 400, 78, granularity),
                        "int8 " + granularity);
            }
            NDArray cube = t.reshape(4, 100, 78);
            assertBitEqual(TensorQuantizers.int8Absmax(cube, Int8Absmax.Granularity.ROW).toFloatArray(),
                    Int8Absmax.fakeQuantize(w, 400, 78, Int8Absmax.Granularity.ROW), "int8 3-d");
        }
    }

    @Test
    void nonFiniteTensorsAreAClearError() {
        try (NDManager m = NDManager.newBaseManager()) {
            float[] x = values(64, 1);
            x[10] = Float.NaN;
            NDArray nan = m.create(x, new Shape(2, 32));
            x[10] = Float.POSITIVE_INFINITY;
            NDArray inf = m.create(x, new Shape(2, 32));
            for (BlockFormat format : BlockFormat.values()) {
                assertThatThrownBy(() -> TensorQuantizers.blockFakeQuantize(nan, -1, format, Rounding.STOCHASTIC, 0, 0))
                        .isInstanceOf(PerennialException.class).hasMessageContaining("NaN").hasMessageContaining("not finite");
                assertThatThrownBy(() -> TensorQuantizers.blockFakeQuantize(inf, -1, format, Rounding.NEAREST_EVEN, 0, 0))
                        .isInstanceOf(PerennialException.class).hasMessageContaining("Infinity");
            }
            assertThatThrownBy(() -> TensorQuantizers.ternary(nan, Ternary.Scale.ABSMEAN)).isInstanceOf(PerennialException.class)
                    .hasMessageContaining("NaN");
            assertThatThrownBy(() -> TensorQuantizers.int8Absmax(inf, Int8Absmax.Granularity.ROW)).isInstanceOf(PerennialException.class)
                    .hasMessageContaining("Infinity");
        }
    }
}
