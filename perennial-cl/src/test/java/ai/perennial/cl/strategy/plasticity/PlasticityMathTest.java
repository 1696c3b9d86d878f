package ai.perennial.cl.strategy.plasticity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.perennial.cl.strategy.Strategy;
import ai.perennial.core.data.FloatDataset;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.model.Mlp;
import ai.perennial.core.model.Model;
import ai.perennial.core.optim.GradientTransform;
import ai.perennial.core.optim.Optimizer;
import ai.perennial.core.optim.Optimizers;
import ai.perennial.core.schedule.Schedule;
import ai.perennial.core.state.StateDict;
import ai.perennial.core.train.Batch;
import ai.perennial.core.train.ProgressListener;
import ai.perennial.core.train.Trainer;
import ai.perennial.core.train.TrainingContext;
import ai.perennial.core.train.TrainingHook;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The plasticity methods through the real training loop on a tiny ReLU network (3 inputs, 4 hidden units, 2 outputs,
 * one full batch of 6 samples per step), each checked against a plain-Java computation of its rule: which units
 * continual backprop and ReDo replace and what their weights and optimizer state become, shrink-and-perturb's
 * update, the L2-to-init and Wasserstein-to-init gradients (the latter also by finite differences).
 */
class PlasticityMathTest {
    static final int N = 6;
    static final int D = 3;
    static final int H = 4;
    static final int C = 2;
    static final float[] X = {0.5f, -1f, 2f, 1.5f, 0.2f, -0.7f, -1.2f, 0.8f, 0.3f, 0.9f, 1.1f, -0.4f, -0.6f, -0.9f, 1.7f, 0.1f, 0.4f,
        -1.5f};
    static final int[] Y = {0, 1, 1, 0, 1, 0};
    static final long SEED = 9;

    @BeforeAll
    static void engine() {
        Engines.pytorch();
    }

    /** What one step showed: weights before it, after the optimizer, after the strategy; gradients before and after it. */
    record Step(float[][] before, float[][] updated, float[][] after, float[][] rawGradients, float[][] gradients, StateDict optimizer,
            StateDict strategy) {
    }

    /** Trains {@code strategy} for {@code steps} full-batch steps (experiences of {@code perExperience} steps each). */
    static List<Step> train(Strategy strategy, GradientTransform transform, int steps, int perExperience) {
        FloatDataset data = new FloatDataset("d", X.clone(), Y.clone(), new Shape(D), C);
        List<Step> out = new ArrayList<>();
        try (NDManager m = NDManager.newBaseManager()) {
            Model model = new Mlp(m, D, new int[] {H}, C, 1, 7);
            Optimizer optimizer = new Optimizer("opt", transform, model.parameters());
            float[][][] current = new float[5][][];
            TrainingHook first = new TrainingHook() {
                @Override
                public Batch adaptBatch(TrainingContext c, Batch batch) {
                    current[0] = snapshot(model);
                    return batch;
                }

                @Override
                public List<NDArray> transformGradients(TrainingContext c, List<NDArray> grads) {
                    current[3] = host(grads);
                    return grads;
                }

                @Override
                public void afterUpdate(TrainingContext c, Batch batch) {
                    current[1] = snapshot(model);
                }
            };
            TrainingHook last = new TrainingHook() {
                @Override
                public List<NDArray> transformGradients(TrainingContext c, List<NDArray> grads) {
                    current[4] = host(grads);
                    return grads;
                }

                @Override
                public void afterUpdate(TrainingContext c, Batch batch) {
                    out.add(new Step(current[0], current[1], snapshot(model), current[3], current[4], optimizer.exportState(),
                            strategy.exportState()));
                }
            };
            Trainer trainer = new Trainer(model, optimizer, List.of(first, strategy, last), m);
            for (int done = 0; done < steps; done += perExperience) {
                trainer.train(data, 0, new Trainer.Options(perExperience, N, 3, 1, -1), ProgressListener.NONE);
            }
        }
        return out;
    }

    static float[][] snapshot(Model model) {
        return model.parameters().stream().map(p -> p.array().toFloatArray()).toArray(float[][]::new);
    }

    static float[][] host(List<NDArray> arrays) {
        return arrays.stream().map(NDArray::toFloatArray).toArray(float[][]::new);
    }

    static GradientTransform sgd(double momentum) {
        return Optimizers.sgd(Schedule.constant(0.1), momentum, false, 0);
    }

