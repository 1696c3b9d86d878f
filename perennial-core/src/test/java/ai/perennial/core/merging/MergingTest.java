package ai.perennial.core.merging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.model.Mlp;
import ai.perennial.core.model.Model;
import ai.perennial.core.model.Parameter;
import ai.perennial.core.model.Parameters;
import ai.perennial.core.model.SmallCnn;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Assignment against brute force, re-basin recovering known permutations, merges and barriers against hand values. */
class MergingTest {
    @BeforeAll
    static void setUp() {
        Engines.pytorch();
    }

    @Test
    void hungarianMatchesBruteForce() {
        Random random = new Random(11);
        for (int trial = 0; trial < 200; trial++) {
            int n = 1 + random.nextInt(7);
            double[][] score = new double[n][n];
            for (double[] row : score) {
                for (int j = 0; j < n; j++) {
                    row[j] = trial % 3 == 0 ? random.nextInt(4) : random.nextGaussian(); // ties too
                }
            }
            int[] p = LinearAssignment.maximize(score);
            assertThat(p).as("a permutation").containsExactlyInAnyOrder(WeightMatching.identity(n));
            assertThat(total(score, p)).isCloseTo(bestByBruteForce(score, new int[n], new boolean[n], 0), within(1e-9));
        }
        assertThatThrownBy(() -> LinearAssignment.minimize(new double[][] {{1, 2}})).hasMessageContaining("square");
        assertThatThrownBy(() -> LinearAssignment.minimize(new double[][] {{Double.NaN}})).hasMessageContaining("a cost is NaN");
    }

    private static double total(double[][] s, int[] p) {
        double t = 0;
        for (int i = 0; i < p.length; i++) {
            t += s[i][p[i]];
        }
        return t;
    }

