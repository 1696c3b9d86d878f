package ai.perennial.cl.strategy.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.perennial.cl.strategy.Strategy;
import ai.perennial.core.data.FloatDataset;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.model.Mlp;
import ai.perennial.core.model.Model;
import ai.perennial.core.model.Parameter;
import ai.perennial.core.optim.GradientTransform;
import ai.perennial.core.optim.Optimizer;
import ai.perennial.core.optim.Optimizers;
import ai.perennial.core.optim.Sam;
import ai.perennial.core.schedule.Schedule;
import ai.perennial.core.train.Batch;
import ai.perennial.core.train.ProgressListener;
import ai.perennial.core.train.Trainer;
import ai.perennial.core.train.TrainingContext;
import ai.perennial.core.train.TrainingHook;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * DER, DER++ and ER-ACE through the real training loop, against plain-Java gradients. A linear softmax model
 * (logits = W x + b) trains on one full batch per step with plain SGD: the first step fills the memory (every sample,
 * with its logits), the second step's update must equal −η times the gradient of the method's loss computed by hand.
 */
class ReplayMathTest {
    static final int N = 6;
    static final int D = 3;
    static final int C = 4;   // outputs; the data uses classes 0 and 1 only, so ER-ACE's mask matters
    static final float ETA = 0.1f;
    static final float[] X = {0.5f, -1f, 2f, 1.5f, 0.2f, -0.7f, -1.2f, 0.8f, 0.3f, 0.9f, 1.1f, -0.4f, -0.6f, -0.9f, 1.7f, 0.1f, 0.4f,
        -1.5f};
    static final int[] Y = {0, 1, 1, 0, 1, 0};

    @BeforeAll
    static void engine() {
        Engines.pytorch();
    }

    /** Weights after the start and after every update: [W (C·D), b (C)] each. */
    static List<float[][]> train(Strategy strategy, GradientTransform optimizer, int epochs) {
        FloatDataset data = new FloatDataset("d", X.clone(), Y.clone(), new Shape(D), C);
        List<float[][]> weights = new ArrayList<>();
        try (NDManager m = NDManager.newBaseManager()) {
            Model model = new Mlp(m, D, new int[0], C, 1, 7);
            weights.add(snapshot(model));
            TrainingHook recorder = new TrainingHook() {
                @Override
                public void afterUpdate(TrainingContext c, Batch batch) {
                    weights.add(snapshot(model));
                }
            };
            Trainer trainer = new Trainer(model, new Optimizer("sgd", optimizer, model.parameters()), List.of(strategy, recorder), m);
            trainer.train(data, 0, new Trainer.Options(epochs, N, 3, 1, -1), ProgressListener.NONE);
        }
        return weights;
    }

    static float[][] snapshot(Model model) {
        List<Parameter> p = model.parameters();
        return new float[][] {p.get(0).array().toFloatArray(), p.get(1).array().toFloatArray()};
    }

    static GradientTransform sgd() {
        return Optimizers.sgd(Schedule.constant(ETA), 0, false, 0);
    }

    static double[] logits(float[][] w, int i) {
        double[] z = new double[C];
        for (int c = 0; c < C; c++) {
            z[c] = w[1][c];
            for (int j = 0; j < D; j++) {
                z[c] += w[0][c * D + j] * X[i * D + j];
            }
        }
        return z;
    }

