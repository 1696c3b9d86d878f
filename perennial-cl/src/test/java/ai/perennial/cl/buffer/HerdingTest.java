package ai.perennial.cl.buffer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class HerdingTest {
    @Test
    void exemplarMeanApproachesTheClassMeanFasterThanRandomSelection() {
        SplittableRandom r = new SplittableRandom(3);
        int n = 500;
        int d = 16;
        float[][] f = new float[n][d];
        double[] mean = new double[d];
        for (int i = 0; i < n; i++) {
            double norm = 0;
            for (int j = 0; j < d; j++) {
                f[i][j] = (float) (r.nextGaussian() + (j == 0 ? 2 : 0));
                norm += f[i][j] * f[i][j];
            }
            for (int j = 0; j < d; j++) {
                f[i][j] /= (float) Math.sqrt(norm);
                mean[j] += f[i][j] / (double) n;
            }
        }
        int[] chosen = Herding.select(f, 100);
        assertThat(chosen).hasSize(100).doesNotHaveDuplicates();
        double previous = Double.POSITIVE_INFINITY;
        for (int k : new int[] {5, 10, 20, 50, 100}) {
            double herding = distanceOfPrefixMean(f, chosen, k, mean);
            double random = 0;
            for (int rep = 0; rep < 20; rep++) {
                int[] pick = new int[k];
                int[] perm = ai.perennial.core.data.Shuffle.permutation(n, new SplittableRandom(rep));
                System.arraycopy(perm, 0, pick, 0, k);
                random += distanceOfPrefixMean(f, pick, k, mean) / 20;
            }
            assertThat(herding).as("k=%d", k).isLessThan(random / 3);   // far closer than chance
            assertThat(herding).as("k=%d", k).isLessThan(previous);      // and closer as k grows
            previous = herding;
        }
    }

    static double distanceOfPrefixMean(float[][] f, int[] chosen, int k, double[] mean) {
        double dist = 0;
        for (int j = 0; j < mean.length; j++) {
            double m = 0;
            for (int i = 0; i < k; i++) {
                m += f[chosen[i]][j] / k;
            }
            dist += (m - mean[j]) * (m - mean[j]);
        }
        return Math.sqrt(dist);
    }
}
