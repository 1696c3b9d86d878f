package ai.perennial.core.precision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.perennial.core.PerennialException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** NVFP4 and MXFP4 block quantization: the scale rules on constructed blocks, and a brute-force reference. */
class BlockQuantizerTest {

    @Test
    void nvfp4ClampsToSixWhenTheBlockScaleRoundsDown() {
        float[] x = new float[64];
        x[0] = 2688f;                                        // amax_T = 6·448, so s_T = 1 and this block's scale is 448
        x[16] = 102f; x[17] = 50f; x[18] = -102f; x[19] = 3f; // amax/6 = 17 rounds DOWN to 16 in E4M3 (a tie, to even)
        x[32] = 114f; x[33] = 57f;                            // amax/6 = 19 rounds UP to 20 (a tie, to even)
        x[48] = 1e-4f;                                        // amax/6 below half of 2⁻⁹: the scale stays 2⁻⁹, not 0
        for (Rounding rounding : Rounding.values()) {
            for (long counter = 0; counter < 50; counter++) {
                QuantizedBlocks q = BlockQuantizer.quantize(x, 2, 32, BlockFormat.NVFP4, rounding, 3, counter);
                assertThat(q.tensorScale()).isEqualTo(1f);
                assertThat(q.scales()).containsExactly((byte) 0x7e, (byte) 0x58, (byte) 0x5a, (byte) 0x01);
                float[] y = q.dequantize();
                assertThat(y[0]).isEqualTo(2688f);
                // 102/16 = 6.375 is clamped to 6 before rounding, so even stochastic rounding gives 6·16
                assertThat(y[16]).isEqualTo(96f);
                assertThat(y[18]).isEqualTo(-96f);
                assertThat(y[32]).isIn(rounding == Rounding.NEAREST_EVEN ? List.of(120f) : List.of(80f, 120f)); // 5.7 → 6
                if (rounding == Rounding.NEAREST_EVEN) {
                    assertThat(y[17]).isEqualTo(48f);   // 3.125 → 3
                    assertThat(y[19]).isEqualTo(0f);    // 0.1875 → 0
                    assertThat(y[33]).isEqualTo(60f);   // 2.85 → 3
                    assertThat(y[48]).isEqualTo(0f);    // 0.0512 → 0
                    assertThat(q.elements()[0]).isEqualTo((byte) 0x07);  // 6, then 0
                    assertThat(q.elements()[8]).isEqualTo((byte) 0x57);  // 6 = 0111, then 3 = 0101
                    assertThat(q.elements()[9]).isEqualTo((byte) 0x0f);  // −6 = 1111, then 0
                }
            }
        }
    }

    @Test
    void mxfp4ScaleIsTwoToTheFloorLog2OfAmaxMinusTwo() {
        float[] x = new float[6 * 32];
        float[][] blocks = {{5f, -1.25f, 0.3f}, {7.9f, 6.5f, 2.5f}, {8f, 1f}, {0.3f, 0.1f}, {}, {1e-40f}};
        for (int b = 0; b < blocks.length; b++) {
            System.arraycopy(blocks[b], 0, x, b * 32, blocks[b].length);
        }
        QuantizedBlocks q = BlockQuantizer.quantize(x, 1, x.length, BlockFormat.MXFP4, Rounding.NEAREST_EVEN, 0, 0);
        // ⌊log₂ amax⌋ = 2, 2, 3, −2, (zero block), −133; minus 2, clamped at −127; code = exponent + 127
        assertThat(q.scales()).containsExactly((byte) 127, (byte) 127, (byte) 128, (byte) 123, (byte) 0, (byte) 0);
        float[] y = q.dequantize();
        float[][] expected = {{4f, -1f, 0.5f}, {6f, 6f, 2f}, {8f, 1f}, {0.25f, 0.09375f}, {}, {0f}};
        for (int b = 0; b < blocks.length; b++) {
            assertThat(Arrays.copyOfRange(y, b * 32, b * 32 + expected[b].length)).as("block %d", b).containsExactly(expected[b]);
        }
        assertThat(q.tensorScale()).isEqualTo(1f);
    }

