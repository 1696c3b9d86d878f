package ai.perennial.core.precision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.perennial.core.PerennialException;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The simulated low-bit accumulator: hand-computed sums, saturation, subnormals, and the double limit. */
class LowPrecisionAccumulatorTest {
    /** 1 + 4 + 3 bits, bias 7: step 1/8 on [1, 2), largest value 2⁷·1.875 = 240, smallest subnormal 2⁻⁹. */
    static final LowPrecisionAccumulator E4M3_RTN = new LowPrecisionAccumulator(4, 3, Rounding.NEAREST_EVEN);
    static final float[] ONES = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    static final int DRAWS = 1_000_000;

    @Test
    void roundingAfterEveryAdditionSwampsSmallTermsAddedToALargeSum() {
        float[] largeFirst = {1f, 0.0625f, 0.0625f, 0.0625f, 0.0625f, 0.0625f, 0.0625f, 0.0625f, 0.0625f};
        float[] largeLast = {0.0625f, 0.0625f, 0.0625f, 0.0625f, 0.0625f, 0.0625f, 0.0625f, 0.0625f, 1f};
        // 1 + 1/16 = 1.0625 lies halfway between 1 and 1.125: to even, 1, eight times over
        assertThat(E4M3_RTN.dot(largeFirst, 0, ONES, 0, 9, 0, 0)).isEqualTo(1.0);
        // small terms first: 1/16 … 1/2 are all representable, then 1.5 is exact
        assertThat(E4M3_RTN.dot(largeLast, 0, ONES, 0, 9, 0, 0)).isEqualTo(1.5);
        assertThat(E4M3_RTN.add(1.0, 0.1875, 0)).isEqualTo(1.25);   // 1.1875: halfway, to even (1.25 = 1.010)
        assertThat(E4M3_RTN.add(1.125, 0.0625, 0)).isEqualTo(1.25); // 1.1875 again, from the other side
        assertThat(E4M3_RTN.add(1.0, 0.1, 0)).isEqualTo(1.125);
        assertThat(E4M3_RTN.add(3.0, -0.1, 0)).isEqualTo(3.0);
    }

    @Test
    void aTieOfTheDoubleSumIsSettledByTheExactSum() {
        // 1 + (1/16 + 2⁻⁵⁶) rounds to 1.0625 in double, exactly halfway; the exact sum is above it
        assertThat(E4M3_RTN.add(1.0, 0.0625 + 0x1p-56, 0)).isEqualTo(1.125);
        assertThat(E4M3_RTN.add(1.0, 0.0625 - 0x1p-57, 0)).isEqualTo(1.0);
        assertThat(E4M3_RTN.add(-1.0, -0.0625 - 0x1p-56, 0)).isEqualTo(-1.125);
    }

    @Test
    void overflowSaturatesAtTheLargestFiniteValue() {
        assertThat(E4M3_RTN.max()).isEqualTo(240.0);
        assertThat(E4M3_RTN.add(192, 96, 0)).isEqualTo(240.0);
        assertThat(E4M3_RTN.add(-192, -96, 0)).isEqualTo(-240.0);
        assertThat(E4M3_RTN.round(1e300, 0)).isEqualTo(240.0);
        // saturation is not sticky: the next addition starts from 240 (exact sum 192, simulated 144)
        assertThat(E4M3_RTN.dot(new float[] {96f, 96f, 96f, -96f}, 0, ONES, 0, 4, 0, 0)).isEqualTo(144.0);
        assertThat(E4M3_RTN.round(248, 0)).isEqualTo(240.0); // 248 would round to 256, beyond the range
    }

    @Test
    void subnormalsHaveTheFixedStepOfTheSmallestBinade() {
        double s = 0x1p-9;
        assertThat(E4M3_RTN.round(1.5 * s, 0)).isEqualTo(2 * s);
        assertThat(E4M3_RTN.round(0.5 * s, 0)).isEqualTo(0.0);
        assertThat(E4M3_RTN.round(0.51 * s, 0)).isEqualTo(s);
        assertThat(E4M3_RTN.round(-2.5 * s, 0)).isEqualTo(-2 * s);
        assertThat(E4M3_RTN.round(7.5 * s, 0)).isEqualTo(0x1p-6);
        assertThat(E4M3_RTN.add(0x1p-6, -0.5 * s, 0)).isEqualTo(0x1p-6); // 7.5 steps: to even, 8
    }

    @Test
    void withinItsRangeTheE4M3AccumulatorRoundsLikeTheE4M3Codec() {
        SplittableRandom random = new SplittableRandom(8);
        for (int i = 0; i < 100_000; i++) {
            float v = (float) Math.exp(random.nextDouble(Math.log(0x1p-12), Math.log(239.0)));
            v = random.nextBoolean() ? v : -v;
            assertThat(E4M3_RTN.round(v, 0)).as("%s", v).isEqualTo((double) MiniFloat.E4M3.roundNearest(v));
        }
    }

