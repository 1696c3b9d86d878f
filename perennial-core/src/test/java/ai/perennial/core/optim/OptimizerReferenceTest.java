package ai.perennial.core.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.model.Parameter;
import ai.perennial.core.schedule.Schedule;
import ai.perennial.core.state.StateDict;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each recipe against an independent plain-Java {@code double[]} implementation of the published
 * algorithm (PyTorch's documented pseudo-code), over 8 steps of random gradients.
 */
class OptimizerReferenceTest {
    static final int STEPS = 8;
    static final double TOL = 1e-5;
    static final Shape[] SHAPES = {new Shape(3, 4), new Shape(4)};

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

    /** One update of the reference on flat parameter {@code p} with gradient {@code g} at step t (1-based). */
    interface Reference {
        void step(double[] p, double[] g, int t, double[][] state);
    }

    static double[][] randomParams(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[][] out = new double[SHAPES.length][];
        for (int i = 0; i < SHAPES.length; i++) {
            out[i] = new double[(int) SHAPES[i].size()];
            for (int j = 0; j < out[i].length; j++) {
                out[i][j] = (float) (2 * r.nextDouble() - 1);
            }
        }
        return out;
    }

    /** Runs {@code transform} and the reference side by side and compares the parameters after every step. */
    void check(GradientTransform transform, Reference reference) {
        double[][] expected = randomParams(11);
        List<Parameter> params = new ArrayList<>();
        for (int i = 0; i < SHAPES.length; i++) {
            float[] values = new float[expected[i].length];
            for (int j = 0; j < values.length; j++) {
                values[j] = (float) expected[i][j];
            }
            NDArray a = manager.create(values, SHAPES[i]);
            params.add(new Parameter("p" + i, a, true));
        }
        Optimizer opt = new Optimizer("under-test", transform, params);
        double[][][] state = new double[SHAPES.length][4][];
        for (int i = 0; i < SHAPES.length; i++) {
            for (int k = 0; k < 4; k++) {
                state[i][k] = new double[expected[i].length];
            }
        }
        SplittableRandom gradients = new SplittableRandom(5);
        for (int t = 1; t <= STEPS; t++) {
            try (NDScope scope = new NDScope()) {
                List<NDArray> grads = new ArrayList<>();
                for (int i = 0; i < SHAPES.length; i++) {
                    float[] g = new float[expected[i].length];
                    double[] gd = new double[g.length];
                    for (int j = 0; j < g.length; j++) {
                        g[j] = (float) (gradients.nextDouble() * 4 - 2);
                        gd[j] = g[j];
                    }
                    grads.add(manager.create(g, SHAPES[i]));
                    reference.step(expected[i], gd, t, state[i]);
                }
                opt.step(grads);
            }
            for (int i = 0; i < SHAPES.length; i++) {
                float[] actual = params.get(i).array().toFloatArray();
                for (int j = 0; j < actual.length; j++) {
                    assertThat((double) actual[j]).as("param %d[%d] at step %d", i, j, t)
                            .isCloseTo(expected[i][j], org.assertj.core.data.Offset.offset(TOL));
                }
            }
        }
        assertThat(opt.steps()).isEqualTo(STEPS);
    }

    static Reference sgdRef(double lr, double mu, boolean nesterov, double wd) {
        return (p, g, t, s) -> {
            double[] buf = s[0];
            for (int j = 0; j < p.length; j++) {
                double d = g[j] + wd * p[j];
                if (mu != 0) {
                    buf[j] = t == 1 ? d : mu * buf[j] + d;
                    d = nesterov ? d + mu * buf[j] : buf[j];
                }
                p[j] -= lr * d;
            }
        };
    }

    /** torch.optim.Adam (coupled L2 when wd &gt; 0) or AdamW (decoupled) with lr from {@code lrAt(t)}. */
    static Reference adamRef(java.util.function.IntToDoubleFunction lrAt, double b1, double b2, double eps, double wd,
            boolean decoupled) {
        return (p, g, t, s) -> {
            double lr = lrAt.applyAsDouble(t);
            double[] m = s[0];
            double[] v = s[1];
            for (int j = 0; j < p.length; j++) {
                double grad = g[j];
                if (decoupled) {
                    p[j] *= 1 - lr * wd;
                } else {
                    grad += wd * p[j];
                }
                m[j] = b1 * m[j] + (1 - b1) * grad;
                v[j] = b2 * v[j] + (1 - b2) * grad * grad;
                double mHat = m[j] / (1 - Math.pow(b1, t));
                double vHat = v[j] / (1 - Math.pow(b2, t));
                p[j] -= lr * mHat / (Math.sqrt(vHat) + eps);
            }
        };
    }

    @Test
    void plainSgd() {
        check(Optimizers.sgd(Schedule.constant(0.1), 0, false, 0), sgdRef(0.1, 0, false, 0));
    }

    @Test
    void sgdWithWeightDecay() {
        check(Optimizers.sgd(Schedule.constant(0.05), 0, false, 0.1), sgdRef(0.05, 0, false, 0.1));
    }

    @Test
    void heavyBallMomentum() {
        check(Optimizers.sgd(Schedule.constant(0.05), 0.9, false, 0.01), sgdRef(0.05, 0.9, false, 0.01));
    }

    @Test
    void nesterovMomentum() {
        check(Optimizers.sgd(Schedule.constant(0.05), 0.9, true, 0), sgdRef(0.05, 0.9, true, 0));
    }

    @Test
    void adam() {
        check(Optimizers.adam(Schedule.constant(0.01), 0.9, 0.999, 1e-8), adamRef(t -> 0.01, 0.9, 0.999, 1e-8, 0, false));
    }

    @Test
    void adamWithLowBeta2AndLargeEps() {
        check(Optimizers.adam(Schedule.constant(0.02), 0.8, 0.9, 1e-3), adamRef(t -> 0.02, 0.8, 0.9, 1e-3, 0, false));
    }

    @Test
    void adamwDecouplesDecay() {
        check(Optimizers.adamw(Schedule.constant(0.01), 0.9, 0.999, 1e-8, 0.5, Optimizers.ALL),
                adamRef(t -> 0.01, 0.9, 0.999, 1e-8, 0.5, true));
    }

    @Test
    void adamL2CouplesDecay() {
        check(Optimizers.adamL2(Schedule.constant(0.01), 0.9, 0.999, 1e-8, 0.5), adamRef(t -> 0.01, 0.9, 0.999, 1e-8, 0.5, false));
    }

    @Test
    void adamwFollowsItsScheduleForDecayToo() {
        // warmup over 3 steps to 0.03, then cosine to 0 over 5 steps; the reference computes lr by hand
        Schedule s = Schedule.warmup(3, Schedule.cosine(0.03, 5, 0));
        check(Optimizers.adamw(s, 0.9, 0.99, 1e-8, 0.2, Optimizers.ALL),
                adamRef(t -> t - 1 < 3 ? 0.03 * (t - 1) / 3.0 : 0.03 * 0.5 * (1 + Math.cos(Math.PI * (t - 1 - 3) / 5.0)),
                        0.9, 0.99, 1e-8, 0.2, true));
    }

    /** Adam-family reference: variant "amsgrad", "radam", "adabound", "amsbound" or "adamod". */
    static Reference adamFamilyRef(String variant, double lr, double b1, double b2, double eps, double finalLr, double gamma) {
        return (p, g, t, s) -> {
            double[] m = s[0];
            double[] v = s[1];
            double[] aux = s[2];
            double bc1 = 1 - Math.pow(b1, t);
            double bc2 = 1 - Math.pow(b2, t);
            double rhoInf = 2 / (1 - b2) - 1;
            double rho = rhoInf - 2 * t * Math.pow(b2, t) / bc2;
            for (int j = 0; j < p.length; j++) {
                m[j] = b1 * m[j] + (1 - b1) * g[j];
                v[j] = b2 * v[j] + (1 - b2) * g[j] * g[j];
                switch (variant) {
                    case "amsgrad" -> {
                        aux[j] = Math.max(aux[j], v[j]);
                        p[j] -= lr * (m[j] / bc1) / (Math.sqrt(aux[j]) / Math.sqrt(bc2) + eps);
                    }
                    case "radam" -> {
                        if (rho > 5) {
                            double r = Math.sqrt((rho - 4) * (rho - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rho));
                            p[j] -= lr * (m[j] / bc1) * r * Math.sqrt(bc2) / (Math.sqrt(v[j]) + eps);
                        } else {
                            p[j] -= lr * m[j] / bc1;
                        }
                    }
                    case "adabound", "amsbound" -> {
                        double second = v[j];
                        if (variant.equals("amsbound")) {
                            aux[j] = Math.max(aux[j], v[j]);
                            second = aux[j];
                        }
                        double step = lr * Math.sqrt(bc2) / bc1 / (Math.sqrt(second) + eps);
                        double lower = finalLr * (1 - 1 / (gamma * t + 1));
                        double upper = finalLr * (1 + 1 / (gamma * t));
                        p[j] -= Math.min(Math.max(step, lower), upper) * m[j];
                    }
                    case "adamod" -> {
                        double eta = lr * Math.sqrt(bc2) / bc1 / (Math.sqrt(v[j]) + eps);
                        aux[j] = 0.999 * aux[j] + 0.001 * eta;
                        p[j] -= Math.min(eta, aux[j]) * m[j];
                    }
                    default -> throw new IllegalArgumentException(variant);
                }
            }
        };
    }

    @Test
    void amsgrad() {
        check(Optimizers.amsgrad(Schedule.constant(0.01), 0.9, 0.99, 1e-8), adamFamilyRef("amsgrad", 0.01, 0.9, 0.99, 1e-8, 0, 0));
    }

    @Test
    void radamUsesMomentumUntilTheVarianceIsTractableThenRectifies() {
        // with β2 = 0.999, ρ_t > 5 from step 6 on: the 8 steps cover both branches
        check(Optimizers.radam(Schedule.constant(0.01), 0.9, 0.999, 1e-8), adamFamilyRef("radam", 0.01, 0.9, 0.999, 1e-8, 0, 0));
    }

    @Test
    void adaboundAndAmsbound() {
        check(Optimizers.adabound(Schedule.constant(0.01), 0.9, 0.999, 1e-8, 0.1, 1e-3, false),
                adamFamilyRef("adabound", 0.01, 0.9, 0.999, 1e-8, 0.1, 1e-3));
        // γ = 0.5 makes the bounds tight enough to clip within 8 steps
        check(Optimizers.adabound(Schedule.constant(0.01), 0.9, 0.999, 1e-8, 0.02, 0.5, false),
                adamFamilyRef("adabound", 0.01, 0.9, 0.999, 1e-8, 0.02, 0.5));
        check(Optimizers.adabound(Schedule.constant(0.01), 0.9, 0.999, 1e-8, 0.02, 0.5, true),
                adamFamilyRef("amsbound", 0.01, 0.9, 0.999, 1e-8, 0.02, 0.5));
    }

    @Test
    void adamod() {
        check(Optimizers.adamod(Schedule.constant(0.01), 0.9, 0.999, 0.999, 1e-8), adamFamilyRef("adamod", 0.01, 0.9, 0.999, 1e-8, 0, 0));
    }

    /** Adafactor without first moment, relative step size; the 12-element parameter is the 3×4 matrix. */
    static Reference adafactorRef() {
        return (p, g, t, s) -> {
            double beta2 = 1 - Math.pow(t, -0.8);
            double relative = Math.min(1e-2, 1 / Math.sqrt(t));
            double[] u = new double[p.length];
            if (p.length == 12) {
                double[] row = s[0];
                double[] col = s[1];
                for (int i = 0; i < 3; i++) {
                    double mean = 0;
                    for (int j = 0; j < 4; j++) {
                        mean += (g[i * 4 + j] * g[i * 4 + j] + 1e-30) / 4;
                    }
                    row[i] = beta2 * row[i] + (1 - beta2) * mean;
                }
                for (int j = 0; j < 4; j++) {
                    double mean = 0;
                    for (int i = 0; i < 3; i++) {
                        mean += (g[i * 4 + j] * g[i * 4 + j] + 1e-30) / 3;
                    }
                    col[j] = beta2 * col[j] + (1 - beta2) * mean;
                }
                double meanRow = (row[0] + row[1] + row[2]) / 3;
                for (int i = 0; i < 3; i++) {
                    for (int j = 0; j < 4; j++) {
                        u[i * 4 + j] = g[i * 4 + j] / Math.sqrt(row[i] / meanRow) / Math.sqrt(col[j]);
                    }
                }
            } else {
                double[] v = s[0];
                for (int j = 0; j < p.length; j++) {
                    v[j] = beta2 * v[j] + (1 - beta2) * (g[j] * g[j] + 1e-30);
                    u[j] = g[j] / Math.sqrt(v[j]);
                }
            }
            double rms = 0;
            double rmsP = 0;
            for (int j = 0; j < p.length; j++) {
                rms += u[j] * u[j] / p.length;
                rmsP += p[j] * p[j] / p.length;
            }
            double clipDivisor = Math.max(1, Math.sqrt(rms) / 1.0);
            double scale = Math.max(1e-3, Math.sqrt(rmsP)) * relative;
            for (int j = 0; j < p.length; j++) {
                p[j] -= scale * u[j] / clipDivisor;
            }
        };
    }

    @Test
    void adafactorFactoredMomentsRelativeStepAndClipping() {
        check(Optimizers.adafactor(null), adafactorRef());
    }

    @Test
    void adafactorRelativeStepDecaysAsOneOverRootT() {
        // the relative step is min(1e-2, 1/√t): only after t = 10^4 does it decay, so resume from step 39,999
        double[] p = {0.5, -1.0, 0.25, 2.0};
        double[] g = {0.1, -0.3, 0.2, 0.05};
        List<Parameter> params = List.of(new Parameter("v", manager.create(f(p)), false));
        Optimizer opt = new Optimizer("adafactor", Optimizers.adafactor(null), params);
        StateDict state = opt.exportState();
        state.putCounter("count", 39_999);
        state.putCounter("0.count", 39_999);
        opt.importState(state);
        try (NDScope scope = new NDScope()) {
            opt.step(List.of(manager.create(f(g))));
        }
        double[] expected = p.clone();
        adafactorRef().step(expected, g, 40_000, new double[][] {new double[4], new double[4], new double[4], new double[4]});
        float[] got = params.get(0).array().toFloatArray();
        for (int j = 0; j < 4; j++) {
            assertThat((double) got[j]).isCloseTo(expected[j], org.assertj.core.data.Offset.offset(1e-6));
        }
        // and the step is half what a t ≤ 10^4 step of 1e-2 would be (1/√40000 = 0.005)
        assertThat(Math.abs(got[3] - p[3])).isLessThan(0.0051 * 2.0 + 1e-6);
    }

    static float[] f(double[] v) {
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) v[i];
        }
        return out;
    }

    @Test
    void globalNormClippingScalesAllGradientsTogether() {
        double[] a = {3, -4};          // |a| = 5
        double[] b = {12};             // total norm 13
        GradientTransform clip = AdaptiveTransforms.clipByGlobalNorm(6.5);
        List<Parameter> params = List.of(new Parameter("a", manager.create(new float[2]), true),
                new Parameter("b", manager.create(new float[1]), true));
        TransformState state = clip.init(params);
        List<NDArray> out = clip.update(List.of(manager.create(new float[] {3, -4}), manager.create(new float[] {12})), state, params);
        double factor = 6.5 / (13 + 1e-6);
        assertThat((double) out.get(0).toFloatArray()[1]).isCloseTo(a[1] * factor, org.assertj.core.data.Offset.offset(1e-6));
        assertThat((double) out.get(1).toFloatArray()[0]).isCloseTo(b[0] * factor, org.assertj.core.data.Offset.offset(1e-6));
        List<NDArray> small = clip.update(List.of(manager.create(new float[] {0.3f, 0.4f}), manager.create(new float[] {0f})), state, params);
        assertThat(small.get(0).toFloatArray()).containsExactly(0.3f, 0.4f); // under the bound: unchanged
    }

    @Test
    void adamwAndAdamL2Differ() {
        double[][] w = randomParams(11);
        double[][] l2 = randomParams(11);
        Reference decoupled = adamRef(t -> 0.01, 0.9, 0.999, 1e-8, 0.5, true);
        Reference coupled = adamRef(t -> 0.01, 0.9, 0.999, 1e-8, 0.5, false);
        double[][] s1 = {new double[12], new double[12]};
        double[][] s2 = {new double[12], new double[12]};
        SplittableRandom r = new SplittableRandom(3);
        for (int t = 1; t <= STEPS; t++) {
            double[] g = new double[12];
            for (int j = 0; j < 12; j++) {
                g[j] = r.nextDouble() - 0.5;
            }
            decoupled.step(w[0], g, t, s1);
            coupled.step(l2[0], g, t, s2);
        }
        double maxDiff = 0;
        for (int j = 0; j < 12; j++) {
            maxDiff = Math.max(maxDiff, Math.abs(w[0][j] - l2[0][j]));
        }
        // With adaptive scaling the coupled decay is normalised away; the decoupled one is not.
        assertThat(maxDiff).isGreaterThan(1e-3);
    }

    /** FAdam as we read Hwang (2024), Algorithm 1, written out independently on doubles. */
    static Reference fadamRef(double lr, double b1, double b2, double eps, double clip, double wd) {
        return (p, g, t, s) -> {
            double[] m = s[0];
            double[] fisher = s[1];
            double rho = b2 * (1 - Math.pow(b2, t - 1)) / (1 - Math.pow(b2, t));
            double[] natural = new double[p.length];
            double[] decay = new double[p.length];
            double natSq = 0;
            double decSq = 0;
            for (int j = 0; j < p.length; j++) {
                fisher[j] = rho * fisher[j] + (1 - rho) * g[j] * g[j];
                double den = Math.sqrt(fisher[j]) + eps;
                natural[j] = g[j] / den;
                decay[j] = p[j] / den;
                natSq += natural[j] * natural[j];
                decSq += decay[j] * decay[j];
            }
            double natScale = Math.max(1, Math.sqrt(natSq / p.length) / clip);
            double decScale = Math.max(1, Math.sqrt(decSq / p.length) / clip);
            for (int j = 0; j < p.length; j++) {
                m[j] = b1 * m[j] + (1 - b1) * natural[j] / natScale;
                p[j] -= lr * (m[j] + wd * decay[j] / decScale);
            }
        };
    }

    @Test
    void fadamWithAndWithoutClipping() {
        check(Optimizers.fadam(Schedule.constant(1e-2), 0.9, 0.999, 1e-8, 1, 0.1), fadamRef(1e-2, 0.9, 0.999, 1e-8, 1, 0.1));
        check(Optimizers.fadam(Schedule.constant(1e-2), 0.8, 0.99, 1e-8, 0.5, 0.1), fadamRef(1e-2, 0.8, 0.99, 1e-8, 0.5, 0.1));
    }

    @Test
    void sgldAtZeroTemperatureIsSgd() {
        check(NoisyTransforms.sgld(Schedule.constant(0.1), 0, 1), sgdRef(0.1, 0, false, 0));
    }
}