    @Test
    void zeroBlocksAndAllZeroTensorsGiveZeros() {
        for (BlockFormat format : BlockFormat.values()) {
            for (Rounding rounding : Rounding.values()) {
                float[] zeros = BlockQuantizer.fakeQuantize(new float[96], 3, 32, format, rounding, 1, 2);
                assertThat(zeros).containsOnly(0f);
                float[] mixed = new float[64];
                mixed[40] = 1f;
                float[] y = BlockQuantizer.fakeQuantize(mixed, 1, 64, format, rounding, 1, 2);
                assertThat(Arrays.copyOfRange(y, 0, 32)).containsOnly(0f);
                assertThat(y[40]).isCloseTo(1f, within(1e-6f)); // NVFP4: 6·(448·fl(1/2688)), not exactly 1
            }
        }
    }

    @Test
    void nonFiniteInputIsAClearError() {
        for (BlockFormat format : BlockFormat.values()) {
            float[] x = new float[32];
            x[3] = Float.NaN;
            assertThatThrownBy(() -> BlockQuantizer.fakeQuantize(x, 1, 32, format, Rounding.NEAREST_EVEN, 0, 0))
                    .isInstanceOf(PerennialException.class).hasMessageContaining("NaN at index 3").hasMessageContaining("not finite");
            x[3] = Float.NEGATIVE_INFINITY;
            assertThatThrownBy(() -> BlockQuantizer.fakeQuantize(x, 1, 32, format, Rounding.STOCHASTIC, 0, 0))
                    .isInstanceOf(PerennialException.class).hasMessageContaining("-Infinity at index 3");
        }
        assertThatThrownBy(() -> BlockQuantizer.fakeQuantize(new float[30], 2, 16, BlockFormat.NVFP4, Rounding.NEAREST_EVEN, 0, 0))
                .isInstanceOf(PerennialException.class).hasMessageContaining("2 × 16");
    }