    /** Hidden activity relu(W1 x + b1) per sample, from weights [W1 (H·D), b1 (H), ...]. */
    static double[][] hidden(float[][] w) {
        double[][] h = new double[N][H];
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < H; j++) {
                double z = w[1][j];
                for (int k = 0; k < D; k++) {
                    z += w[0][j * D + k] * X[i * D + k];
                }
                h[i][j] = Math.max(0, z);
            }
        }
        return h;
    }

    static double[] meanAbs(double[][] h) {
        double[] m = new double[H];
        for (double[] row : h) {
            for (int j = 0; j < H; j++) {
                m[j] += Math.abs(row[j]) / N;
            }
        }
        return m;
    }

    /** The fresh incoming row of each replaced unit as the strategy's generator draws it: U(±1/√D), in unit order. */
    static float[][] freshRows(SplittableRandom rng, int[] units) {
        float[][] rows = new float[units.length][D];
        for (int u = 0; u < units.length; u++) {
            for (int k = 0; k < D; k++) {
                rows[u][k] = (float) ((2 * rng.nextDouble() - 1) * (1 / Math.sqrt(D)));
            }
        }
        return rows;
    }

    /** Units in {@code reset} got fresh rows, zero bias and zero outgoing weights; the others kept {@code updated}. */
    static void assertReset(float[][] updated, float[][] after, int[] reset, float[][] fresh) {
        for (int j = 0; j < H; j++) {
            int r = Arrays.binarySearch(reset, j);
            for (int k = 0; k < D; k++) {
                assertThat(after[0][j * D + k]).as("W1[%d][%d]", j, k).isEqualTo(r >= 0 ? fresh[r][k] : updated[0][j * D + k]);
            }
            assertThat(after[1][j]).as("b1[%d]", j).isEqualTo(r >= 0 ? 0f : updated[1][j]);
            for (int c = 0; c < C; c++) {
                assertThat(after[2][c * H + j]).as("W2[%d][%d]", c, j).isEqualTo(r >= 0 ? 0f : updated[2][c * H + j]);
            }
        }
        assertThat(after[3]).as("output bias").isEqualTo(updated[3]);
    }

    /** The momentum entries of the reset units' weights are zero (those of others may be too: a unit with no outgoing weight gets no gradient). */
    static void assertMomentumCleared(StateDict optimizer, int[] reset) {
        String key = optimizer.tensors().keySet().stream().filter(k -> k.endsWith(".0") && optimizer.tensor(k).shape().length == 2)
                .findFirst().orElseThrow();
        String prefix = key.substring(0, key.length() - 1);
        float[] w1 = optimizer.floats(key);
        float[] b1 = optimizer.floats(prefix + "1");
        float[] w2 = optimizer.floats(prefix + "2");
        for (int j : reset) {
            for (int k = 0; k < D; k++) {
                assertThat(w1[j * D + k]).as("momentum W1[%d][%d]", j, k).isZero();
            }
            assertThat(b1[j]).as("momentum b1[%d]", j).isZero();
            for (int c = 0; c < C; c++) {
                assertThat(w2[c * H + j]).as("momentum W2[%d][%d]", c, j).isZero();
            }
        }
    }

    @Test
    void continualBackpropReplacesTheLowestUtilityMatureUnitsAsThePlainJavaRuleSays() {
        double eta = 0.5;
        double rate = 0.25;
        int maturity = 1;
        int steps = 6;
        List<Step> run = train(new ContinualBackprop(rate, eta, maturity, SEED), sgd(0.9), steps, steps);
        double[] utility = new double[H];
        int[] ages = new int[H];
        double pending = 0;
        SplittableRandom rng = new SplittableRandom(SEED);
        int replacements = 0;
        for (Step s : run) {
            double[] activity = meanAbs(hidden(s.before()));
            int mature = 0;
            for (int j = 0; j < H; j++) {
                double out = 0;
                for (int c = 0; c < C; c++) {
                    out += Math.abs(s.updated()[2][c * H + j]);
                }
                utility[j] = eta * utility[j] + (1 - eta) * activity[j] * out;
                if (++ages[j] > maturity) {
                    mature++;
                }
            }
            pending += rate * mature;
            int k = (int) Math.min(Math.floor(pending), mature);
            int[] reset = new int[0];
            if (k > 0) {
                pending -= Math.floor(pending);
                Integer[] order = new Integer[H];
                for (int j = 0; j < H; j++) {
                    order[j] = j;
                }
                double[] u = utility;
                int[] a = ages;
                reset = Arrays.stream(order).filter(j -> a[j] > maturity)
                        .sorted((x, y) -> (float) u[x] != (float) u[y] ? Float.compare((float) u[x], (float) u[y]) : Integer.compare(x, y))
                        .limit(k).mapToInt(Integer::intValue).sorted().toArray();
                for (int j : reset) {
                    utility[j] = 0;
                    ages[j] = 0;
                }
                replacements += reset.length;
            }
            assertReset(s.updated(), s.after(), reset, freshRows(rng, reset));
            if (reset.length > 0) {
                assertMomentumCleared(s.optimizer(), reset);
            }
            float[] stored = s.strategy().floats("utility.0");
            for (int j = 0; j < H; j++) {
                assertThat((double) stored[j]).as("utility of unit %d", j).isCloseTo(utility[j], offset(1e-6));
            }
            assertThat(s.strategy().ints("ages.0")).isEqualTo(ages);
        }
        assertThat(replacements).as("units replaced over the run").isGreaterThanOrEqualTo(2);
    }

    @Test
    void redoResetsExactlyTheDormantUnitsAtItsCadence() {
        double tau = 0.8;
        List<Step> run = train(new Redo(tau, 2, SEED), sgd(0.9), 4, 4);
        SplittableRandom rng = new SplittableRandom(SEED);
        int resets = 0;
        for (int t = 0; t < run.size(); t++) {
            Step s = run.get(t);
            int[] reset = new int[0];
            if ((t + 1) % 2 == 0) {
                double[] activity = meanAbs(hidden(s.before()));
                double layer = Arrays.stream(activity).average().orElseThrow();
                reset = java.util.stream.IntStream.range(0, H).filter(j -> activity[j] / layer <= tau).toArray();
                resets += reset.length;
            }
            assertReset(s.updated(), s.after(), reset, freshRows(rng, reset));
            if (reset.length > 0) {
                assertMomentumCleared(s.optimizer(), reset);
            }
        }
        assertThat(resets).as("dormant units reset").isPositive();
    }

    @Test
    void shrinkAndPerturbScalesTheUpdatedWeightsAndAddsSeededNoise() {
        List<Step> shrinkOnly = train(new ShrinkAndPerturb(0.5, 0, ShrinkAndPerturb.EVERY_STEP, SEED), sgd(0), 3, 3);
        for (Step s : shrinkOnly) {
            for (int p = 0; p < s.after().length; p++) {
                for (int i = 0; i < s.after()[p].length; i++) {
                    assertThat(s.after()[p][i]).isEqualTo(s.updated()[p][i] * 0.5f);
                }
            }
        }
        double sigma = 0.01;
        List<Step> noisy = train(new ShrinkAndPerturb(1, sigma, ShrinkAndPerturb.EVERY_STEP, SEED), sgd(0), 2, 2);
        List<Step> again = train(new ShrinkAndPerturb(1, sigma, ShrinkAndPerturb.EVERY_STEP, SEED), sgd(0), 2, 2);
        double sum = 0;
        double squares = 0;
        int n = 0;
        for (int t = 0; t < noisy.size(); t++) {
            for (int p = 0; p < 4; p++) {
                assertThat(again.get(t).after()[p]).as("same seed, same noise").isEqualTo(noisy.get(t).after()[p]);
                for (int i = 0; i < noisy.get(t).after()[p].length; i++) {
                    double e = noisy.get(t).after()[p][i] - noisy.get(t).updated()[p][i];
                    sum += e;
                    squares += e * e;
                    n++;
                }
            }
        }
        assertThat(Math.sqrt(squares / n - (sum / n) * (sum / n))).as("noise standard deviation").isCloseTo(sigma, offset(0.4 * sigma));
        // at experience boundaries: nothing within an experience, the shrink when the second one starts
        List<Step> boundary = train(new ShrinkAndPerturb(0.5, 0, ShrinkAndPerturb.EVERY_EXPERIENCE, SEED), sgd(0), 4, 2);
        assertThat(boundary.get(1).after()).isEqualTo(boundary.get(1).updated());
        for (int p = 0; p < 4; p++) {
            for (int i = 0; i < boundary.get(2).before()[p].length; i++) {
                assertThat(boundary.get(2).before()[p][i]).isEqualTo(boundary.get(1).after()[p][i] * 0.5f);
            }
        }
    }

    @Test
    void l2InitAddsLambdaTimesTheDistanceFromTheInitialWeights() {
        double lambda = 0.3;
        List<Step> run = train(new L2Init(lambda), sgd(0), 3, 3);
        float[][] init = run.get(0).before();
        for (Step s : run) {
            for (int p = 0; p < init.length; p++) {
                for (int i = 0; i < init[p].length; i++) {
                    double expected = s.rawGradients()[p][i] + lambda * (s.before()[p][i] - init[p][i]);
                    assertThat((double) s.gradients()[p][i]).isCloseTo(expected, offset(1e-6));
                }
            }
        }
    }

    /** λ Σ_tensors Σ_k (sort(θ)_k − sort(θ₀)_k)², in doubles. */
    static double wasserstein(double[] theta, double[] init, double lambda) {
        double[] a = theta.clone();
        double[] b = init.clone();
        Arrays.sort(a);
        Arrays.sort(b);
        double sum = 0;
        for (int k = 0; k < a.length; k++) {
            sum += (a[k] - b[k]) * (a[k] - b[k]);
        }
        return lambda * sum;
    }

    @Test
    void wassersteinGradientMatchesFiniteDifferencesOfThePenalty() {
        double lambda = 0.7;
        SplittableRandom rng = new SplittableRandom(3);
        int rows = 5;
        int cols = 7;
        float[] theta = new float[rows * cols];
        float[] init = new float[rows * cols];
        for (int i = 0; i < theta.length; i++) {
            theta[i] = (float) rng.nextGaussian();
            init[i] = (float) (0.3 * rng.nextGaussian());
        }
        float[] gradient;
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray sortedInit = m.create(init).sort();
            gradient = WassersteinInit.gradient(m.create(theta, new Shape(rows, cols)), sortedInit, lambda).toFloatArray();
        }
        double[] t = new double[theta.length];
        double[] i0 = new double[init.length];
        for (int i = 0; i < t.length; i++) {
            t[i] = theta[i];
            i0[i] = init[i];
        }
        double h = 1e-6; // far below the smallest gap between two values, so no rank changes
        for (int i = 0; i < t.length; i++) {
            double[] plus = t.clone();
            double[] minus = t.clone();
            plus[i] += h;
            minus[i] -= h;
            double fd = (wasserstein(plus, i0, lambda) - wasserstein(minus, i0, lambda)) / (2 * h);
            assertThat((double) gradient[i]).as("∂R/∂θ[%d]", i).isCloseTo(fd, offset(1e-4));
        }
    }

    @Test
    void wassersteinInitAddsItsGradientToTheTaskGradient() {
        double lambda = 0.2;
        for (int rankEvery : new int[] {1, 2}) {
            // large steps, so ranks change between steps and a stale matching differs from a fresh one
            List<Step> run = train(new WassersteinInit(lambda, rankEvery), Optimizers.sgd(Schedule.constant(3), 0, false, 0), 4, 4);
            float[][] init = run.get(0).before();
            for (int t = 0; t < run.size(); t++) {
                Step s = run.get(t);
                float[][] matchedAt = run.get(t - t % rankEvery).before(); // ranks as of the last matching
                for (int p = 0; p < init.length; p++) {
                    double[] sortedInit = new double[init[p].length];
                    for (int i = 0; i < sortedInit.length; i++) {
                        sortedInit[i] = init[p][i];
                    }
                    Arrays.sort(sortedInit);
                    Integer[] order = new Integer[init[p].length];
                    for (int i = 0; i < order.length; i++) {
                        order[i] = i;
                    }
                    float[] ranked = matchedAt[p];
                    Arrays.sort(order, (a, b) -> Float.compare(ranked[a], ranked[b]));
                    for (int r = 0; r < order.length; r++) {
                        int i = order[r];
                        double expected = s.rawGradients()[p][i] + 2 * lambda * (s.before()[p][i] - sortedInit[r]);
                        assertThat((double) s.gradients()[p][i]).as("rank_every %d, step %d", rankEvery, t).isCloseTo(expected, offset(1e-5));
                    }
                }
            }
        }
    }
}
