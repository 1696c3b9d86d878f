package ai.perennial.core.sparsity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import ai.perennial.core.PerennialException;
import ai.perennial.core.data.Dataset;
import ai.perennial.core.data.Synthetic;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.model.Mlp;
import ai.perennial.core.model.Model;
import ai.perennial.core.model.Parameters;
import ai.perennial.core.optim.Optimizer;
import ai.perennial.core.optim.Optimizers;
import ai.perennial.core.schedule.Schedule;
import ai.perennial.core.state.StateDict;
import ai.perennial.core.train.ProgressListener;
import ai.perennial.core.train.Trainer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Magnitude masks against hand-made cases and plain-Java counts; masks kept through training; lottery-ticket bookkeeping. */
class PruningTest {
    static Dataset data;

    @BeforeAll
    static void setUp() {
        Engines.pytorch();
        data = Synthetic.gaussianClusters(400, 8, 3, 1.0, 2);
    }

    @Test
    void magnitudeMasksKeepTheLargestEntriesGloballyOrPerLayer() {
        float[][] w = {{3f, -1f, 0.5f}, {2f, -4f}, {9f}};
        boolean[] prunable = {true, true, false};
        float[][] global = Masks.magnitude(w, prunable, Masks.dense(w), 0.4, Masks.Scope.GLOBAL); // keep 3 of 5: 3, 2, -4
        assertThat(global).isDeepEqualTo(new float[][] {{1f, 0f, 0f}, {1f, 1f}, {1f}});
        float[][] layer = Masks.magnitude(w, prunable, Masks.dense(w), 0.5, Masks.Scope.LAYER); // keep round(1.5) = 2, and 1
        assertThat(layer).isDeepEqualTo(new float[][] {{1f, 1f, 0f}, {0f, 1f}, {1f}});
        // equal magnitudes: the earlier entry is kept, so the count is exact
        float[][] ties = {{1f, -1f, 1f, -1f}};
        assertThat(Masks.magnitude(ties, new boolean[] {true}, Masks.dense(ties), 0.5, Masks.Scope.GLOBAL)[0]).containsExactly(1f, 1f, 0f, 0f);
        // pruned entries stay pruned however large
        float[][] alive = {{0f, 1f, 1f}, {1f, 1f}, {1f}};
        assertThat(Masks.magnitude(w, prunable, alive, 0.4, Masks.Scope.GLOBAL)).isDeepEqualTo(new float[][] {{0f, 1f, 0f}, {1f, 1f}, {1f}});
        assertThatThrownBy(() -> Masks.magnitude(new float[][] {{Float.NaN}}, new boolean[] {true}, new float[][] {{1f}}, 0.5,
                Masks.Scope.GLOBAL)).isInstanceOf(PerennialException.class).hasMessageContaining("a weight is NaN");
    }

    @Test
    void movementMasksRankBySignedScoreAndScoresAccumulateMinusGradientTimesWeight() {
        float[][] scores = {{-3f, 1f, 2f, -0.5f}, {-1f, -2f}};
        boolean[] prunable = {true, true};
        assertThat(Masks.largestScores(scores, prunable, Masks.dense(scores), 0.5, Masks.Scope.GLOBAL))
                .isDeepEqualTo(new float[][] {{0f, 1f, 1f, 1f}, {0f, 0f}});
        try (NDManager m = NDManager.newBaseManager()) {
            Model model = new Mlp(m, 8, new int[] {16}, 3, 1, 4);
            Pruning movement = Pruning.parse("movement:sparsity=0.5,start=6,end=6,every=1");
            List<double[][]> expected = new ArrayList<>();
            ai.perennial.core.train.TrainingHook recorder = new ai.perennial.core.train.TrainingHook() {
                @Override
                public List<ai.djl.ndarray.NDArray> transformGradients(ai.perennial.core.train.TrainingContext c,
                        List<ai.djl.ndarray.NDArray> grads) {
                    double[][] step = new double[grads.size()][];
                    float[][] w = Parameters.values(c.model().parameters());
                    for (int t = 0; t < grads.size(); t++) {
                        float[] g = grads.get(t).toFloatArray();
                        step[t] = new double[g.length];
                        for (int i = 0; i < g.length; i++) {
                            step[t][i] = -(double) g[i] * w[t][i];
                        }
                    }
                    expected.add(step);
                    return grads;
                }
            };
            Optimizer opt = new Optimizer("sgd", Optimizers.sgd(Schedule.constant(0.1), 0.9, false, 0), model.parameters());
            Trainer trainer = new Trainer(model, opt, List.of(recorder, movement), m);
            trainer.train(data, 0, new Trainer.Options(1, 20, 1, 10, 5), ProgressListener.NONE);
            float[][] got = movement.hostScores(Parameters.values(model.parameters()));
            boolean[] weights = Pruning.prunable(model.parameters());
            for (int t = 0; t < got.length; t++) {
                for (int i = 0; i < got[t].length; i++) {
                    double sum = 0;
                    for (double[][] step : expected) {
                        sum += step[t][i];
                    }
                    assertThat((double) got[t][i]).as("score %d[%d]", t, i).isCloseTo(weights[t] ? sum : 0, within(1e-5 + 1e-4 * Math.abs(sum)));
                }
            }
            assertThat(expected).hasSize(5);
            StateDict saved = movement.exportState();
            Pruning again = Pruning.parse("movement:sparsity=0.5,start=6,end=6,every=1");
            again.importState(saved, trainer.context());
            assertThat(again.hostScores(got)).isDeepEqualTo(got);
        }
    }

