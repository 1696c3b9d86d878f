package ai.perennial.core.precision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.perennial.core.data.Dataset;
import ai.perennial.core.data.Synthetic;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.model.LayerOps;
import ai.perennial.core.model.Mlp;
import ai.perennial.core.model.Model;
import ai.perennial.core.model.Parameter;
import ai.perennial.core.optim.Optimizer;
import ai.perennial.core.optim.Optimizers;
import ai.perennial.core.optim.Sam;
import ai.perennial.core.schedule.Schedule;
import ai.perennial.core.state.StateDict;
import ai.perennial.core.train.Evaluator;
import ai.perennial.core.train.ProgressListener;
import ai.perennial.core.train.Trainer;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Quantized layers against plain-Java references built from the host codecs ({@link BlockQuantizer}, {@link Ternary},
 * {@link Int8Absmax}, {@link LowPrecisionAccumulator}) and double sums: the forward GEMM, the backward and update GEMMs
 * with their stochastic draws, the straight-through gradients, and training end to end.
 */
class QuantizedTrainingTest {
    static final long SEED = 77;

    @BeforeAll
    static void engine() {
        Engines.pytorch();
    }

    static float[] random(SplittableRandom r, int n, double scale) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) (r.nextGaussian() * scale);
        }
        return out;
    }

    static Parameter leaf(NDManager m, String name, float[] values, Shape shape) {
        NDArray a = Engines.owned(m.create(values, shape));
        a.setRequiresGradient(true);
        return new Parameter(name, a, true);
    }

    /** {@code rows × cols} row-major, transposed. */
    static float[] transpose(float[] a, int rows, int cols) {
        float[] out = new float[a.length];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                out[j * rows + i] = a[i * cols + j];
            }
        }
        return out;
    }

    /** {@code a·bᵀ} in double for {@code a} ({@code rows × inner}) and {@code b} ({@code cols × inner}). */
    static double[] timesTransposed(float[] a, int rows, int inner, float[] b, int cols) {
        double[] out = new double[rows * cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                double s = 0;
                for (int k = 0; k < inner; k++) {
                    s += (double) a[i * inner + k] * b[j * inner + k];
                }
                out[i * cols + j] = s;
            }
        }
        return out;
    }

    static void assertClose(float[] actual, double[] expected, double tolerance, String what) {
        assertThat(actual).as(what).hasSize(expected.length);
        for (int i = 0; i < actual.length; i++) {
            assertThat((double) actual[i]).as(what + " [" + i + "]").isCloseTo(expected[i], within(tolerance));
        }
    }

    static FullyQuantizedTraining fqt(Model model, BlockFormat format, boolean stochastic) {
        return new FullyQuantizedTraining(model, "test", format, stochastic, SEED);
    }

    static float[] blocks(float[] x, int rows, int cols, BlockFormat f, Rounding r, long counter) {
        return BlockQuantizer.fakeQuantize(x, rows, cols, f, r, SEED, counter);
    }

    @Test
    void theForwardGemmTakesBothOperandsRoundedToNearestInBlocksAlongTheInputs() {
        for (BlockFormat format : BlockFormat.values()) {
            try (NDManager m = NDManager.newBaseManager()) {
                int batch = 24;
                int in = 40;
                int out = 12;
                SplittableRandom r = new SplittableRandom(3);
                float[] xs = random(r, batch * in, 1.0);
                float[] ws = random(r, out * in, 0.2);
                float[] bs = random(r, out, 0.1);
                FullyQuantizedTraining ops = fqt(new Mlp(m, in, new int[] {4}, out, 1, 1), format, true);
                NDArray x = Engines.owned(m.create(xs, new Shape(batch, in)));
                Parameter w = leaf(m, "w", ws, new Shape(out, in));
                Parameter b = leaf(m, "b", bs, new Shape(out));

                double[] expected = timesTransposed(blocks(xs, batch, in, format, Rounding.NEAREST_EVEN, 0), batch, in,
                        blocks(ws, out, in, format, Rounding.NEAREST_EVEN, 0), out);
                for (int i = 0; i < expected.length; i++) {
                    expected[i] += bs[i % out];
                }
                assertClose(ops.linear(x, w, b).toFloatArray(), expected, 1e-5, format + " forward (evaluation)");
                NDArray[] inStep = new NDArray[1];
                try (GradientCollector c = Engines.newGradientCollector()) {
                    ops.backward(c, () -> {
                        inStep[0] = ops.linear(x, w, b);
                        return inStep[0].sum();
                    });
                    assertClose(inStep[0].toFloatArray(), expected, 1e-5, format + " forward (training step)");
                }
            }
        }
    }

    @Test
    void theBackwardAndUpdateGemmsTakeTheGradientStochasticallyRoundedAlongTheirOwnReduction() {
        for (BlockFormat format : BlockFormat.values()) {
            try (NDManager m = NDManager.newBaseManager()) {
                int batch = 48;
                int in = 36;
                int out = 20;
                SplittableRandom r = new SplittableRandom(5);
                float[] xs = random(r, batch * in, 1.0);
                float[] ws = random(r, out * in, 0.2);
                float[] rs = random(r, batch * out, 0.01); // ∇Y: the loss is Σ Y ⊙ R
                FullyQuantizedTraining ops = fqt(new Mlp(m, in, new int[] {4}, out, 1, 1), format, true);
                Parameter x = leaf(m, "x", xs, new Shape(batch, in)); // an input that carries a gradient: ∇X is computed
                Parameter w = leaf(m, "w", ws, new Shape(out, in));
                Parameter b = leaf(m, "b", new float[out], new Shape(out));
                NDArray upstream = Engines.owned(m.create(rs, new Shape(batch, out)));
                try (GradientCollector c = Engines.newGradientCollector()) {
                    // plus a term on the weights directly (as an EWC penalty): its gradient W adds to the quantized one
                    ops.backward(c, () -> ops.linear(x.array().mul(1f), w, b).mul(upstream).sum()
                            .add(Engines.times(w.array().square().sum(), 0.5)));
                }
                // update GEMM, first draw (counter 0): Q_sr(∇Y; batch)ᵀ · Q_rtn(X; batch)
                float[] gByBatch = blocks(transpose(rs, batch, out), out, batch, format, Rounding.STOCHASTIC, 0); // (out, batch)
                float[] xByBatch = blocks(transpose(xs, batch, in), in, batch, format, Rounding.NEAREST_EVEN, 0); // (in, batch)
                double[] dw = timesTransposed(gByBatch, out, batch, xByBatch, in);
                for (int i = 0; i < dw.length; i++) {
                    dw[i] += ws[i];
                }
                // backward GEMM, second draw (counter 1): Q_sr(∇Y; out) · Q_rtn(W; out)
                float[] gByOut = blocks(rs, batch, out, format, Rounding.STOCHASTIC, 1); // (batch, out)
                float[] wByOut = blocks(transpose(ws, out, in), in, out, format, Rounding.NEAREST_EVEN, 0); // (in, out)
                double[] dx = timesTransposed(gByOut, batch, out, wByOut, in);
                double[] db = new double[out];
                for (int i = 0; i < batch; i++) {
                    for (int o = 0; o < out; o++) {
                        db[o] += rs[i * out + o];
                    }
                }
                assertClose(w.array().getGradient().toFloatArray(), dw, 1e-6, format + " ∇W");
                assertClose(x.array().getGradient().toFloatArray(), dx, 1e-6, format + " ∇X");
                assertClose(b.array().getGradient().toFloatArray(), db, 1e-6, format + " ∇b");
                assertThat(ops.exportState().counter("draws")).isEqualTo(2);
                // stochastic rounding moved values off the nearest grid point somewhere: the draws mattered
                float[] nearest = blocks(transpose(rs, batch, out), out, batch, format, Rounding.NEAREST_EVEN, 0);
                assertThat(nearest).isNotEqualTo(gByBatch);
            }
        }
    }

    /** Two layers: ∇X of the output layer travels through the ReLU into the hidden layer's output, then its own GEMMs. */
    @Test
    void theGradientTravelsLayerByLayerThroughTheActivations() {
        BlockFormat format = BlockFormat.NVFP4;
        try (NDManager m = NDManager.newBaseManager()) {
            int batch = 32;
            int in = 32;
            int hidden = 16;
            int out = 8;
            Mlp model = new Mlp(m, in, new int[] {hidden}, out, 1, 4);
            FullyQuantizedTraining ops = fqt(model, format, true);
            assertThat(model.layerOps()).isSameAs(ops);
            SplittableRandom r = new SplittableRandom(9);
            float[] xs = random(r, batch * in, 1.0);
            float[] rs = random(r, batch * out, 0.01);
            NDArray x = Engines.owned(m.create(xs, new Shape(batch, in)));
            NDArray upstream = Engines.owned(m.create(rs, new Shape(batch, out)));
            try (GradientCollector c = Engines.newGradientCollector()) {
                ops.backward(c, () -> model.forward(x, new int[batch]).mul(upstream).sum());
            }
            List<Parameter> p = model.parameters(); // w1, b1, w2, b2
            float[] w1 = p.get(0).array().toFloatArray();
            float[] b1 = p.get(1).array().toFloatArray();
            float[] w2 = p.get(2).array().toFloatArray();
            // host forward of the hidden layer, in float as the device holds it
            double[] pre = timesTransposed(blocks(xs, batch, in, format, Rounding.NEAREST_EVEN, 0), batch, in,
                    blocks(w1, hidden, in, format, Rounding.NEAREST_EVEN, 0), hidden);
            float[] h = new float[pre.length];
            for (int i = 0; i < pre.length; i++) {
                h[i] = (float) Math.max(0, pre[i] + b1[i % hidden]);
            }
            // layer i (in forward order) draws 2i (update GEMM) and 2i + 1 (backward GEMM): the output layer 2 and 3,
            // the hidden layer 0 (its 1 is not used: the data has no gradient)
            float[] gByOut = blocks(rs, batch, out, format, Rounding.STOCHASTIC, 3);
            double[] dh = timesTransposed(gByOut, batch, out, blocks(transpose(w2, out, hidden), hidden, out, format,
                    Rounding.NEAREST_EVEN, 0), hidden);
            float[] g1 = new float[dh.length];
            for (int i = 0; i < dh.length; i++) {
                g1[i] = h[i] > 0 ? (float) dh[i] : 0f;
            }
            float[] g1ByBatch = blocks(transpose(g1, batch, hidden), hidden, batch, format, Rounding.STOCHASTIC, 0);
            double[] dw1 = timesTransposed(g1ByBatch, hidden, batch, blocks(transpose(xs, batch, in), in, batch, format,
                    Rounding.NEAREST_EVEN, 0), in);
            double scale = 0;
            for (double v : dw1) {
                scale = Math.max(scale, Math.abs(v));
            }
            assertClose(p.get(0).array().getGradient().toFloatArray(), dw1, 1e-4 * scale, "hidden layer ∇W");
            assertThat(ops.exportState().counter("draws")).isEqualTo(4);
        }
    }

    @Test
    void ternaryLayersComputeWithTernaryWeightsAndInt8InputsAndPassGradientsStraightThrough() {
        for (Ternary.Scale scale : Ternary.Scale.values()) {
            try (NDManager m = NDManager.newBaseManager()) {
                int batch = 16;
                int in = 30;
                int out = 10;
                SplittableRandom r = new SplittableRandom(11);
                float[] xs = random(r, batch * in, 1.0);
                float[] ws = random(r, out * in, 0.3);
                float[] rs = random(r, batch * out, 1.0);
                TernaryTraining ops = new TernaryTraining(new Mlp(m, in, new int[] {4}, out, 1, 1), "test",
                        scale == Ternary.Scale.ABSMEDIAN);
                Parameter x = leaf(m, "x", xs, new Shape(batch, in));
                Parameter w = leaf(m, "w", ws, new Shape(out, in));
                NDArray upstream = Engines.owned(m.create(rs, new Shape(batch, out)));
                NDArray[] y = new NDArray[1];
                try (GradientCollector c = Engines.newGradientCollector()) {
                    ops.backward(c, () -> {
                        y[0] = ops.linear(x.array().mul(1f), w, null);
                        return y[0].mul(upstream).sum();
                    });
                }
                float[] qx = Int8Absmax.fakeQuantize(xs, batch, in, Int8Absmax.Granularity.ROW);
                float[] qw = Ternary.quantize(ws, scale);
                assertThat(java.util.stream.IntStream.range(0, qw.length).mapToDouble(i -> qw[i] + 0.0).distinct().count()).isLessThanOrEqualTo(3);
                double gamma = Ternary.scale(ws, scale);
                double[] forward = timesTransposed(qx, batch, in, qw, out);
                assertClose(y[0].toFloatArray(), forward, 1e-5 * gamma * in, scale + " forward");
                // straight through: ∂L/∂W = ∂L/∂Q(W) = Rᵀ·Q(X), ∂L/∂X = R·Q(W) (identity through both quantizers)
                double[] dw = timesTransposed(transpose(rs, batch, out), out, batch, transpose(qx, batch, in), in);
                double[] dx = timesTransposed(rs, batch, out, transpose(qw, out, in), in);
                assertClose(w.array().getGradient().toFloatArray(), dw, 1e-4, scale + " ∇W");
                assertClose(x.array().getGradient().toFloatArray(), dx, 1e-5 * gamma * out, scale + " ∇X");
            }
        }
    }

    @Test
    void aNarrowAccumulatorSumsTheForwardAndTheGradientIsTheFp32One() {
        try (NDManager m = NDManager.newBaseManager()) {
            int batch = 8;
            int in = 50;
            int out = 6;
            SplittableRandom r = new SplittableRandom(13);
            float[] xs = random(r, batch * in, 1.0);
            float[] ws = random(r, out * in, 0.2);
            float[] bs = random(r, out, 0.1);
            float[] rs = random(r, batch * out, 1.0);
            AccumulatorTraining ops = new AccumulatorTraining(new Mlp(m, in, new int[] {4}, out, 1, 1), "test", 4, 7, true, SEED);
            Parameter x = leaf(m, "x", xs, new Shape(batch, in));
            Parameter w = leaf(m, "w", ws, new Shape(out, in));
            Parameter b = leaf(m, "b", bs, new Shape(out));
            NDArray upstream = Engines.owned(m.create(rs, new Shape(batch, out)));
            NDArray[] y = new NDArray[1];
            try (GradientCollector c = Engines.newGradientCollector()) {
                ops.backward(c, () -> {
                    y[0] = ops.linear(x.array().mul(1f), w, b);
                    return y[0].mul(upstream).sum();
                });
            }
            float[] sums = new LowPrecisionAccumulator(4, 7, Rounding.STOCHASTIC).matmulTransposed(xs, batch, in, ws, out, SEED, 0);
            float[] expected = new float[sums.length];
            for (int i = 0; i < sums.length; i++) {
                expected[i] = sums[i] + bs[i % out];
            }
            assertThat(y[0].toFloatArray()).isEqualTo(expected);
            double[] exact = timesTransposed(xs, batch, in, ws, out);
            double worst = 0;
            for (int i = 0; i < exact.length; i++) {
                worst = Math.max(worst, Math.abs(sums[i] - exact[i]));
            }
            assertThat(worst).as("a 12-bit accumulator is visibly coarse").isGreaterThan(1e-3);
            assertClose(w.array().getGradient().toFloatArray(), timesTransposed(transpose(rs, batch, out), out, batch,
                    transpose(xs, batch, in), in), 1e-4, "∇W (FP32)");
            assertClose(x.array().getGradient().toFloatArray(), timesTransposed(rs, batch, out, transpose(ws, out, in), in), 1e-5,
                    "∇X (FP32)");
            assertThat(ops.exportState().counter("draws")).isEqualTo(1);
        }
    }

    @Test
    void fp32LeavesTheLayersAsTheyAre() {
        try (NDManager m = NDManager.newBaseManager()) {
            Mlp model = new Mlp(m, 8, new int[] {4}, 3, 1, 1);
            assertThat(Precision.parse(Precision.FP32.name()).attach(model, 1)).isNull();
            assertThat(model.layerOps()).isSameAs(LayerOps.PLAIN);
        }
    }

    /** Every precision trains a small MLP to well above chance through the real loop, with an optimizer wrapper (SAM). */
    @Test
    void everyPrecisionTrainsEndToEnd() {
        Dataset all = Synthetic.gaussianClusters(1200, 16, 4, 1.0, 3);
        Dataset train = all.select(java.util.stream.IntStream.range(0, 1000).toArray());
        Dataset test = all.select(java.util.stream.IntStream.range(1000, 1200).toArray());
        for (String spec : List.of(FullyQuantizedTraining.NVFP4.name(), FullyQuantizedTraining.MXFP4.name() + ":gradients=nearest",
                TernaryTraining.TERNARY.name() + ":scale=absmedian", AccumulatorTraining.ACCUMULATOR.name())) {
            try (NDManager m = NDManager.newBaseManager()) {
                Mlp model = new Mlp(m, 16, new int[] {32}, 4, 1, 1);
                QuantizedLayers layers = Precision.parse(spec).attach(model, 5);
                Optimizer opt = new Optimizer("sam", Sam.wrap(0.05, Optimizers.adamw(Schedule.constant(0.01), 0.9, 0.999, 1e-8, 0,
                        Optimizers.ALL)), model.parameters());
                Trainer t = new Trainer(model, opt, List.of(layers), m);
                t.train(train, 0, Trainer.Options.of(3, 32, 5), ProgressListener.NONE);
                assertThat(Evaluator.accuracy(model, test, 64, m)).as(spec).isGreaterThan(0.8);
                if (layers instanceof FullyQuantizedTraining) {
                    List<Map<String, Object>> d = layers.diagnostics();
                    assertThat(d).as(spec).hasSize(1);
                    assertThat(d.get(0).get("steps")).isEqualTo(96L); // once per step, not per pass (SAM takes two)
                    assertThat((Double) d.get(0).get("mean_gradient_norm")).isPositive();
                    assertThat((Double) d.get(0).get("mean_noise_norm")).isPositive();
                }
            }
        }
    }

    @Test
    void theNoiseMonitorCountsStepsBelowTheThresholdOnTheDevice() {
        try (NDManager m = NDManager.newBaseManager()) {
            GradientNoiseMonitor monitor = new GradientNoiseMonitor();
            monitor.start(m);
            NDArray g = m.create(new float[] {3, 4});  // ‖g‖ = 5
            // noise 2: 5 ≥ √3·2 = 3.46, above; noise 3: 5 < 5.20, below
            for (float[] q : new float[][] {{3, 6}, {3, 7}, {3, 4}, {3, 7}}) {
                monitor.add(g, m.create(q));
                monitor.endStep(10 + (long) q[1]);
            }
            StateDict saved = monitor.exportState();
            monitor.finish(0);
            Map<String, Object> r = monitor.reports().get(0);
            assertThat(r.get("steps")).isEqualTo(4L);
            assertThat(r.get("steps_below_threshold")).isEqualTo(2L);
            assertThat(r.get("first_step_below_threshold")).isEqualTo(17L);
            assertThat((Double) r.get("mean_gradient_norm")).isCloseTo(5.0, within(1e-6));
            assertThat((Double) r.get("mean_noise_norm")).isCloseTo((2 + 3 + 0 + 3) / 4.0, within(1e-6));
            GradientNoiseMonitor restored = new GradientNoiseMonitor();
            restored.importState(saved, m);
            restored.finish(0);
            assertThat(restored.reports()).isEqualTo(monitor.reports());
        }
    }
}
