package ai.perennial.core.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.model.Parameter;
import ai.perennial.core.schedule.Schedule;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The optimizers that need the whole model (SAM's second gradient, UPGD's global maximum) and the noisy ones. */
class SamUpgdSgldTest {
    static final Shape[] SHAPES = {new Shape(3, 4), new Shape(5)};

    NDManager manager;

    @BeforeEach
    void setUp() {
        Engines.pytorch();
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    @Test
    void samTakesTheGradientAtTheAdversarialPointOfAQuadratic() {
        // L(w) = ½ Σ a_j w_j² over both tensors: ∇L = a ⊙ w
        double[][] w = OptimizerReferenceTest.randomParams(3);
        w = new double[][] {pad(w[0], 12), pad(w[1], 5)};
        double[][] a = {curvatures(12, 1), curvatures(5, 2)};
        List<Parameter> params = parameters(w);
        double rho = 0.05;
        double lr = 0.1;
        Optimizer opt = new Optimizer("sam", Sam.wrap(rho, Optimizers.sgd(Schedule.constant(lr), 0, false, 0)), params);
        for (int step = 0; step < 6; step++) {
            try (NDScope scope = new NDScope()) {
                opt.step(quadraticGradient(params, a), () -> quadraticGradient(params, a));
            }
            // reference: g = a⊙w, ε = ρ g/‖g‖, w ← w − lr·a⊙(w + ε)
            double norm = 0;
            for (int i = 0; i < 2; i++) {
                for (int j = 0; j < w[i].length; j++) {
                    norm += Math.pow(a[i][j] * w[i][j], 2);
                }
            }
            norm = Math.sqrt(norm);
            for (int i = 0; i < 2; i++) {
                for (int j = 0; j < w[i].length; j++) {
                    double e = rho * a[i][j] * w[i][j] / norm;
                    w[i][j] -= lr * a[i][j] * (w[i][j] + e);
                }
            }
            assertMatches(params, w, 1e-5);
        }
    }

    @Test
    void samWithoutAGradientOracleSaysHowToCallIt() {
        List<Parameter> params = parameters(new double[][] {new double[12], new double[5]});
        Optimizer opt = new Optimizer("sam", Sam.wrap(0.05, Optimizers.sgd(Schedule.constant(0.1), 0, false, 0)), params);
        try (NDScope scope = new NDScope()) {
            List<NDArray> grads = List.of(manager.ones(SHAPES[0]), manager.ones(SHAPES[1]));
            assertThatThrownBy(() -> opt.step(grads)).hasMessageContaining("Optimizer.step(grads, oracle)");
        }
        // the weights are restored even when the second evaluation fails
        assertThat(params.get(0).array().toFloatArray()).containsOnly(0f);
    }

    @Test
    void upgdWithoutNoiseMatchesItsPlainJavaDefinition() {
        double lr = 0.05;
        double beta = 0.9;
        double wd = 0.01;
        double[][] w = {pad(OptimizerReferenceTest.randomParams(7)[0], 12), pad(OptimizerReferenceTest.randomParams(8)[1], 5)};
        List<Parameter> params = parameters(w);
        Optimizer opt = new Optimizer("upgd", NoisyTransforms.upgd(Schedule.constant(lr), beta, 0, wd, 1), params);
        double[][] utility = {new double[12], new double[5]};
        SplittableRandom random = new SplittableRandom(4);
        for (int t = 1; t <= 8; t++) {
            double[][] g = {new double[12], new double[5]};
            List<NDArray> grads = new ArrayList<>();
            try (NDScope scope = new NDScope()) {
                for (int i = 0; i < 2; i++) {
                    float[] values = new float[g[i].length];
                    for (int j = 0; j < values.length; j++) {
                        values[j] = (float) (random.nextDouble() * 4 - 2);
                        g[i][j] = values[j];
                    }
                    grads.add(manager.create(values, SHAPES[i]));
                }
                opt.step(grads);
            }
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < 2; i++) {
                for (int j = 0; j < w[i].length; j++) {
                    utility[i][j] = beta * utility[i][j] + (1 - beta) * (-g[i][j] * w[i][j]);
                    max = Math.max(max, utility[i][j]);
                }
            }
            double correction = 1 / (1 - Math.pow(beta, t));
            double scaledMax = Math.max(max * correction, 1e-30);
            for (int i = 0; i < 2; i++) {
                for (int j = 0; j < w[i].length; j++) {
                    double gate = 1 - 1 / (1 + Math.exp(-(utility[i][j] * correction / scaledMax)));
                    w[i][j] -= lr * g[i][j] * gate + lr * wd * w[i][j];
                }
            }
            assertMatches(params, w, 1e-5);
        }
    }

