package ai.perennial.core.lowrank;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.perennial.core.PerennialException;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.model.Parameter;
import ai.perennial.core.optim.GradientTransform;
import ai.perennial.core.optim.Optimizer;
import ai.perennial.core.optim.OptimizerConfig;
import ai.perennial.core.optim.Optimizers;
import ai.perennial.core.optim.TransformState;
import ai.perennial.core.optim.Transforms;
import ai.perennial.core.registry.Registry;
import ai.perennial.core.schedule.Schedule;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;
import ai.perennial.core.data.Dataset;
import ai.perennial.core.data.Synthetic;
import ai.perennial.core.model.Mlp;
import ai.perennial.core.model.Model;
import ai.perennial.core.train.Evaluator;
import ai.perennial.core.train.ProgressListener;
import ai.perennial.core.train.Trainer;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.SingularOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class LowRankProjectionTest {

    @BeforeAll
    static void engine() {
        Engines.pytorch();
    }

    /** u = −g: the update of a projected matrix is then −α·P·(projected gradient), the estimate itself. */
    static GradientTransform unitStep() {
        return Transforms.scaleByLearningRate(Schedule.constant(1));
    }

    static double[] random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = r.nextDouble(-1, 1);
        }
        return out;
    }

    static float[] floats(double[] x) {
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = (float) x[i];
        }
        return out;
    }

    /** Runs {@code transform} on one weight (zeros) of {@code shape} with the given gradients; returns the weight after each step. */
    static float[][] steps(GradientTransform transform, Shape shape, List<double[]> grads) {
        try (NDManager m = NDManager.newBaseManager()) {
            Parameter w = new Parameter("w", m.zeros(shape), true);
            Optimizer opt = new Optimizer("o", transform, List.of(w));
            float[][] out = new float[grads.size()][];
            for (int t = 0; t < grads.size(); t++) {
                try (NDScope scope = new NDScope()) {
                    opt.step(List.of(m.create(floats(grads.get(t)), shape)));
                }
                out[t] = w.array().toFloatArray();
            }
            lastState = opt.exportState();
            lastBytes = opt.stateBytes();
            return out;
        }
    }

    static ai.perennial.core.state.StateDict lastState;
    static long lastBytes;

    /** EJML's SVD of a rows × cols row-major matrix, singular values descending: {U, W, V}. */
    static DMatrixRMaj[] svd(double[] a, int rows, int cols) {
        SingularValueDecomposition_F64<DMatrixRMaj> svd = DecompositionFactory_DDRM.svd(rows, cols, true, true, true);
        assertThat(svd.decompose(new DMatrixRMaj(rows, cols, true, a))).isTrue();
        DMatrixRMaj u = svd.getU(null, false);
        DMatrixRMaj w = svd.getW(null);
        DMatrixRMaj v = svd.getV(null, false);
        SingularOps_DDRM.descendingOrder(u, false, w, v, false);
        return new DMatrixRMaj[] {u, w, v};
    }

    @Test
    void galoreBasisIsTheTopSingularVectorsOfTheSmallerSideAndTheUpdateItsProjection() {
        for (int[] dims : new int[][] {{12, 30}, {30, 12}}) {
            int rows = dims[0];
            int cols = dims[1];
            int r = 4;
            double[] g = random(rows * cols, 5);
            float[][] w = steps(GaLore.wrap(unitStep(), r, 100, 1.0), new Shape(rows, cols), List.of(g));
            float[] basis = lastState.floats("basis.0");
            DMatrixRMaj[] usv = svd(g, rows, cols);
            // the smaller side: left singular vectors of a wide matrix, right ones of a tall one
            DMatrixRMaj reference = rows <= cols ? usv[0] : usv[2];
            int k = Math.min(rows, cols);
            assertThat(basis).hasSize(k * r);
            for (int c = 0; c < r; c++) {
                double dot = 0;
                for (int a = 0; a < k; a++) {
                    dot += basis[a * r + c] * reference.get(a, c);
                }
                double sign = Math.signum(dot);
                for (int a = 0; a < k; a++) {
                    assertThat((double) basis[a * r + c]).as(rows + "x" + cols + " column " + c + " entry " + a)
                            .isCloseTo(sign * reference.get(a, c), within(1e-5));
                }
            }
            // update = −(rank-r truncation of G) = −Σ_{i<r} σ_i u_i v_iᵀ
            DMatrixRMaj truncated = new DMatrixRMaj(rows, cols);
            for (int i = 0; i < r; i++) {
                for (int a = 0; a < rows; a++) {
                    for (int b = 0; b < cols; b++) {
                        truncated.add(a, b, usv[1].get(i, i) * usv[0].get(a, i) * usv[2].get(b, i));
                    }
                }
            }
            for (int e = 0; e < rows * cols; e++) {
                assertThat((double) w[0][e]).isCloseTo(-truncated.data[e], within(1e-5));
            }
        }
    }

    @Test
    void fullRankGaloreWithOneRefreshIsTheRotationEquivariantRecipeItself() {
        Shape shape = new Shape(5, 8);
        List<double[]> grads = List.of(random(40, 1), random(40, 2), random(40, 3), random(40, 4), random(40, 5));
        Supplier<GradientTransform> momentum = () -> Optimizers.sgd(Schedule.constant(0.1), 0.9, false, 0);
        float[][] plain = steps(momentum.get(), shape, grads);
        float[][] galore = steps(GaLore.wrap(momentum.get(), 5, 1000, 1.0), shape, grads);
        for (int t = 0; t < grads.size(); t++) {
            for (int e = 0; e < 40; e++) {
                assertThat(galore[t][e]).isCloseTo(plain[t][e], within(1e-5f));
            }
        }
        // GaLore refreshing every step keeps the momentum in the old coordinates: spurious updates
        float[][] stale = steps(GaLore.wrap(momentum.get(), 5, 1, 1.0), shape, grads);
        // PLUMAGE at full rank takes every direction with π = 1 and rotates the momentum along: the recipe again
        float[][] realigned = steps(Plumage.wrap(momentum.get(), 5, 1, 3), shape, grads);
        double staleGap = 0;
        for (int e = 0; e < 40; e++) {
            staleGap = Math.max(staleGap, Math.abs(stale[4][e] - plain[4][e]));
            for (int t = 0; t < grads.size(); t++) {
                assertThat(realigned[t][e]).isCloseTo(plain[t][e], within(1e-5f));
            }
        }
        assertThat(staleGap).isGreaterThan(1e-2);
    }

    @Test
    void realignmentRotatesFirstMomentsAndSecondMomentsOnTheirDiagonal() {
        try (NDManager m = NDManager.newBaseManager()) {
            // old basis (e1, e2), new basis (e2, e3) of R³: q = P_newᵀ P_old = [[0, 1], [0, 0]]
            TransformState s = Transforms.scaleByAdam(0.9, 0.999, 1e-8).init(List.of(new Parameter("w", m.zeros(new Shape(2, 2)), true)));
            Engines.overwrite(s.buffer("mu").get(0), new float[] {1, 2, 3, 4});
            Engines.overwrite(s.buffer("nu").get(0), new float[] {1, 4, 9, 16});
            s.changeBasis(0, m.create(new float[] {0, 1, 0, 0}, new Shape(2, 2)));
            // the e2 row moves to the first coordinate; e3 is new: no momentum, the mean second moment (5, 10)
            assertThat(s.buffer("mu").get(0).toFloatArray()).containsExactly(3, 4, 0, 0);
            assertThat(s.buffer("nu").get(0).toFloatArray()).containsExactly(9, 16, 5, 10);
            // a proper rotation by 90°: q = [[0, −1], [1, 0]] swaps rows (with a sign) and squares carry over exactly
            s.changeBasis(0, m.create(new float[] {0, -1, 1, 0}, new Shape(2, 2)));
            assertThat(s.buffer("mu").get(0).toFloatArray()).containsExactly(0, 0, 3, 4);
            assertThat(s.buffer("nu").get(0).toFloatArray()).containsExactly(5, 10, 9, 16);
        }
    }

    /** σ = (5, 3, 2, 1, 0.5, 0.2) on random orthonormal bases of R⁶ and R¹⁰. */
    static double[] plantedGradient(double[] sigma, int rows, int cols, long seed) {
        DMatrixRMaj u = orthonormal(rows, rows, seed);
        DMatrixRMaj v = orthonormal(cols, rows, seed + 1);
        double[] g = new double[rows * cols];
        for (int i = 0; i < sigma.length; i++) {
            for (int a = 0; a < rows; a++) {
                for (int b = 0; b < cols; b++) {
                    g[a * cols + b] += sigma[i] * u.get(a, i) * v.get(b, i);
                }
            }
        }
        return g;
    }

    static DMatrixRMaj orthonormal(int n, int k, long seed) {
        DMatrixRMaj a = new DMatrixRMaj(n, k, true, random(n * k, seed));
        var qr = DecompositionFactory_DDRM.qr(n, k);
        assertThat(qr.decompose(a)).isTrue();
        return qr.getQ(null, true);
    }

    @Test
    void plumageIsUnbiasedWithTheMinimumVarianceAtTheRefreshAndUnbiasedAfterIt() {
        double[] sigma = {5, 3, 2, 1, 0.5, 0.2};
        int rows = 6;
        int cols = 10;
        int r = 2;
        double[] g = plantedGradient(sigma, rows, cols, 11);
        double[] later = random(rows * cols, 12); // another gradient of the same interval
        // nothing capped: π_i = r·σ_i/Σσ, and Σ σ_i²(1/π_i − 1) = (Σσ)²/r − Σσ² = 11.7²/2 − 39.29 = 29.155
        double closedForm = 11.7 * 11.7 / 2 - 39.29;
        double[] pi = Inclusion.waterFilling(sigma, r);
        double formula = 0;
        for (int i = 0; i < sigma.length; i++) {
            formula += sigma[i] * sigma[i] * (1 / pi[i] - 1);
        }
        assertThat(formula).isCloseTo(closedForm, within(1e-9));
        int n = 3000;
        double[] mean = new double[rows * cols];
        double[] meanSquare = new double[rows * cols];
        double[] laterMean = new double[rows * cols];
        double[] laterSquare = new double[rows * cols];
        double[] errors = new double[n];
        for (int s = 0; s < n; s++) {
            float[][] w = steps(Plumage.wrap(unitStep(), r, 100, s), new Shape(rows, cols), List.of(g, later));
            for (int e = 0; e < g.length; e++) {
                double estimate = -w[0][e];
                double laterEstimate = -(w[1][e] - w[0][e]);
                mean[e] += estimate / n;
                meanSquare[e] += estimate * estimate / n;
                laterMean[e] += laterEstimate / n;
                laterSquare[e] += laterEstimate * laterEstimate / n;
                errors[s] += (estimate - g[e]) * (estimate - g[e]);
            }
        }
        // in norm: E‖mean − G‖² = Σ_e Var(Ĝ_e)/n, so the mean's standard error in Frobenius norm is √(Σ_e Var/n)
        assertWithinThreeStandardErrors(mean, meanSquare, g, n);
        assertWithinThreeStandardErrors(laterMean, laterSquare, later, n);
        // per singular direction: Ĝ − G lies in span{u_i v_iᵀ}, so unbiased Ĝ ⇔ each coefficient u_iᵀĜv_i has mean σ_i;
        // the coefficient is σ_i/π_i with probability π_i, else 0: mean σ_i, s.e. σ_i·√((1/π_i − 1)/n)
        DMatrixRMaj[] usv = svd(g, rows, cols);
        DMatrixRMaj meanMatrix = new DMatrixRMaj(rows, cols, true, mean);
        for (int i = 0; i < rows; i++) {
            double coefficient = 0;
            for (int a = 0; a < rows; a++) {
                for (int b = 0; b < cols; b++) {
                    coefficient += usv[0].get(a, i) * meanMatrix.get(a, b) * usv[2].get(b, i);
                }
            }
            double se = sigma[i] * Math.sqrt((1 / pi[i] - 1) / n);
            assertThat(Math.abs(coefficient - sigma[i])).as("direction " + i).isLessThanOrEqualTo(3 * se);
        }
        // the squared error's Monte Carlo mean matches Σ σ_i²(1/π_i − 1) within 3 of its standard errors
        double errorMean = java.util.Arrays.stream(errors).average().orElseThrow();
        double errorVar = java.util.Arrays.stream(errors).map(x -> (x - errorMean) * (x - errorMean)).sum() / (n - 1);
        assertThat(Math.abs(errorMean - closedForm)).isLessThanOrEqualTo(3 * Math.sqrt(errorVar / n));
    }

    private static void assertWithinThreeStandardErrors(double[] mean, double[] meanSquare, double[] truth, int n) {
        double gap = 0;
        double variance = 0;
        for (int e = 0; e < mean.length; e++) {
            gap += (mean[e] - truth[e]) * (mean[e] - truth[e]);
            variance += (meanSquare[e] - mean[e] * mean[e]) * n / (n - 1.0);
        }
        assertThat(variance).isPositive();
        assertThat(Math.sqrt(gap)).isLessThanOrEqualTo(3 * Math.sqrt(variance / n));
    }

    @Test
    void stateHoldsTheProjectedMomentsAndTheBasis() {
        Shape shape = new Shape(40, 100);
        Supplier<GradientTransform> adam = () -> Optimizers.adam(Schedule.constant(1e-3), 0.9, 0.999, 1e-8);
        steps(adam.get(), shape, List.of(random(4000, 1)));
        assertThat(lastBytes).isEqualTo(2L * 4000 * 4); // m and v
        steps(GaLore.wrap(adam.get(), 8, 200, 0.25), shape, List.of(random(4000, 1)));
        assertThat(lastBytes).isEqualTo((2L * 8 * 100 + 40 * 8) * 4); // m and v of 8 × 100, basis 40 × 8
        steps(Plumage.wrap(adam.get(), 8, 200, 1), shape, List.of(random(4000, 1)));
        assertThat(lastBytes).isEqualTo((2L * 8 * 100 + 40 * 8 + 8) * 4); // and the 8 scales
    }

    @Test
    void badRanksAreRejectedNamingTheKey() {
        Registry registry = Registry.global();
        assertThatThrownBy(() -> OptimizerConfig.resolve(registry, Map.of("name", "adam", GaLore.RANK.name(), -1), "optimizer"))
                .isInstanceOf(PerennialException.class).hasMessageContaining("optimizer.galore_rank");
        OptimizerConfig both = OptimizerConfig.resolve(registry, Map.of("name", "adam", GaLore.RANK.name(), 4, "plumage_rank", 4),
                "optimizer");
        assertThatThrownBy(() -> both.build(100, 1)).isInstanceOf(PerennialException.class)
                .hasMessageContaining("optimizer.plumage_rank").hasMessageContaining("galore_rank");
        OptimizerConfig tooLarge = OptimizerConfig.resolve(registry, Map.of("name", "adam", GaLore.RANK.name(), 50), "optimizer");
        try (NDManager m = NDManager.newBaseManager()) {
            List<Parameter> params = List.of(new Parameter("w", m.zeros(new Shape(20, 30)), true), new Parameter("b", m.zeros(new Shape(20)), false));
            assertThatThrownBy(() -> new Optimizer("o", tooLarge.build(100, 1), params)).isInstanceOf(PerennialException.class)
                    .hasMessageContaining("optimizer.galore_rank").hasMessageContaining("at most 20");
            List<Parameter> vectors = List.of(new Parameter("b", m.zeros(new Shape(20)), false));
            assertThatThrownBy(() -> new Optimizer("o", GaLore.wrap(unitStep(), 2, 10, 1), vectors)).hasMessageContaining("no weight matrix");
            // a matrix smaller than the rank is projected at full rank beside a larger one
            List<Parameter> mixed = List.of(new Parameter("w", m.zeros(new Shape(20, 30)), true),
                    new Parameter("out", m.zeros(new Shape(3, 20)), true));
            Optimizer ok = new Optimizer("o", GaLore.wrap(unitStep(), 8, 10, 1), mixed);
            assertThat(ok.stateBytes()).isEqualTo((20 * 8 + 3 * 3) * 4L);
        }
    }

    @Test
    void trainsAnMlpEndToEnd() {
        Dataset all = Synthetic.gaussianClusters(1200, 16, 4, 1.0, 3);
        Dataset train = all.select(IntStream.range(0, 1000).toArray());
        Dataset test = all.select(IntStream.range(1000, 1200).toArray());
        List<UnaryOperator<GradientTransform>> wrappers = List.of(g -> GaLore.wrap(g, 4, 20, 1.0), g -> Plumage.wrap(g, 4, 20, 5));
        for (UnaryOperator<GradientTransform> wrap : wrappers) {
            try (NDManager m = NDManager.newBaseManager()) {
                Model model = new Mlp(m, 16, new int[] {32}, 4, 1, 1);
                Optimizer opt = new Optimizer("o", wrap.apply(Optimizers.adam(Schedule.constant(0.01), 0.9, 0.999, 1e-8)), model.parameters());
                Trainer trainer = new Trainer(model, opt, List.of(), m);
                trainer.train(train, 0, Trainer.Options.of(3, 32, 5), ProgressListener.NONE);
                assertThat(Evaluator.accuracy(model, test, 64, m)).isGreaterThan(0.9);
                assertThat(opt.steps()).isEqualTo(3 * 32);
            }
        }
    }
}