    @Test
    void sparsityIsExactPerLayerAndTheKeptEntriesAreTheLargest() {
        Random random = new Random(7);
        float[][] w = {new float[300], new float[57], new float[1000]};
        for (float[] t : w) {
            for (int i = 0; i < t.length; i++) {
                t[i] = (float) random.nextGaussian();
            }
        }
        boolean[] prunable = {true, true, true};
        for (double s : new double[] {0.5, 0.8, 0.9, 0.95, 0.98}) {
            float[][] m = Masks.magnitude(w, prunable, Masks.dense(w), s, Masks.Scope.LAYER);
            for (int t = 0; t < w.length; t++) {
                long kept = 0;
                double smallestKept = Double.MAX_VALUE;
                double largestPruned = 0;
                for (int i = 0; i < w[t].length; i++) {
                    if (m[t][i] == 1f) {
                        kept++;
                        smallestKept = Math.min(smallestKept, Math.abs(w[t][i]));
                    } else {
                        largestPruned = Math.max(largestPruned, Math.abs(w[t][i]));
                    }
                }
                assertThat(kept).isEqualTo(Math.round((1 - s) * w[t].length));
                assertThat(smallestKept).isGreaterThanOrEqualTo(largestPruned);
            }
            float[][] g = Masks.magnitude(w, prunable, Masks.dense(w), s, Masks.Scope.GLOBAL);
            assertThat(Masks.sparsity(g, prunable)).isCloseTo(s, within(0.5 / 1357));
        }
    }

    /** The threshold is found by selection, not a sort: it must be the very element a sort puts at k, on any input. */
    @Test
    void kthSmallestIsTheSortedArraysKthElement() {
        Random random = new Random(11);
        List<long[]> inputs = new ArrayList<>();
        for (int n : new int[] {1, 2, 3, 10, 1000, 100_000}) {
            inputs.add(random.longs(n).toArray());                                  // distinct, like the mask keys
            inputs.add(random.longs(n, 0, 5).toArray());                            // many equal keys
            inputs.add(java.util.stream.LongStream.range(0, n).toArray());          // sorted
            inputs.add(java.util.stream.LongStream.range(0, n).map(i -> n - i).toArray()); // reversed
            long[] organPipe = new long[n];                                         // defeats median-of-three
            for (int i = 0; i < n; i++) {
                organPipe[i] = Math.min(i, n - 1 - i);
            }
            inputs.add(organPipe);
        }
        for (long[] input : inputs) {
            long[] sorted = input.clone();
            Arrays.sort(sorted);
            for (int k : new int[] {0, input.length / 3, input.length / 2, input.length - 1}) {
                assertThat(Masks.kthSmallest(input.clone(), k)).as("n=%d k=%d", input.length, k).isEqualTo(sorted[k]);
            }
        }
    }

    @Test
    void gradualScheduleFollowsTheCubic() {
        assertThat(Masks.gradualSparsity(0, 10, 110, 0, 0.9)).isEqualTo(0);
        assertThat(Masks.gradualSparsity(10, 10, 110, 0, 0.9)).isEqualTo(0);
        assertThat(Masks.gradualSparsity(60, 10, 110, 0, 0.9)).isCloseTo(0.9 - 0.9 * 0.125, within(1e-12));
        assertThat(Masks.gradualSparsity(110, 10, 110, 0, 0.9)).isEqualTo(0.9);
        assertThat(Masks.gradualSparsity(5, 5, 5, 0, 0.9)).isEqualTo(0.9);
    }