    private static double bestByBruteForce(double[][] s, int[] p, boolean[] used, int row) {
        if (row == p.length) {
            return total(s, p);
        }
        double best = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < p.length; j++) {
            if (!used[j]) {
                used[j] = true;
                p[row] = j;
                best = Math.max(best, bestByBruteForce(s, p, used, row + 1));
                used[j] = false;
            }
        }
        return best;
    }

    @Test
    void rebasinRecoversARandomPermutationOfAnMlpAndOfACnn() {
        try (NDManager m = NDManager.newBaseManager()) {
            Mlp mlp = new Mlp(m, 12, new int[] {16, 10}, 4, 2, 3);
            Mlp mlpCopy = new Mlp(m, 12, new int[] {16, 10}, 4, 2, 99);
            checkRecovery(mlp, mlpCopy, m.randomUniform(-1, 1, new Shape(5, 12)), 1);
            SmallCnn cnn = new SmallCnn(m, new Shape(1, 8, 8), 3, 1, 5);
            SmallCnn cnnCopy = new SmallCnn(m, new Shape(1, 8, 8), 3, 1, 98);
            checkRecovery(cnn, cnnCopy, m.randomUniform(0, 1, new Shape(4, 1, 8, 8)), 2);
        }
    }

    private static void checkRecovery(Model model, Model target, NDArray x, long seed) {
        List<Parameter> params = model.parameters();
        long[][] shapes = Parameters.shapes(params);
        float[][] a = Parameters.values(params);
        Random random = new Random(seed);
        int[][] hidden = new int[model.units().size()][];
        for (int l = 0; l < hidden.length; l++) {
            List<Integer> p = new ArrayList<>();
            for (int j = 0; j < model.units().get(l).count(); j++) {
                p.add(j);
            }
            java.util.Collections.shuffle(p, random);
            hidden[l] = p.stream().mapToInt(Integer::intValue).toArray();
        }
        float[][] b = WeightMatching.permute(model.units(), shapes, a, hidden);
        // a permuted network computes the same function
        Parameters.overwrite(target.parameters(), b);
        int[] tasks = new int[(int) x.getShape().get(0)];
        assertThat(target.forward(x, tasks).toFloatArray()).usingComparatorWithPrecision(1e-5f)
                .containsExactly(model.forward(x, tasks).toFloatArray());
        int[][] found = WeightMatching.match(model.units(), shapes, a, b, 1);
        float[][] aligned = WeightMatching.permute(model.units(), shapes, b, found);
        assertThat(aligned).isDeepEqualTo(a);
        double[] alphas = Interpolation.alphas(5);
        double[] distances = new double[alphas.length];
        for (int i = 0; i < alphas.length; i++) {
            float[][] mid = Interpolation.lerp(a, aligned, alphas[i]);
            Parameters.overwrite(target.parameters(), mid);
            distances[i] = maxDifference(target.forward(x, tasks).toFloatArray(), model.forward(x, tasks).toFloatArray());
        }
        assertThat(Arrays.stream(distances).max().getAsDouble()).isLessThan(1e-5); // the barrier between a network and its aligned copy is 0
    }


    private static double maxDifference(float[] x, float[] y) {
        double d = 0;
        for (int i = 0; i < x.length; i++) {
            d = Math.max(d, Math.abs(x[i] - y[i]));
        }
        return d;
    }

    @Test
    void taskArithmeticTiesAndAverageAgainstHandValues() {
        float[][] base = {{0f, 0f, 0f, 0f}, {1f}};
        float[][] first = {{3f, -1f, 0.5f, 0f}, {1f}};
        float[][] second = {{-2f, -2f, 1f, 0f}, {3f}};
        assertThat(new TaskArithmetic(0.5).merge(base, List.of(first, second)))
                .isDeepEqualTo(new float[][] {{0.5f, -1.5f, 0.75f, 0f}, {2f}});
        assertThat(Merge.parse("uniform").merge(base, List.of(first, second)))
                .isDeepEqualTo(new float[][] {{0.5f, -1.5f, 0.75f, 0f}, {2f}});
        // trim to 2 of 4: [3, -1, 0, 0] and [-2, -2, 0, 0]; elected signs +, −; disjoint means 3 and -1.5
        assertThat(new TiesMerging(0.5, 1).merge(base, List.of(first, second)))
                .isDeepEqualTo(new float[][] {{3f, -1.5f, 0f, 0f}, {3f}});
        assertThat(Merge.parse("ties:density=0.5,scale=2").merge(base, List.of(first, second))[0]).containsExactly(6f, -3f, 0f, 0f);
        assertThatThrownBy(() -> Merge.parse("ties:density=0")).hasMessageContaining("density");
        assertThatThrownBy(() -> Merge.parse("soup")).hasMessageContaining("unknown merge rule 'soup'");
    }

    /**
     * TIES on tensors of several work chunks, with repeated magnitudes, against the rule written out one entry after
     * another: keep the round(density·n) largest |τ| per tensor (the earlier entry on ties), elect the sign of the sum,
     * average the agreeing kept values.
     */
    @Test
    void tiesOnLargeTensorsMatchesTheRuleEntryByEntry() {
        Random random = new Random(5);
        int[] sizes = {50_000, 7, 40_001};
        float[][] base = new float[sizes.length][];
        List<float[][]> models = new ArrayList<>();
        for (int t = 0; t < sizes.length; t++) {
            base[t] = new float[sizes[t]];
            for (int i = 0; i < sizes[t]; i++) {
                base[t][i] = (float) random.nextGaussian();
            }
        }
        for (int m = 0; m < 3; m++) {
            float[][] model = new float[sizes.length][];
            for (int t = 0; t < sizes.length; t++) {
                model[t] = new float[sizes[t]];
                for (int i = 0; i < sizes[t]; i++) {
                    // a coarse grid of task-vector values, so equal magnitudes are common
                    model[t][i] = base[t][i] + (random.nextInt(41) - 20) / 8f;
                }
            }
            models.add(model);
        }
        double density = 0.3;
        double scale = 0.7;
        float[][] expected = new float[sizes.length][];
        for (int t = 0; t < sizes.length; t++) {
            int n = sizes[t];
            float[][] trimmed = new float[models.size()][n];
            for (int m = 0; m < models.size(); m++) {
                float[] tau = new float[n];
                for (int i = 0; i < n; i++) {
                    tau[i] = models.get(m)[t][i] - base[t][i];
                }
                Integer[] order = new Integer[n];
                for (int i = 0; i < n; i++) {
                    order[i] = i;
                }
                Arrays.sort(order, (a, b) -> Math.abs(tau[a]) != Math.abs(tau[b]) ? Float.compare(Math.abs(tau[b]), Math.abs(tau[a])) : a - b);
                for (int r = 0; r < Math.round(density * n); r++) {
                    trimmed[m][order[r]] = tau[order[r]];
                }
            }
            expected[t] = new float[n];
            for (int i = 0; i < n; i++) {
                double total = 0;
                for (float[] tr : trimmed) {
                    total += tr[i];
                }
                double sum = 0;
                int agree = 0;
                for (float[] tr : trimmed) {
                    if (tr[i] != 0 && (tr[i] > 0) == (total > 0)) {
                        sum += tr[i];
                        agree++;
                    }
                }
                expected[t][i] = (float) (base[t][i] + (agree == 0 ? 0 : scale * sum / agree));
            }
        }
        assertThat(new TiesMerging(density, scale).merge(base, models)).isDeepEqualTo(expected);
    }

    @Test
    void greedySoupAddsOnlyIngredientsThatDoNotHurt() {
        List<float[][]> models = List.of(new float[][] {{1f}}, new float[][] {{3f}}, new float[][] {{10f}}, new float[][] {{2f}});
        // validation peaks at weight 2.5: the best single model is 3 (0.5 away), then 2 joins (mean 2.5), 1 and 10 do not
        ModelSoup.Soup soup = ModelSoup.greedy(models, w -> -Math.abs(w[0][0] - 2.5));
        assertThat(soup.ingredients()).containsExactly(1, 3);
        assertThat(soup.weights()[0][0]).isEqualTo(2.5f);
        assertThat(soup.accuracy()).isEqualTo(0);
    }

    @Test
    void barrierIsTheHeightAboveTheChord() {
        double[] alphas = Interpolation.alphas(5);
        assertThat(alphas).containsExactly(0, 0.25, 0.5, 0.75, 1);
        assertThat(Interpolation.barrier(alphas, new double[] {1, 2.5, 3, 2, 2})).isCloseTo(3 - 1.5, within(1e-12));
        assertThat(Interpolation.barrier(alphas, new double[] {1, 1, 1, 1, 1})).isEqualTo(0);
        assertThat(Interpolation.barrier(alphas, new double[] {2, 0, 0, 0, 1})).isEqualTo(0);
        assertThat(Interpolation.lerp(new float[][] {{0f, 2f}}, new float[][] {{4f, 2f}}, 0.25)).isDeepEqualTo(new float[][] {{1f, 2f}});
        assertThatThrownBy(() -> Interpolation.lerp(new float[][] {{0f}}, new float[][] {{0f, 1f}}, 0.5)).hasMessageContaining("tensor 0");
    }

    @Test
    void renormalizationGivesEveryHiddenUnitTheInterpolatedStatistics() {
        try (NDManager m = NDManager.newBaseManager()) {
            Mlp a = new Mlp(m, 12, new int[] {16, 10}, 4, 1, 3);
            Mlp b = new Mlp(m, 12, new int[] {16, 10}, 4, 1, 4);
            Mlp merged = new Mlp(m, 12, new int[] {16, 10}, 4, 1, 5);
            NDArray x = m.randomNormal(0, 1, new Shape(256, 12), ai.djl.ndarray.types.DataType.FLOAT32);
            double[][][] sa = Renormalization.statistics(a, x);
            double[][][] sb = Renormalization.statistics(b, x);
            for (boolean reshift : new boolean[] {false, true}) {
                float[][] interpolated = Interpolation.lerp(Parameters.values(a.parameters()), Parameters.values(b.parameters()), 0.3);
                Parameters.overwrite(merged.parameters(), interpolated);
                double[][][] before = Renormalization.statistics(merged, x);
                Renormalization.apply(merged, sa, sb, 0.3, x, reshift);
                double[][][] after = Renormalization.statistics(merged, x);
                for (int l = 0; l < 2; l++) {
                    for (int j = 0; j < after[l][1].length; j++) {
                        if (before[l][1][j] > 1e-6) {
                            assertThat(after[l][1][j]).as("std of layer %d unit %d", l, j)
                                    .isCloseTo(0.7 * sa[l][1][j] + 0.3 * sb[l][1][j], within(1e-4));
                        }
                    }
                }
                if (reshift) {
                    // readers see the shifted activations: the head's mean logit is W_head·μ* + b_head (the head as before)
                    assertThat(merged.parameters().get(4).name()).isEqualTo("head.weight");
                    float[] w = interpolated[4];
                    float[] bias = interpolated[5];
                    float[] logits = merged.forward(x, new int[256]).toFloatArray();
                    for (int o = 0; o < 4; o++) {
                        double expected = bias[o];
                        for (int j = 0; j < 10; j++) {
                            expected += w[o * 10 + j] * (0.7 * sa[1][0][j] + 0.3 * sb[1][0][j]);
                        }
                        double mean = 0;
                        for (int i = 0; i < 256; i++) {
                            mean += logits[i * 4 + o] / 256.0;
                        }
                        assertThat(mean).as("mean logit %d", o).isCloseTo(expected, within(1e-4));
                    }
                }
            }
        }
    }

    @Test
    void foldableMergeStartsAtTheRebasinAverageAndTrainingImprovesReconstruction() {
        try (NDManager m = NDManager.newBaseManager()) {
            Mlp a = new Mlp(m, 12, new int[] {16, 10}, 4, 1, 3);
            Mlp b = new Mlp(m, 12, new int[] {16, 10}, 4, 1, 4);
            NDArray x = m.randomNormal(0, 1, new Shape(200, 12), ai.djl.ndarray.types.DataType.FLOAT32);
            long[][] shapes = Parameters.shapes(a.parameters());
            float[][] wa = Parameters.values(a.parameters());
            float[][] wb = Parameters.values(b.parameters());
            int[][] perms = WeightMatching.match(a.units(), shapes, wa, wb, 0);
            float[][] average = Interpolation.lerp(wa, WeightMatching.permute(a.units(), shapes, wb, perms), 0.5);
            FoldableMerge.Result start = FoldableMerge.merge(a, b, x, perms, 0, 0.01);
            for (int t = 0; t < average.length; t++) {
                assertThat(start.weights()[t]).usingComparatorWithPrecision(1e-6f).containsExactly(average[t]);
            }
            FoldableMerge.Result trained = FoldableMerge.merge(a, b, x, perms, 150, 0.01);
            assertThat(trained.initialLoss()[0]).isEqualTo(start.initialLoss()[0]); // later layers start from trained earlier ones
            for (int l = 0; l < 2; l++) {
                assertThat(trained.trainedLoss()[l]).as("layer %d", l).isLessThan(0.9 * trained.initialLoss()[l]);
            }
            assertThatThrownBy(() -> FoldableMerge.merge(new SmallCnn(m, new Shape(1, 8, 8), 3, 1, 5),
                    new SmallCnn(m, new Shape(1, 8, 8), 3, 1, 6), m.zeros(new Shape(2, 1, 8, 8)), new int[][] {{0}}, 0, 0.01))
                    .hasMessageContaining("dense layers only");
        }
    }
}
