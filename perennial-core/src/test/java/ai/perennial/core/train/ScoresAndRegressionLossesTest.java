package ai.perennial.core.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.perennial.core.PerennialException;
import ai.perennial.core.data.FloatDataset;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.model.Mlp;
import ai.perennial.core.model.Model;
import ai.perennial.core.registry.Spec;
import org.junit.jupiter.api.Test;

/** Regression losses and every score against plain-Java double computations. */
class ScoresAndRegressionLossesTest {
    private static final float[] OUT = {0.5f, -1f, 3f, 2.25f, 10f, -0.2f};
    private static final float[] Y = {1f, -1f, 0f, 2f, 4f, 0.3f};

    @Test
    void mseAndHuberMatchHandComputation() {
        double mse = 0;
        double huber = 0;
        double delta = 1.5;
        for (int i = 0; i < Y.length; i++) {
            double r = OUT[i] - Y[i];
            mse += r * r;
            huber += Math.abs(r) <= delta ? r * r / 2 : delta * (Math.abs(r) - delta / 2);
        }
        try (NDManager m = manager()) {
            NDArray out = m.create(OUT, new Shape(Y.length, 1));
            NDArray y = m.create(Y);
            assertThat(Losses.meanSquaredError(out, y).getFloat()).isCloseTo((float) (mse / Y.length), offset(1e-5f));
            assertThat(Losses.huber(delta).apply(out, y).getFloat()).isCloseTo((float) (huber / Y.length), offset(1e-5f));
            assertThat(Spec.build(Losses.KIND, "huber:delta=1.5", "loss").apply(out, y).getFloat())
                    .isCloseTo((float) (huber / Y.length), offset(1e-5f));
        }
    }

    @Test
    void regressionScoresSummedOverBatchesMatchPlainJava() {
        double sse = 0;
        double sae = 0;
        double mean = 0;
        for (int i = 0; i < Y.length; i++) {
            sse += (OUT[i] - Y[i]) * (OUT[i] - Y[i]);
            sae += Math.abs(OUT[i] - Y[i]);
            mean += Y[i];
        }
        mean /= Y.length;
        double sst = 0;
        for (float y : Y) {
            sst += (y - mean) * (y - mean);
        }
        try (NDManager m = manager()) {
            assertThat(batched(m, Scores.R2.name())).isCloseTo(1 - sse / sst, offset(1e-9));
            assertThat(batched(m, Scores.RMSE.name())).isCloseTo(Math.sqrt(sse / Y.length), offset(1e-9));
            assertThat(batched(m, Scores.MAE.name())).isCloseTo(sae / Y.length, offset(1e-9));
        }
        assertThat(Scores.r2(0, 6, 12, 3)).isNaN(); // constant target: undefined, not measured
        assertThat(Scores.r2(1, 2, 4, 1)).isNaN(); // one sample
        assertThat(Scores.r2(1, 0, 0, 0)).isNaN();
    }

    /** The score over two batches (4 + 2 samples), as the evaluator and the online probe add them. */
    private static double batched(NDManager m, String name) {
        Scores.Score score = Spec.build(Scores.KIND, name, "score");
        NDArray first = score.sums(m.create(java.util.Arrays.copyOf(OUT, 4), new Shape(4, 1)), m.create(java.util.Arrays.copyOf(Y, 4)));
        NDArray second = score.sums(m.create(java.util.Arrays.copyOfRange(OUT, 4, 6), new Shape(2, 1)),
                m.create(java.util.Arrays.copyOfRange(Y, 4, 6)));
        return score.finish(first.add(second).toDoubleArray());
    }

    @Test
    void accuracyScoreCountsArgmaxHits() {
        try (NDManager m = manager()) {
            Scores.Score accuracy = Spec.build(Scores.KIND, Scores.ACCURACY.name(), "score");
            NDArray logits = m.create(new float[] {1, 2, 3, 0, 5, 4, 0, 0, 1}, new Shape(3, 3));
            NDArray labels = m.create(new long[] {2, 0, 1}).toType(DataType.INT64, false);
            assertThat(accuracy.finish(accuracy.sums(logits, labels).toDoubleArray())).isCloseTo(1.0 / 3, offset(1e-12));
            assertThat(accuracy.higherIsBetter()).isTrue();
            // summed over two batches: class 2 has 1 sample (right), class 0 two (one right), class 1 one (right)
            Scores.Score balanced = Spec.build(Scores.KIND, Scores.BALANCED_ACCURACY.name(), "score");
            NDArray first = balanced.sums(logits.get("0:2"), labels.get("0:2"));
            NDArray second = balanced.sums(m.create(new float[] {0, 5, 0, 9, 0, 0}, new Shape(2, 3)),
                    m.create(new long[] {1, 0}).toType(DataType.INT64, false));
            assertThat(balanced.finish(first.add(second).toDoubleArray())).isCloseTo((1 + 0.5 + 1) / 3.0, offset(1e-12));
            // a class absent from the evaluated set does not count: only class 0 (missed) and class 2 (right) here
            assertThat(balanced.finish(first.toDoubleArray())).isCloseTo(0.5, offset(1e-12));
            assertThat(Spec.build(Scores.KIND, Scores.RMSE.name(), "score").higherIsBetter()).isFalse();
        }
    }

    @Test
    void evaluatorScoresARegressionSetInBatches() {
        try (NDManager m = manager()) {
            int n = 37;
            float[] x = new float[n * 3];
            float[] y = new float[n];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < 3; j++) {
                    x[i * 3 + j] = (float) Math.sin(i * 3 + j);
                }
                y[i] = (float) Math.cos(i);
            }
            FloatDataset data = FloatDataset.withTargets("r", x, y, new Shape(3));
            Model model = new Mlp(m, 3, new int[] {4}, 1, 1, 7);
            float[] predicted = model.forward(data.inputs(m, range(n)), new int[n]).toFloatArray();
            double sse = 0;
            for (int i = 0; i < n; i++) {
                sse += (predicted[i] - y[i]) * (double) (predicted[i] - y[i]);
            }
            double rmse = Evaluator.score(model, data, Spec.build(Scores.KIND, Scores.RMSE.name(), "score"), 10, m);
            assertThat(rmse).isCloseTo(Math.sqrt(sse / n), offset(1e-6));
            assertThat(Evaluator.loss(model, data, Losses::meanSquaredError, 10, m)).isCloseTo(sse / n, offset(1e-5));
        }
    }

    @Test
    void defaultsFollowTheTargetsAndMismatchesAreRejected() {
        FloatDataset regression = FloatDataset.withTargets("r", new float[2], new float[] {1, 2}, new Shape(1));
        FloatDataset classes = new FloatDataset("c", new float[2], new int[] {0, 1}, new Shape(1), 2);
        assertThat(Losses.defaultFor(regression)).isEqualTo(Losses.MSE.name());
        assertThat(Losses.defaultFor(classes)).isEqualTo(Losses.CROSS_ENTROPY.name());
        assertThat(Scores.defaultFor(regression)).isEqualTo(Scores.R2.name());
        assertThat(Scores.defaultFor(classes)).isEqualTo(Scores.ACCURACY.name());
        assertThatThrownBy(() -> Spec.build(Losses.KIND, "huber:delta=0", "loss")).isInstanceOf(PerennialException.class)
                .hasMessageContaining("delta");
        assertThatThrownBy(() -> regression.withLabels(new int[] {0, 0}, 1)).hasMessageContaining("numeric targets");
    }

    private static int[] range(int n) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = i;
        }
        return out;
    }

    private static NDManager manager() {
        Engines.pytorch();
        return NDManager.newBaseManager();
    }
}
