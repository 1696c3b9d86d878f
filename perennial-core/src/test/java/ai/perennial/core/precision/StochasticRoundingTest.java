package ai.perennial.core.precision;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Stochastic rounding is unbiased with variance (hi − v)(v − lo), checked by Monte Carlo over 10⁶ counter-based draws per
 * value, across the non-uniform parts of each grid (the subnormals, several binades, next to the largest value).
 */
class StochasticRoundingTest {
    static final int DRAWS = 1_000_000;

    @Test
    void e2m1AndE4M3StochasticRoundingIsUnbiasedWithTheClosedFormVariance() {
        // {value, lo, hi}
        float[][] e2m1 = {{0.3f, 0f, 0.5f}, {1.1f, 1f, 1.5f}, {2.2f, 2f, 3f}, {3.7f, 3f, 4f}, {4.9f, 4f, 6f}, {5.99f, 4f, 6f},
            {-2.7f, -3f, -2f}, {0.02f, 0f, 0.5f}};
        float[][] e4m3 = {{0.003f, 0.00390625f - 0.001953125f, 0.00390625f}, {0.1f, 0.09375f, 0.1015625f},
            {300f, 288f, 320f}, {440f, 416f, 448f}, {-5.3f, -5.5f, -5f}};
        long seed = 11;
        long counter = 0;
        for (float[] row : e2m1) {
            checkUnbiased(MiniFloat.E2M1, row[0], row[1], row[2], seed, counter++);
        }
        for (float[] row : e4m3) {
            checkUnbiased(MiniFloat.E4M3, row[0], row[1], row[2], seed, counter++);
        }
    }

    static void checkUnbiased(MiniFloat format, float v, float lo, float hi, long seed, long counter) {
        long key = CounterUniforms.key(seed, counter);
        double sum = 0;
        double sumSquares = 0;
        for (int i = 0; i < DRAWS; i++) {
            float r = format.round(v, Rounding.STOCHASTIC, CounterUniforms.uniform(key, i));
            assertThat(r).as("%s SR(%s)", format, v).isIn(lo, hi);
            double error = (double) r - v;
            sum += error;
            sumSquares += error * error;
        }
        double low = Math.min(Math.abs(lo), Math.abs(hi));
        double high = Math.max(Math.abs(lo), Math.abs(hi));
        double a = Math.abs(v);
        double variance = (high - a) * (a - low);
        double p = (a - low) / (high - low);
        double step = high - low;
        double meanError = sum / DRAWS;
        double sampleVariance = sumSquares / DRAWS - meanError * meanError;
        // the rounded value is lo + step·Bernoulli(p): the mean's s.e. is √(variance/n); the variance estimate's s.e. is
        // √((μ₄ − σ⁴)/n) with μ₄ = step⁴·p(1 − p)(1 − 3p(1 − p))
        double meanSe = Math.sqrt(variance / DRAWS);
        double mu4 = Math.pow(step, 4) * p * (1 - p) * (1 - 3 * p * (1 - p));
        double varianceSe = Math.sqrt((mu4 - variance * variance) / DRAWS);
        assertThat(Math.abs(meanError)).as("%s SR(%s) mean error", format, v).isLessThanOrEqualTo(3 * meanSe);
        assertThat(Math.abs(sampleVariance - variance)).as("%s SR(%s) variance %s vs (hi−v)(v−lo) = %s", format, v, sampleVariance, variance)
                .isLessThanOrEqualTo(4 * varianceSe);
    }

    @Test
    void uniformsAreUniformMultiplesOf2ToTheMinus24() {
        long key = CounterUniforms.key(42, 3);
        double sum = 0;
        int[] deciles = new int[10];
        for (int i = 0; i < DRAWS; i++) {
            float u = CounterUniforms.uniform(key, i);
            assertThat(u).isGreaterThanOrEqualTo(0f).isLessThan(1f);
            assertThat(u * 0x1p24f).isEqualTo((float) Math.floor(u * 0x1p24f));
            sum += u;
            deciles[(int) (u * 10)]++;
        }
        assertThat(Math.abs(sum / DRAWS - 0.5)).isLessThan(3 * Math.sqrt(1.0 / 12 / DRAWS));
        for (int count : deciles) {
            assertThat(Math.abs(count - DRAWS / 10)).isLessThan(4 * (int) Math.sqrt(DRAWS * 0.09)); // binomial s.d. 300
        }
        float[] filled = CounterUniforms.fill(key, 5, new float[200_000]);
        for (int i = 0; i < filled.length; i += 997) {
            assertThat(filled[i]).isEqualTo(CounterUniforms.uniform(key, 5 + i));
        }
    }
}