    @Test
    void injectedNoiseHasTheRightScaleAndIsReproducible() {
        int n = 200_000;
        double lr = 0.1;
        double temperature = 0.5;
        float[] first = noisyStep(NoisyTransforms.sgld(Schedule.constant(lr), temperature, 42), n);
        double mean = 0;
        double sq = 0;
        for (float v : first) {
            mean += v;
            sq += (double) v * v;
        }
        mean /= n;
        double std = Math.sqrt(sq / n - mean * mean);
        double expected = Math.sqrt(2 * lr * temperature); // √(2ηT)
        assertThat(std).isCloseTo(expected, within(0.01 * expected));
        assertThat(Math.abs(mean)).isLessThan(5 * expected / Math.sqrt(n));
        assertThat(noisyStep(NoisyTransforms.sgld(Schedule.constant(lr), temperature, 42), n)).containsExactly(first);
        assertThat(noisyStep(NoisyTransforms.sgld(Schedule.constant(lr), temperature, 43), n)).isNotEqualTo(first);
        // UPGD with all utilities zero gates every weight by 1 − sigmoid(0) = ½: noise std ½·η·σ
        float[] upgd = noisyStep(NoisyTransforms.upgd(Schedule.constant(lr), 0.9, 0.2, 0, 1), n);
        double upgdSq = 0;
        for (float v : upgd) {
            upgdSq += (double) v * v;
        }
        assertThat(Math.sqrt(upgdSq / n)).isCloseTo(0.5 * lr * 0.2, within(0.01 * 0.5 * lr * 0.2));
    }

    /** One step from zero weights with a zero gradient: the update is the injected noise alone. */
    private float[] noisyStep(GradientTransform transform, int n) {
        NDArray w = manager.zeros(new Shape(n));
        Optimizer opt = new Optimizer("noisy", transform, List.of(new Parameter("w", w, true)));
        try (NDScope scope = new NDScope()) {
            opt.step(List.of(manager.zeros(new Shape(n))));
        }
        float[] out = w.toFloatArray();
        w.close();
        return out;
    }

    private List<Parameter> parameters(double[][] values) {
        List<Parameter> params = new ArrayList<>();
        for (int i = 0; i < values.length; i++) {
            float[] f = new float[values[i].length];
            for (int j = 0; j < f.length; j++) {
                f[j] = (float) values[i][j];
                values[i][j] = f[j];
            }
            params.add(new Parameter("p" + i, manager.create(f, SHAPES[i]), true));
        }
        return params;
    }

    private List<NDArray> quadraticGradient(List<Parameter> params, double[][] a) {
        List<NDArray> out = new ArrayList<>();
        for (int i = 0; i < params.size(); i++) {
            float[] c = new float[a[i].length];
            for (int j = 0; j < c.length; j++) {
                c[j] = (float) a[i][j];
            }
            out.add(params.get(i).array().mul(manager.create(c, SHAPES[i])));
        }
        return out;
    }

    private static void assertMatches(List<Parameter> params, double[][] expected, double tolerance) {
        for (int i = 0; i < expected.length; i++) {
            float[] actual = params.get(i).array().toFloatArray();
            for (int j = 0; j < actual.length; j++) {
                assertThat((double) actual[j]).as("param %d[%d]", i, j).isCloseTo(expected[i][j], within(tolerance));
            }
        }
    }

    private static double[] curvatures(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] out = new double[n];
        for (int j = 0; j < n; j++) {
            out[j] = 0.5 + 3 * r.nextDouble();
        }
        return out;
    }

    private static double[] pad(double[] values, int n) {
        double[] out = new double[n];
        for (int j = 0; j < n; j++) {
            out[j] = values[j % values.length] * (1 + 0.1 * j);
        }
        return out;
    }
}
