package ai.perennial.cl.buffer;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.perennial.core.engine.Engines;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class HerdingTest {
    @BeforeAll
    static void engine() {
        Engines.pytorch();
    }

    /**
     * The paper's rule written out directly in doubles: at step s pick the unchosen row minimizing
     * ‖μ − (S + f_i)/(s + 1)‖², the first such row on ties.
     */
    static int[] reference(float[][] features, int m) {
        int n = features.length;
        int d = n == 0 ? 0 : features[0].length;
        int k = Math.min(m, n);
        double[] mean = new double[d];
        for (float[] row : features) {
            for (int j = 0; j < d; j++) {
                mean[j] += row[j] / (double) n;
            }
        }
        double[] sum = new double[d];
        boolean[] taken = new boolean[n];
        int[] chosen = new int[k];
        for (int step = 0; step < k; step++) {
            int best = -1;
            double bestDistance = Double.POSITIVE_INFINITY;
            for (int i = 0; i < n; i++) {
                if (taken[i]) {
                    continue;
                }
                double dist = 0;
                for (int j = 0; j < d; j++) {
                    double diff = mean[j] - (sum[j] + features[i][j]) / (step + 1);
                    dist += diff * diff;
                }
                if (dist < bestDistance) {
                    bestDistance = dist;
                    best = i;
                }
            }
            taken[best] = true;
            chosen[step] = best;
            for (int j = 0; j < d; j++) {
                sum[j] += features[best][j];
            }
        }
        return chosen;
    }

    static int[] onDevice(float[][] features, int m) {
        try (NDManager manager = NDManager.newBaseManager(Engines.ENGINE)) {
            int n = features.length;
            int d = features[0].length;
            float[] flat = new float[n * d];
            for (int i = 0; i < n; i++) {
                System.arraycopy(features[i], 0, flat, i * d, d);
            }
            NDArray f = manager.create(flat, new Shape(n, d));
            int[] chosen = Herding.select(f, m);
            assertThat(f.toFloatArray()).as("the features are left as they were").containsExactly(flat);
            return chosen;
        }
    }

    /**
     * Points 0, 1, 3, 4, 10 on a line (a second, constant coordinate), mean 3.6. By hand: 4 is nearest the mean; then
     * (4 + x)/2 nearest 3.6 wants x = 3.2: 3; then (7 + x)/3 wants 3.8: 1 (not 0 or 10); then (8 + x)/4 wants 6.4: 10,
     * which is farther from the mean than 0, so herding is not "nearest to the mean first"; last 0.
     */
    @Test
    void handCheckedLine() {
        float[][] f = {{0, 1}, {1, 1}, {3, 1}, {4, 1}, {10, 1}};
        assertThat(reference(f, 5)).containsExactly(3, 2, 1, 4, 0);
        assertThat(onDevice(f, 5)).containsExactly(3, 2, 1, 4, 0);
        assertThat(onDevice(f, 2)).containsExactly(3, 2);
        assertThat(onDevice(f, 9)).as("m above the row count takes every row").containsExactly(3, 2, 1, 4, 0);
    }

    /** Equal rows score equally; the lower index goes first, as with the reference's strict '<'. */
    @Test
    void tiesGoToTheLowerIndex() {
        float[][] f = {{1, 0}, {0, 1}, {0, 1}, {1, 0}, {0.6f, 0.8f}, {0.6f, 0.8f}};
        int[] expected = reference(f, 6);
        assertThat(onDevice(f, 6)).containsExactly(expected);
        assertThat(expected).startsWith(4, 5); // both copies of the point nearest the mean, lower index first
    }

    /** On random unit-norm features the device's expanded formula picks exactly what the direct formula picks. */
    @Test
    void sameSelectionAsTheReferenceOnRandomFeatures() {
        for (int seed = 0; seed < 4; seed++) {
            float[][] f = unitRows(300 + 50 * seed, 8 << seed, seed);
            assertThat(onDevice(f, 120)).as("seed %d", seed).containsExactly(reference(f, 120));
        }
    }

    @Test
    void exemplarMeanApproachesTheClassMeanFasterThanRandomSelection() {
        int n = 500;
        float[][] f = unitRows(n, 16, 3);
        double[] mean = new double[16];
        for (float[] row : f) {
            for (int j = 0; j < mean.length; j++) {
                mean[j] += row[j] / (double) n;
            }
        }
        int[] chosen = onDevice(f, 100);
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

    /** Gaussian rows with a shifted first coordinate, scaled to unit norm. */
    static float[][] unitRows(int n, int d, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[][] f = new float[n][d];
        for (int i = 0; i < n; i++) {
            double norm = 0;
            for (int j = 0; j < d; j++) {
                f[i][j] = (float) (r.nextGaussian() + (j == 0 ? 2 : 0));
                norm += f[i][j] * f[i][j];
            }
            for (int j = 0; j < d; j++) {
                f[i][j] /= (float) Math.sqrt(norm);
            }
        }
        return f;
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