    @Test
    void prunedWeightsStayZeroUnderAdamWithWeightDecayAndMasksRoundTrip() {
        try (NDManager m = NDManager.newBaseManager()) {
            Model model = new Mlp(m, 8, new int[] {16}, 3, 1, 4);
            float[][] before = Parameters.values(model.parameters());
            float[][] mask = Masks.magnitude(before, Pruning.prunable(model.parameters()), Masks.dense(before), 0.7, Masks.Scope.LAYER);
            Pruning pruning = Pruning.fixed(mask);
            Optimizer opt = new Optimizer("adamw", Optimizers.adamw(Schedule.constant(0.05), 0.9, 0.999, 1e-8, 0.1, Optimizers.ALL),
                    model.parameters());
            Trainer trainer = new Trainer(model, opt, List.of(pruning), m);
            trainer.train(data, 0, new Trainer.Options(2, 20, 1, 10, -1), ProgressListener.NONE);
            float[][] after = Parameters.values(model.parameters());
            int moved = 0;
            for (int t = 0; t < after.length; t++) {
                for (int i = 0; i < after[t].length; i++) {
                    if (mask[t][i] == 0f) {
                        assertThat(after[t][i]).as("pruned %s[%d]", model.parameters().get(t).name(), i).isEqualTo(0f);
                    } else if (after[t][i] != before[t][i]) {
                        moved++;
                    }
                }
            }
            assertThat(moved).isGreaterThan(50);
            assertThat(pruning.sparsityByLayer(model.parameters())).containsEntry("layer0.weight", 0.703125).containsKey("total");

            StateDict saved = pruning.exportState();
            Pruning restored = Pruning.fixed(Masks.dense(before));
            Trainer other = new Trainer(new Mlp(m, 8, new int[] {16}, 3, 1, 4), opt, List.of(restored), m);
            restored.importState(saved, other.context());
            assertThat(restored.masks()).isDeepEqualTo(mask);
        }
    }

    @Test
    void gradualMagnitudePruningReachesItsTargetAndKeepsIt() {
        try (NDManager m = NDManager.newBaseManager()) {
            Model model = new Mlp(m, 8, new int[] {32}, 3, 1, 4);
            Pruning pruning = Pruning.parse("magnitude:sparsity=0.8,scope=global,start=2,end=12,every=5");
            assertThat(pruning.describe()).isEqualTo("magnitude:sparsity=0.8,scope=global,start=2,end=12,every=5");
            Optimizer opt = new Optimizer("sgd", Optimizers.sgd(Schedule.constant(0.1), 0.9, false, 0), model.parameters());
            List<Double> seen = new ArrayList<>();
            Trainer trainer = new Trainer(model, opt, List.of(pruning), m);
            trainer.train(data, 0, new Trainer.Options(2, 20, 1, 10, -1), ProgressListener.NONE, t -> seen.add(
                    pruning.masks() == null ? 0 : Masks.sparsity(pruning.masks(), Pruning.prunable(model.parameters()))));
            // pruned at steps 2, 7, 12 to the cubic's values; weights after pruning are zero where the mask is
            boolean[] prunable = Pruning.prunable(model.parameters());
            assertThat(seen.get(0)).isEqualTo(0);
            assertThat(seen.get(1)).isCloseTo(0, within(1e-9));
            assertThat(seen.get(6)).isCloseTo(Masks.gradualSparsity(7, 2, 12, 0, 0.8), within(0.5 / (8 * 32 + 32 * 3)));
            assertThat(seen.get(seen.size() - 1)).isCloseTo(0.8, within(0.5 / (8 * 32 + 32 * 3)));
            float[][] w = Parameters.values(model.parameters());
            for (int t = 0; t < w.length; t++) {
                for (int i = 0; i < w[t].length; i++) {
                    if (pruning.masks()[t][i] == 0f) {
                        assertThat(w[t][i]).isEqualTo(0f);
                    }
                }
            }
            assertThat(Masks.sparsity(pruning.masks(), prunable)).isCloseTo(0.8, within(0.01));
        }
        assertThatThrownBy(() -> Pruning.parse("magnitude:start=10,end=5")).hasMessageContaining("end 5 is before start 10");
        assertThatThrownBy(() -> Pruning.parse("magnitude:sparsity=1")).hasMessageContaining("sparsity");
    }

