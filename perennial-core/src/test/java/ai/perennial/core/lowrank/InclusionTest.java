package ai.perennial.core.lowrank;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class InclusionTest {

    @Test
    void waterFillingCapsTheLargestAndSharesTheRestInProportion() {
        // σ = (10, 1, 1, 1), r = 2: 10·2/13 > 1, so the first is capped and the others share 1: 1/3 each
        assertThat(Inclusion.waterFilling(new double[] {10, 1, 1, 1}, 2)).containsExactly(new double[] {1, 1 / 3.0, 1 / 3.0, 1 / 3.0},
                within(1e-15));
        // nothing capped: π = r·σ/Σσ
        assertThat(Inclusion.waterFilling(new double[] {3, 2, 1}, 1)).containsExactly(new double[] {0.5, 1 / 3.0, 1 / 6.0}, within(1e-15));
        // two caps in turn: (100, 10, 1, 1) with r = 3 → 1, 1, then 1 over the two ones
        assertThat(Inclusion.waterFilling(new double[] {100, 10, 1, 1}, 3)).containsExactly(new double[] {1, 1, 0.5, 0.5}, within(1e-15));
        // fewer positive weights than r: the rest of the budget spreads over the zeros
        assertThat(Inclusion.waterFilling(new double[] {3, 0, 0}, 2)).containsExactly(new double[] {1, 0.5, 0.5}, within(1e-15));
        assertThat(Inclusion.waterFilling(new double[] {2, 1}, 2)).containsExactly(1.0, 1.0);
    }

    @Test
    void probabilitiesSumToTheSizeAreCappedAndMinimiseTheVariance() {
        SplittableRandom random = new SplittableRandom(3);
        for (int trial = 0; trial < 200; trial++) {
            int k = 1 + random.nextInt(40);
            int r = 1 + random.nextInt(k);
            double[] w = new double[k];
            for (int i = 0; i < k; i++) {
                w[i] = random.nextInt(4) == 0 ? 0 : Math.exp(4 * random.nextDouble());
            }
            Arrays.sort(w);
            double[] sigma = new double[k];
            for (int i = 0; i < k; i++) {
                sigma[i] = w[k - 1 - i];
            }
            double[] pi = Inclusion.waterFilling(sigma, r);
            assertThat(Arrays.stream(pi).sum()).isCloseTo(r, within(1e-9));
            double ratio = Double.NaN;
            for (int i = 0; i < k; i++) {
                assertThat(pi[i]).isBetween(0.0, 1.0);
                if (sigma[i] > 0) {
                    assertThat(pi[i]).isPositive();
                }
                if (pi[i] < 1 && sigma[i] > 0) { // every uncapped positive weight has the same π/σ
                    if (Double.isNaN(ratio)) {
                        ratio = pi[i] / sigma[i];
                    }
                    assertThat(pi[i] / sigma[i]).isCloseTo(ratio, within(1e-9 * ratio));
                }
            }
            // no feasible move of probability mass between two indices lowers Σ σ²/π (the KKT conditions, checked directly)
            double best = variance(sigma, pi);
            for (int a = 0; a < k; a++) {
                for (int b = 0; b < k; b++) {
                    double[] moved = pi.clone();
                    double d = 1e-4 * Math.min(pi[b], 1 - pi[a]);
                    moved[a] += d;
                    moved[b] -= d;
                    if (a != b && d > 0) {
                        assertThat(variance(sigma, moved)).isGreaterThanOrEqualTo(best - 1e-9 * best);
                    }
                }
            }
        }
    }

    private static double variance(double[] sigma, double[] pi) {
        double v = 0;
        for (int i = 0; i < sigma.length; i++) {
            v += sigma[i] == 0 ? 0 : sigma[i] * sigma[i] * (1 / pi[i] - 1);
        }
        return v;
    }

    @Test
    void systematicSamplingDrawsExactlyTheSizeWithTheGivenProbabilities() {
        double[] pi = Inclusion.waterFilling(new double[] {5, 3, 2, 1, 0.5, 0.2}, 2);
        int n = 100_000;
        double[] frequency = new double[pi.length];
        for (int s = 0; s < n; s++) {
            int[] chosen = Inclusion.systematic(pi, 2, (s + 0.5) / n); // an even grid of u: frequencies exact to 1/n
            assertThat(chosen).hasSize(2).doesNotHaveDuplicates().isSorted();
            for (int i : chosen) {
                frequency[i] += 1.0 / n;
            }
        }
        for (int i = 0; i < pi.length; i++) {
            assertThat(frequency[i]).as("index " + i).isCloseTo(pi[i], within(2.0 / n));
        }
        assertThat(Inclusion.systematic(new double[] {1, 1, 0.5, 0.5}, 3, 0.99)).containsExactly(0, 1, 3);
        assertThatThrownBy(() -> Inclusion.systematic(new double[] {0.5, 0.4}, 1, 0.3)).hasMessageContaining("sum to 0.9");
        assertThatThrownBy(() -> Inclusion.waterFilling(new double[] {1, 2}, 1)).hasMessageContaining("descending");
    }
}
