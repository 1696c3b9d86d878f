package ai.perennial.theory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class ClassificationTest {

    @Test
    void hildrethProjectionSatisfiesKktAndIsTheClosestFeasiblePoint() {
        SeparableClassification c = SeparableClassification.generate(3, 8, 6, 0.2, 4);
        Random random = new Random(9);
        double[][][] points = {c.signedPoints(0), c.signedPoints(1), c.signedPoints(2)};
        for (int trial = 0; trial < 20; trial++) {
            double[] start = new double[8];
            for (int j = 0; j < 8; j++) {
                start[j] = 3 * random.nextGaussian();
            }
            int m = trial % 3;
            double[] w = start.clone();
            double[] alpha = c.project(m, w);
            double[] stationary = start.clone();
            for (int i = 0; i < alpha.length; i++) {
                double margin = Vectors.dot(points[m][i], w);
                assertThat(margin).isGreaterThan(1 - 1e-9);                       // primal feasible
                assertThat(alpha[i]).isGreaterThanOrEqualTo(0);                  // dual feasible
                assertThat(alpha[i] * (margin - 1)).isCloseTo(0, within(1e-9));   // complementary slackness
                Vectors.axpy(alpha[i], points[m][i], 0, stationary);
            }
            for (int j = 0; j < 8; j++) {
                assertThat(w[j]).isCloseTo(stationary[j], within(1e-9));          // w = w₀ + Σ αᵢ aᵢ
            }
            // no feasible point nearby is closer to the start
            double best = Vectors.squaredDistance(w, start);
            for (int probe = 0; probe < 200; probe++) {
                double[] q = w.clone();
                for (int j = 0; j < 8; j++) {
                    q[j] += 0.05 * random.nextGaussian();
                }
                boolean feasible = true;
                for (double[] a : points[m]) {
                    feasible &= Vectors.dot(a, q) >= 1;
                }
                if (feasible) {
                    assertThat(Vectors.squaredDistance(q, start)).isGreaterThanOrEqualTo(best - 1e-12);
                }
            }
        }
    }

    @Test
    void randomOrderingsDriveForgettingDown() {
        SeparableClassification c = SeparableClassification.generate(20, 30, 10, 0.1, 2);
        long[] checkpoints = {10, 1000};
        var runs = c.runSeeds(Ordering.RANDOM_WITH_REPLACEMENT, 1, 10, checkpoints);
        Band band = Band.over(runs, Trajectory::forgetting);
        assertThat(band.mean()[0]).isGreaterThan(0);
        assertThat(band.mean()[1]).isLessThan(band.mean()[0] / 10);
    }

    @Test
    void gaussianTailHasTheTruncatedNormalMeanAndLargeMarginsAreDrawnDirectly() {
        // E[z | z ≥ 3] = φ(3) / (1 − Φ(3)) = 0.0044318 / 0.0013499 = 3.28310
        Random random = new Random(7);
        double sum = 0;
        int n = 200_000;
        for (int i = 0; i < n; i++) {
            double z = SeparableClassification.gaussianTail(3, random);
            assertThat(z).isGreaterThanOrEqualTo(3);
            sum += z;
        }
        assertThat(sum / n).isCloseTo(3.28310, within(0.003));
        // a margin of 10 would need ~1e23 rejection draws per point
        SeparableClassification c = SeparableClassification.generate(4, 10, 5, 10, 1);
        for (int m = 0; m < c.tasks(); m++) {
            for (double[] p : c.signedPoints(m)) {
                assertThat(Math.sqrt(Vectors.squaredNorm(p))).isGreaterThanOrEqualTo(10);
            }
        }
    }
}