    /** A fake training: the start plus a segment-dependent offset on the kept entries, recording what it was given. */
    static final class FakeTraining implements LotteryTickets.Training {
        final List<float[][]> starts = new ArrayList<>();
        final List<float[][]> masks = new ArrayList<>();

        @Override
        public float[][] train(float[][] start, float[][] mask, int segment) {
            starts.add(start);
            masks.add(mask);
            float[][] out = new float[start.length][];
            for (int t = 0; t < start.length; t++) {
                out[t] = new float[start[t].length];
                for (int i = 0; i < out[t].length; i++) {
                    double drift = segment < 0 ? Math.sin(i + t) : Math.sin(i * (segment + 2) + t);
                    out[t][i] = mask[t][i] * (start[t][i] + (float) drift);
                }
            }
            return out;
        }
    }

    @Test
    void iterativePruningRewindsOnTheKeptSetAndNestsItsMasks() {
        float[][] rewind = {{0.1f, -0.2f, 0.3f, -0.4f, 0.5f, 0.6f, -0.7f, 0.8f, 0.9f, -1f}, {5f}};
        float[][] dense = {{1f, 2f, -3f, 0.5f, 0.1f, -2.5f, 4f, 0.2f, 1.5f, -0.3f}, {7f}};
        boolean[] prunable = {true, false};
        FakeTraining training = new FakeTraining();
        LotteryTickets tickets = new LotteryTickets(prunable, Masks.Scope.GLOBAL, training, w -> w[0][0]);
        List<LotteryTickets.Ticket> imp = tickets.iterative(dense, rewind, new double[] {0.5, 0.8});
        assertThat(imp).extracting(LotteryTickets.Ticket::measured).containsExactly(0.5, 0.8);
        // round 1 prunes the dense weights; round 2 prunes round 1's trained ticket among its survivors
        assertThat(imp.get(0).mask()[0]).containsExactly(0f, 1f, 1f, 0f, 0f, 1f, 1f, 0f, 1f, 0f); // 4, -3, -2.5, 2, 1.5
        for (int i = 0; i < 10; i++) {
            assertThat(imp.get(1).mask()[0][i]).isLessThanOrEqualTo(imp.get(0).mask()[0][i]);
            // every ticket starts from the rewind weights on its kept set, zero elsewhere
            assertThat(training.starts.get(1)[0][i]).isEqualTo(imp.get(1).mask()[0][i] * rewind[0][i]);
        }
        assertThat(training.starts.get(1)[1]).containsExactly(5f); // biases are not pruned
        assertThatThrownBy(() -> tickets.iterative(dense, rewind, new double[] {0.8, 0.5})).hasMessageContaining("must increase");
    }

    @Test
    void coltKeepsTheOverlapOfTheSegmentMasksAtTheSmallestSufficientSparsity() {
        Random random = new Random(3);
        int n = 40;
        float[][][] trained = new float[2][1][n];
        for (int g = 0; g < 2; g++) {
            for (int i = 0; i < n; i++) {
                trained[g][0][i] = (float) random.nextGaussian();
            }
        }
        boolean[] prunable = {true};
        LotteryTickets tickets = new LotteryTickets(prunable, Masks.Scope.GLOBAL, new FakeTraining(), w -> 0);
        float[][] alive = {new float[n]};
        java.util.Arrays.fill(alive[0], 1f);
        float[][] got = tickets.overlapMask(trained, alive, 0.75);
        // brute force: the largest per-segment keep count whose top-k sets overlap in at most 25% of the entries
        float[] expected = null;
        for (int k = n; k >= 0 && expected == null; k--) {
            float[] inter = new float[n];
            float[] a = topK(trained[0][0], k);
            float[] b = topK(trained[1][0], k);
            int kept = 0;
            for (int i = 0; i < n; i++) {
                inter[i] = a[i] * b[i];
                kept += (int) inter[i];
            }
            if (kept <= n / 4) {
                expected = inter;
            }
        }
        assertThat(got[0]).containsExactly(expected);
    }

    private static float[] topK(float[] w, int k) {
        Integer[] idx = new Integer[w.length];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        java.util.Arrays.sort(idx, (x, y) -> Float.compare(Math.abs(w[y]), Math.abs(w[x])));
        float[] out = new float[w.length];
        for (int i = 0; i < k; i++) {
            out[idx[i]] = 1f;
        }
        return out;
    }
}