    @Test
    void aShortLastBlockIsABlockOfItsOwn() {
        SplittableRandom random = new SplittableRandom(4);
        float[] x = new float[40];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian() * (i < 32 ? 1 : 100);
        }
        float[] whole = BlockQuantizer.fakeQuantize(x, 1, 40, BlockFormat.MXFP4, Rounding.NEAREST_EVEN, 0, 0);
        float[] first = BlockQuantizer.fakeQuantize(Arrays.copyOf(x, 32), 1, 32, BlockFormat.MXFP4, Rounding.NEAREST_EVEN, 0, 0);
        float[] last = BlockQuantizer.fakeQuantize(Arrays.copyOfRange(x, 32, 40), 1, 8, BlockFormat.MXFP4, Rounding.NEAREST_EVEN, 0, 0);
        assertThat(Arrays.copyOf(whole, 32)).containsExactly(first);
        assertThat(Arrays.copyOfRange(whole, 32, 40)).containsExactly(last);
    }

    @Test
    void nearestRoundingMatchesABruteForceReference() {
        SplittableRandom random = new SplittableRandom(9);
        for (BlockFormat format : BlockFormat.values()) {
            for (int trial = 0; trial < 20; trial++) {
                int rows = 1 + random.nextInt(5);
                int cols = 1 + random.nextInt(100);
                float[] x = new float[rows * cols];
                double spread = Math.exp(random.nextDouble(-20, 20));
                for (int i = 0; i < x.length; i++) {
                    // heavy tails: some blocks' scales round down, some values are tiny next to their block's amax
                    x[i] = random.nextInt(10) == 0 ? 0f : (float) (random.nextGaussian() * spread * Math.exp(3 * random.nextGaussian()));
                }
                float[] expected = reference(x, rows, cols, format);
                float[] actual = BlockQuantizer.fakeQuantize(x, rows, cols, format, Rounding.NEAREST_EVEN, 0, 0);
                for (int i = 0; i < x.length; i++) {
                    assertThat(actual[i]).as("%s %d×%d at %d (x = %s)", format, rows, cols, i, x[i]).isEqualTo(expected[i]);
                }
            }
        }
    }

    /** The rules written out directly: E2M1 and E4M3 by nearest-value search, the MX exponent by scanning powers of two. */
    static float[] reference(float[] x, int rows, int cols, BlockFormat format) {
        List<Float> e2m1 = nonNegative(MiniFloat.E2M1);
        List<Float> e4m3 = nonNegative(MiniFloat.E4M3);
        float amaxTensor = 0;
        for (float v : x) {
            amaxTensor = Math.max(amaxTensor, Math.abs(v));
        }
        float tensorScale = format == BlockFormat.NVFP4 && amaxTensor / 2688f != 0 ? amaxTensor / 2688f : 1f;
        int size = format.blockSize();
        float[] out = new float[x.length];
        for (int r = 0; r < rows; r++) {
            for (int start = 0; start < cols; start += size) {
                int end = Math.min(cols, start + size);
                float amax = 0;
                for (int c = start; c < end; c++) {
                    amax = Math.max(amax, Math.abs(x[r * cols + c]));
                }
                float scale;
                if (format == BlockFormat.NVFP4) {
                    float ratio = amax / tensorScale / 6f;
                    float e4 = nearest(ratio, e4m3);
                    scale = (ratio > 0 && e4 == 0 ? 0x1p-9f : e4) * tensorScale;
                } else {
                    int k = 127;
                    while (k > -149 && Math.scalb(1f, k) > amax) {
                        k--;
                    }
                    scale = Math.scalb(1f, Math.max(-127, k - 2));
                }
                for (int c = start; c < end; c++) {
                    float a = x[r * cols + c] / (scale == 0 ? 1f : scale);
                    float q = nearest(Math.min(Math.abs(a), 6f), e2m1);
                    out[r * cols + c] = Math.copySign(q, a) * scale;
                }
            }
        }
        return out;
    }

    static List<Float> nonNegative(MiniFloat f) {
        List<Float> values = new ArrayList<>();
        for (int code = 0; code < f.codes() / 2; code++) {
            if (!Float.isNaN(f.decode((byte) code))) {
                values.add(f.decode((byte) code));
            }
        }
        return values;
    }

    /** The nearest of the ascending {@code values} (code = position), ties to the even code, saturating at the last. */
    static float nearest(float a, List<Float> values) {
        int best = 0;
        for (int k = 1; k < values.size(); k++) {
            double dk = Math.abs((double) a - values.get(k));
            double db = Math.abs((double) a - values.get(best));
            if (dk < db || dk == db && k % 2 == 0) {
                best = k;
            }
        }
        return values.get(best);
    }

    @Test
    void stochasticRoundingOfABlockIsUnbiased() {
        SplittableRandom random = new SplittableRandom(12);
        float[] x = new float[16];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextDouble(-3, 3);
        }
        int draws = 40_000;
        double[] sum = new double[16];
        double[] sumSquares = new double[16];
        for (int counter = 0; counter < draws; counter++) {
            float[] y = BlockQuantizer.fakeQuantize(x, 1, 16, BlockFormat.NVFP4, Rounding.STOCHASTIC, 5, counter);
            for (int i = 0; i < 16; i++) {
                sum[i] += y[i];
                sumSquares[i] += (double) y[i] * y[i];
            }
        }
        for (int i = 0; i < 16; i++) {
            double mean = sum[i] / draws;
            double sd = Math.sqrt(Math.max(0, sumSquares[i] / draws - mean * mean));
            // 16 comparisons: 4 standard errors (plus float slack for the value itself)
            assertThat(Math.abs(mean - x[i])).as("element %d", i).isLessThanOrEqualTo(4 * sd / Math.sqrt(draws) + 1e-6);
        }
    }

    @Test
    void nearestRoundingIgnoresTheUniformAndStochasticRoundingIsReproducible() {
        float[] x = new float[64];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Math.sin(i) * 5;
        }
        float[] a = BlockQuantizer.fakeQuantize(x, 2, 32, BlockFormat.NVFP4, Rounding.STOCHASTIC, 1, 7);
        float[] b = BlockQuantizer.fakeQuantize(x, 2, 32, BlockFormat.NVFP4, Rounding.STOCHASTIC, 1, 7);
        float[] c = BlockQuantizer.fakeQuantize(x, 2, 32, BlockFormat.NVFP4, Rounding.STOCHASTIC, 1, 8);
        float[] d = BlockQuantizer.fakeQuantize(x, 2, 32, BlockFormat.NVFP4, Rounding.STOCHASTIC, 2, 7);
        assertThat(a).containsExactly(b);
        assertThat(a).isNotEqualTo(c);
        assertThat(a).isNotEqualTo(d);
        assertThat(BlockQuantizer.fakeQuantize(x, 2, 32, BlockFormat.NVFP4, Rounding.NEAREST_EVEN, 1, 7))
                .containsExactly(BlockQuantizer.fakeQuantize(x, 2, 32, BlockFormat.NVFP4, Rounding.NEAREST_EVEN, 9, 9));
    }
}