    /** ∂/∂z of the mean cross-entropy over N samples, softmax restricted to {@code classes} (null: all). */
    static double[] crossEntropyGrad(double[] z, int label, boolean[] classes) {
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < C; c++) {
            if (classes == null || classes[c]) {
                max = Math.max(max, z[c]);
            }
        }
        double sum = 0;
        double[] p = new double[C];
        for (int c = 0; c < C; c++) {
            p[c] = classes == null || classes[c] ? Math.exp(z[c] - max) : 0;
            sum += p[c];
        }
        for (int c = 0; c < C; c++) {
            p[c] = (p[c] / sum - (c == label ? 1 : 0)) / N;
        }
        return p;
    }

    /** The SGD step from {@code w} with per-sample logit gradients {@code dz[i]}. */
    static float[][] step(float[][] w, double[][] dz) {
        float[][] out = {w[0].clone(), w[1].clone()};
        for (int c = 0; c < C; c++) {
            double gb = 0;
            for (int i = 0; i < N; i++) {
                gb += dz[i][c];
            }
            out[1][c] -= (float) (ETA * gb);
            for (int j = 0; j < D; j++) {
                double gw = 0;
                for (int i = 0; i < N; i++) {
                    gw += dz[i][c] * X[i * D + j];
                }
                out[0][c * D + j] -= (float) (ETA * gw);
            }
        }
        return out;
    }

    static void assertClose(float[][] actual, float[][] expected) {
        for (int k = 0; k < 2; k++) {
            for (int i = 0; i < expected[k].length; i++) {
                assertThat((double) actual[k][i]).as("parameter %d[%d]", k, i).isCloseTo(expected[k][i], offset(1e-5));
            }
        }
    }

    /** DER (β = 0) and DER++: CE(batch) + α·mean((f(x) − z)²) over the memory + β·CE(memory), z the logits when stored. */
    @Test
    void darkExperienceReplayStepEqualsItsPlainJavaGradient() {
        for (double beta : new double[] {0, 0.7}) {
            double alpha = 0.4;
            List<float[][]> w = train(new DarkExperienceReplay(N, alpha, beta, 0, 5), sgd(), 2);
            double[][] dz = new double[N][];
            for (int i = 0; i < N; i++) {
                double[] z = logits(w.get(1), i);
                double[] stored = logits(w.get(0), i);
                dz[i] = crossEntropyGrad(z, Y[i], null);
                double[] replayCe = crossEntropyGrad(z, Y[i], null);
                for (int c = 0; c < C; c++) {
                    dz[i][c] += alpha * 2 * (z[c] - stored[c]) / (N * C) + beta * replayCe[c];
                }
            }
            assertClose(w.get(2), step(w.get(1), dz));
            // the first step had an empty memory: plain cross-entropy
            double[][] first = new double[N][];
            for (int i = 0; i < N; i++) {
                first[i] = crossEntropyGrad(logits(w.get(0), i), Y[i], null);
            }
            assertClose(w.get(1), step(w.get(0), first));
        }
    }

    /** ER-ACE: the incoming batch's cross-entropy over the classes present in it, plus the full cross-entropy on the memory. */
    @Test
    void erAceStepEqualsItsPlainJavaGradient() {
        List<float[][]> w = train(new ErAce(N, 0, 5), sgd(), 2);
        boolean[] present = {true, true, false, false};
        double[][] dz = new double[N][];
        for (int i = 0; i < N; i++) {
            double[] z = logits(w.get(1), i);
            double[] masked = crossEntropyGrad(z, Y[i], present);
            double[] replay = crossEntropyGrad(z, Y[i], null);
            dz[i] = new double[C];
            for (int c = 0; c < C; c++) {
                dz[i][c] = masked[c] + replay[c];
            }
        }
        assertClose(w.get(2), step(w.get(1), dz));
    }

    /** With SAM the loss is evaluated again at perturbed weights; DER++ must still store the logits of the step's own weights. */
    @Test
    void derppUnderSamStoresTheLogitsOfTheUnperturbedWeights() {
        DarkExperienceReplay derpp = new DarkExperienceReplay(N, 0.1, 0.5, 0, 5);
        List<float[][]> w = train(derpp, Sam.wrap(0.5, sgd()), 1);
        int[] slots = new int[N];
        for (int s = 0; s < N; s++) {
            slots[s] = s;
        }
        float[] stored = derpp.buffer().logits(slots);
        // which sample sits in which slot follows the shuffle; match each slot to a sample by its stored row
        float[] expected = new float[N * C];
        for (int s = 0; s < N; s++) {
            int sample = -1;
            for (int i = 0; i < N && sample < 0; i++) {
                double[] z = logits(w.get(0), i);
                boolean same = true;
                for (int c = 0; c < C; c++) {
                    same &= Math.abs(z[c] - stored[s * C + c]) < 1e-5;
                }
                sample = same ? i : -1;
            }
            assertThat(sample).as("slot %d holds the logits of some sample at the step's own weights", s).isNotNegative();
            double[] z = logits(w.get(0), sample);
            for (int c = 0; c < C; c++) {
                expected[s * C + c] = (float) z[c];
            }
        }
        assertThat(stored).containsExactly(expected, org.assertj.core.data.Offset.offset(1e-5f));
        assertThat(w.get(1)[0]).isNotEqualTo(w.get(0)[0]); // SAM did step
    }
}