    @Test
    void withDoublesBitsItIsTheDoubleSum() {
        LowPrecisionAccumulator asDouble = new LowPrecisionAccumulator(11, 52, Rounding.NEAREST_EVEN);
        assertThat(asDouble.max()).isEqualTo(Double.MAX_VALUE);
        SplittableRandom random = new SplittableRandom(6);
        for (int trial = 0; trial < 50; trial++) {
            int n = 1 + random.nextInt(2000);
            float[] a = new float[n];
            float[] b = new float[n];
            for (int i = 0; i < n; i++) {
                a[i] = (float) (random.nextGaussian() * Math.exp(10 * random.nextGaussian()));
                b[i] = (float) (random.nextGaussian() * Math.exp(10 * random.nextGaussian()));
            }
            double expected = 0;
            for (int i = 0; i < n; i++) {
                expected += (double) a[i] * b[i];
            }
            assertThat(asDouble.dot(a, 0, b, 0, n, 0, 0)).isEqualTo(expected);
        }
    }

    @Test
    void stochasticAccumulationIsUnbiasedWhereNearestSwamps() {
        LowPrecisionAccumulator sr = new LowPrecisionAccumulator(4, 3, Rounding.STOCHASTIC);
        float[] largeFirst = {1f, 0.0625f, 0.0625f, 0.0625f, 0.0625f, 0.0625f, 0.0625f, 0.0625f, 0.0625f};
        int draws = 200_000;
        double sum = 0;
        double sumSquares = 0;
        for (int counter = 0; counter < draws; counter++) {
            double v = sr.dot(largeFirst, 0, ONES, 0, 9, CounterUniforms.key(1, counter), 0);
            sum += v;
            sumSquares += v * v;
        }
        double mean = sum / draws;
        double se = Math.sqrt((sumSquares / draws - mean * mean) / draws);
        assertThat(Math.abs(mean - 1.5)).isLessThanOrEqualTo(3 * se);
    }

    @Test
    void theMatrixProductIsADotPerEntryAndChecksItsInput() {
        SplittableRandom random = new SplittableRandom(7);
        int rows = 5;
        int inner = 37;
        int cols = 3;
        float[] a = new float[rows * inner];
        float[] b = new float[cols * inner];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) random.nextGaussian();
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) random.nextGaussian() * 0.1f;
        }
        for (Rounding rounding : Rounding.values()) {
            LowPrecisionAccumulator acc = LowPrecisionAccumulator.twelveBit(rounding);
            float[] y = acc.matmulTransposed(a, rows, inner, b, cols, 4, 9);
            long key = CounterUniforms.key(4, 9);
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    double expected = acc.dot(a, i * inner, b, j * inner, inner, key, ((long) i * cols + j) * inner);
                    assertThat((double) y[i * cols + j]).isEqualTo(expected);
                }
            }
            assertThat(acc.matmulTransposed(a, rows, inner, b, cols, 4, 9)).containsExactly(y);
        }
        LowPrecisionAccumulator twelve = LowPrecisionAccumulator.twelveBit(Rounding.NEAREST_EVEN);
        assertThat(1 + twelve.exponentBits() + twelve.mantissaBits()).isEqualTo(12);
        assertThat(twelve.max()).isEqualTo(255.0);
        a[3] = Float.NaN;
        assertThatThrownBy(() -> twelve.matmulTransposed(a, rows, inner, b, cols, 0, 0)).isInstanceOf(PerennialException.class)
                .hasMessageContaining("NaN at index 3");
        assertThatThrownBy(() -> twelve.matmulTransposed(a, rows, inner + 1, b, cols, 0, 0)).isInstanceOf(PerennialException.class)
                .hasMessageContaining("shapes do not match");
        assertThatThrownBy(() -> new LowPrecisionAccumulator(4, 3, 2000, Rounding.NEAREST_EVEN)).isInstanceOf(PerennialException.class)
                .hasMessageContaining("bias 2000");
    }

    @Test
    void stochasticRoundingIsUnbiased() {
        LowPrecisionAccumulator acc = new LowPrecisionAccumulator(4, 3, Rounding.STOCHASTIC); // step 1/8 on [1, 2)
        double[][] rows = {{1.03, 1.0, 1.125}, {1.3, 1.25, 1.375}, {0.0031, 0.001953125, 0.00390625}, {-100.0, -104.0, -96.0}};
        long key = CounterUniforms.key(3, 0);
        for (double[] row : rows) {
            double v = row[0];
            double sum = 0;
            for (int i = 0; i < DRAWS; i++) {
                double r = acc.round(v, CounterUniforms.uniform53(key, i));
                assertThat(r).isIn(row[1], row[2]);
                sum += r - v;
            }
            double variance = (Math.abs(row[2] - v)) * Math.abs(v - row[1]);
            assertThat(Math.abs(sum / DRAWS)).as("SR(%s)", v).isLessThanOrEqualTo(3 * Math.sqrt(variance / DRAWS));
        }
    }
}
