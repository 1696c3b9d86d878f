package ai.perennial.core.lowrank;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.perennial.core.PerennialException;
import ai.perennial.core.data.Dataset;
import ai.perennial.core.data.Synthetic;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.model.Mlp;
import ai.perennial.core.model.Model;
import ai.perennial.core.model.Parameter;
import ai.perennial.core.model.Parameters;
import ai.perennial.core.model.SmallCnn;
import ai.perennial.core.optim.Optimizer;
import ai.perennial.core.optim.Optimizers;
import ai.perennial.core.schedule.Schedule;
import ai.perennial.core.state.StateDict;
import ai.perennial.core.train.Batch;
import ai.perennial.core.train.Losses;
import ai.perennial.core.train.ProgressListener;
import ai.perennial.core.train.Trainer;
import ai.perennial.core.train.TrainingContext;
import ai.perennial.core.train.TrainingHook;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * LoRA's arithmetic against plain-Java doubles, its frozen base (no gradient, no optimizer state), merge and unmerge, and
 * ReLoRA's restart: the base moves by exactly the merged update, B restarts at zero, the optimizer forgets, the learning
 * rate re-warms, and a run resumed across a restart ends bit for bit where an uninterrupted one ends.
 */
class LoraTest {
    static Dataset data;

    @BeforeAll
    static void setUp() {
        Engines.pytorch();
        data = Synthetic.gaussianClusters(400, 10, 4, 1.5, 3);
    }

    static Lora lora(Map<String, Object> settings) {
        return Lora.of(Lora.SETTINGS.parse(settings, "training.lora", "training"));
    }

    static float[] random(SplittableRandom r, int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) (2 * r.nextDouble() - 1);
        }
        return out;
    }

    /** Gives every B random values, so the adapters change the output. */
    static void randomB(LoraModel model, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        for (LoraModel.Adapter ad : model.adapters()) {
            Engines.overwrite(ad.b().array(), random(r, Math.toIntExact(ad.b().array().getShape().size())));
        }
    }

    static float[] forward(Model model, NDArray x) {
        return model.forward(x, new int[(int) x.getShape().get(0)]).toFloatArray();
    }

    @Test
    void forwardEqualsPlainJavaWithAdaptersOnEveryLayer() {
        try (NDManager m = NDManager.newBaseManager()) {
            LoraModel model = lora(Map.of("rank", 2, "alpha", 3, "layers", "all")).wrap(new Mlp(m, 5, new int[] {4}, 3, 1, 7), 11);
            randomB(model, 5);
            float[] x = random(new SplittableRandom(9), 6 * 5);
            float[] got = forward(model, m.create(x, new Shape(6, 5)));
            // W_eff = W0 + (3/2)·B·A per layer; ReLU after the hidden layer
            double[] hidden = layer(model, 0, x, 6, 5, true);
            double[] logits = layer(model, 1, toFloats(hidden), 6, 4, false);
            for (int i = 0; i < logits.length; i++) {
                assertThat((double) got[i]).as("logit %d", i).isCloseTo(logits[i], within(1e-5));
            }
        }
    }

    /** x·(W0 + s·B·A)ᵀ + b in doubles, for adapter {@code l} (its weight's bias is the base parameter after it). */
    private static double[] layer(LoraModel model, int l, float[] x, int batch, int in, boolean relu) {
        LoraModel.Adapter ad = model.adapters().get(l);
        float[] w = ad.weight().array().toFloatArray();
        float[] a = ad.a().array().toFloatArray();
        float[] b = ad.b().array().toFloatArray();
        List<Parameter> all = model.base().parameters();
        float[] bias = all.get(all.indexOf(ad.weight()) + 1).array().toFloatArray();
        int out = bias.length;
        int rank = (int) ad.a().array().getShape().get(0);
        double s = model.scale();
        double[] y = new double[batch * out];
        for (int n = 0; n < batch; n++) {
            for (int o = 0; o < out; o++) {
                double sum = bias[o];
                for (int i = 0; i < in; i++) {
                    double weight = w[o * in + i];
                    for (int k = 0; k < rank; k++) {
                        weight += s * b[o * rank + k] * a[k * in + i];
                    }
                    sum += weight * x[n * in + i];
                }
                y[n * out + o] = relu ? Math.max(0, sum) : sum;
            }
        }
        return y;
    }

    private static float[] toFloats(double[] v) {
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) v[i];
        }
        return out;
    }

    /** A convolution's adapter (A's r filters, then B as a 1×1 convolution) equals the convolution with W0 + s·B·A. */
    @Test
    void convolutionAdapterEqualsTheConvolutionWithTheMergedWeight() {
        try (NDManager m = NDManager.newBaseManager()) {
            Shape image = new Shape(1, 8, 8);
            LoraModel model = lora(Map.of("rank", 3, "alpha", 6)).wrap(new SmallCnn(m, image, 4, 1, 3), 4);
            randomB(model, 8);
            SmallCnn reference = new SmallCnn(m, image, 4, 1, 3);
            // the merged weights, summed in double on the host: W0 + 2·B·A reshaped to the kernel's (out, in, k, k)
            List<Parameter> from = model.base().parameters();
            for (LoraModel.Adapter ad : model.adapters()) {
                float[] w = ad.weight().array().toFloatArray();
                float[] a = ad.a().array().toFloatArray();
                float[] b = ad.b().array().toFloatArray();
                long rank = ad.a().array().getShape().get(0);
                long fanIn = ad.fanIn();
                for (int o = 0; o < w.length / fanIn; o++) {
                    for (int j = 0; j < fanIn; j++) {
                        double sum = w[(int) (o * fanIn + j)];
                        for (int k = 0; k < rank; k++) {
                            sum += model.scale() * b[(int) (o * rank + k)] * a[(int) (k * fanIn + j)];
                        }
                        w[(int) (o * fanIn + j)] = (float) sum;
                    }
                }
                Engines.overwrite(reference.parameters().get(from.indexOf(ad.weight())).array(), w);
            }
            assertThat(model.adapters()).extracting(LoraModel.Adapter::convolution).contains(true, false);
            NDArray x = m.create(random(new SplittableRandom(2), 5 * 64), new Shape(5, 1, 8, 8));
            float[] got = forward(model, x);
            float[] expected = forward(reference, x);
            for (int i = 0; i < got.length; i++) {
                assertThat(got[i]).as("logit %d", i).isCloseTo(expected[i], within(1e-4f));
            }
        }
    }

    @Test
    void zeroBAtTheStartLeavesTheBaseModelsOutput() {
        try (NDManager m = NDManager.newBaseManager()) {
            Mlp plain = new Mlp(m, 10, new int[] {16, 8}, 4, 1, 5);
            LoraModel model = lora(Map.of("rank", 4)).wrap(new Mlp(m, 10, new int[] {16, 8}, 4, 1, 5), 2);
            NDArray x = data.inputs(m, new int[] {0, 1, 2, 3, 4, 5, 6});
            float[] base = forward(plain, x);
            float[] adapted = forward(model, x);
            for (int i = 0; i < base.length; i++) {
                assertThat(adapted[i] == base[i]).as("logit %d: %s vs %s", i, adapted[i], base[i]).isTrue();
            }
            assertThat(model.adapters()).allSatisfy(ad -> assertThat(ad.b().array().toFloatArray()).containsOnly(0f));
        }
    }

    @Test
    void mergeThenUnmergeRestoresTheBaseBitForBit() {
        try (NDManager m = NDManager.newBaseManager()) {
            LoraModel model = lora(Map.of("rank", 3, "alpha", 5)).wrap(new Mlp(m, 10, new int[] {12}, 4, 1, 5), 2);
            randomB(model, 3);
            float[][] before = Parameters.values(model.frozen());
            NDArray x = data.inputs(m, new int[] {0, 1, 2, 3});
            float[] adapted = forward(model, x);
            model.merge();
            assertThat(model.merged()).isTrue();
            assertThat(Parameters.values(model.frozen())[0]).isNotEqualTo(before[0]);
            float[] merged = forward(model, x); // the folded weights alone
            for (int i = 0; i < merged.length; i++) {
                assertThat(merged[i]).isCloseTo(adapted[i], within(1e-5f));
            }
            model.unmerge();
            assertThat(model.merged()).isFalse();
            float[][] after = Parameters.values(model.frozen());
            for (int i = 0; i < before.length; i++) {
                assertThat(after[i]).as(model.frozen().get(i).name()).isEqualTo(before[i]);
            }
            float[] again = forward(model, x);
            for (int i = 0; i < again.length; i++) {
                assertThat(again[i] == adapted[i]).isTrue();
            }
        }
    }

    @Test
    void gradientsReachOnlyTheAdaptersAndTheHeadAndTheOptimizerKeepsNoStateForTheBase() {
        try (NDManager m = NDManager.newBaseManager()) {
            LoraModel model = lora(Map.of("rank", 2)).wrap(new Mlp(m, 10, new int[] {12}, 4, 1, 5), 2);
            randomB(model, 1);
            assertThat(model.parameters()).extracting(Parameter::name)
                    .containsExactly("layer0.lora_a", "layer0.lora_b", "head.weight", "head.bias");
            assertThat(model.frozen()).extracting(Parameter::name).containsExactly("layer0.weight", "layer0.bias");
            int[] idx = {0, 1, 2, 3, 4, 5, 6, 7};
            try (GradientCollector collector = Engines.newGradientCollector()) {
                NDArray logits = model.forward(data.inputs(m, idx), new int[idx.length]);
                collector.backward(Losses.crossEntropy(logits, data.labels(m, idx)));
            }
            for (Parameter p : model.parameters()) {
                assertThat(p.array().getGradient().abs().sum().getFloat()).as(p.name()).isPositive();
            }
            for (Parameter p : model.frozen()) {
                assertThat(p.array().hasGradient()).as(p.name()).isFalse();
            }
            Optimizer adam = new Optimizer("adam", Optimizers.adam(Schedule.constant(0.01), 0.9, 0.999, 1e-8), model.parameters());
            // two moments of four bytes per trainable entry, none for the 12×10 + 12 frozen ones
            assertThat(adam.exportState().tensorBytes()).isEqualTo(2 * 4 * model.parameterCount());
            assertThat(model.parameterCount()).isEqualTo(2 * 10 + 12 * 2 + 4 * 12 + 4);
        }
    }

    /** Records, at the step where ReLoRA restarts, the adapters and base just before the restart. */
    static final class BeforeRestart implements TrainingHook {
        final long step;
        float[][] trainable;
        float[][] frozen;

        BeforeRestart(long step) {
            this.step = step;
        }

        @Override
        public void afterUpdate(TrainingContext c, Batch batch) {
            if (c.globalStep() == step) {
                trainable = Parameters.values(c.model().parameters());
                frozen = Parameters.values(c.model().frozen());
            }
        }

        @Override
        public StateDict exportState() {
            return new StateDict();
        }
    }

    static Trainer reLoraTrainer(NDManager m, Map<String, Object> settings, List<TrainingHook> before) {
        Lora lora = lora(settings);
        LoraModel model = lora.wrap(new Mlp(m, 10, new int[] {12}, 4, 1, 5), 2);
        Optimizer opt = new Optimizer("adam", lora.optimizer(Optimizers.adam(Schedule.constant(0.01), 0.9, 0.999, 1e-8)),
                model.parameters());
        List<TrainingHook> hooks = new ArrayList<>(before);
        hooks.add(lora.training(model, 13));
        return new Trainer(model, opt, hooks, m);
    }

    @Test
    void aReLoraRestartMergesTheUpdateResetsBAndTheOptimizerAndReWarms() {
        try (NDManager m = NDManager.newBaseManager()) {
            BeforeRestart probe = new BeforeRestart(5);
            Trainer trainer = reLoraTrainer(m, Map.of("rank", 2, "alpha", 4, "restart_every", 5, "rewarm_steps", 2, "optimizer_reset", 1),
                    List.of(probe));
            LoraModel model = (LoraModel) trainer.context().model();
            List<float[][]> trainable = new ArrayList<>();
            List<float[][]> frozen = new ArrayList<>();
            List<StateDict> optimizer = new ArrayList<>();
            trainer.train(data, 0, new Trainer.Options(1, 16, 1, 100, 8), ProgressListener.NONE, t -> {
                trainable.add(Parameters.values(model.parameters()));
                frozen.add(Parameters.values(model.frozen()));
                optimizer.add(t.context().optimizer().exportState());
            });
            assertThat(frozen.get(3)[0]).as("the base is frozen between restarts").isEqualTo(frozen.get(0)[0]);
            // after step 5: W0 moved by exactly s·B·A of the adapters the step left (summed here in double)
            float[] a = probe.trainable[0];
            float[] b = probe.trainable[1];
            float[] w0 = probe.frozen[0];
            assertThat(w0).isEqualTo(frozen.get(3)[0]);
            float[] w1 = frozen.get(4)[0];
            double s = 4 / 2.0;
            for (int o = 0; o < 12; o++) {
                for (int i = 0; i < 10; i++) {
                    double expected = w0[o * 10 + i] + s * (b[o * 2] * a[i] + b[o * 2 + 1] * a[10 + i]);
                    assertThat((double) w1[o * 10 + i]).isCloseTo(expected, within(1e-6));
                }
            }
            float[][] afterRestart = trainable.get(4);
            assertThat(afterRestart[1]).as("B restarts at zero").containsOnly(0f);
            assertThat(afterRestart[0]).as("A drawn anew").isNotEqualTo(a);
            assertThat(afterRestart[2]).as("the head is not an adapter and keeps its values").isEqualTo(probe.trainable[2]);
            StateDict state = optimizer.get(4);
            assertThat(state.tensors()).isNotEmpty();
            for (String key : state.tensors().keySet()) {
                float[] values = state.floats(key);
                if (key.endsWith(".0") || key.endsWith(".1")) { // A and B's moments
                    assertThat(values).as(key).containsOnly(0f);
                } else {
                    assertThat(values).as(key + ": the head's moments stay").isNotEqualTo(new float[values.length]);
                }
            }
            // re-warm: the first update after the restart has rate 0, the next half the rate
            for (int i = 0; i < afterRestart.length; i++) { // B (which has a gradient now) and the head too
                assertThat(trainable.get(5)[i]).as("no move at rate 0: %s", model.parameters().get(i).name()).isEqualTo(afterRestart[i]);
            }
            assertThat(trainable.get(6)[1]).as("moving again").isNotEqualTo(trainable.get(5)[1]);
        }
    }

    @Test
    void aPartialOptimizerResetClearsTheSmallestEntriesInEveryMomentAlike() {
        try (NDManager m = NDManager.newBaseManager()) {
            StateDict[] beforeRestart = new StateDict[1];
            TrainingHook capture = new TrainingHook() { // runs before the restart, after step 6's update
                @Override
                public void afterUpdate(TrainingContext c, Batch batch) {
                    if (c.globalStep() == 6) {
                        beforeRestart[0] = c.optimizer().exportState();
                    }
                }

                @Override
                public StateDict exportState() {
                    return new StateDict();
                }
            };
            Trainer trainer = reLoraTrainer(m, Map.of("rank", 2, "restart_every", 6, "optimizer_reset", 0.75), List.of(capture));
            trainer.train(data, 0, new Trainer.Options(1, 16, 1, 100, 6), ProgressListener.NONE);
            StateDict after = trainer.context().optimizer().exportState();
            String mu = after.tensors().keySet().stream().filter(k -> k.endsWith("mu.0")).findFirst().orElseThrow();
            String nu = after.tensors().keySet().stream().filter(k -> k.endsWith("nu.0")).findFirst().orElseThrow();
            float[] m0 = beforeRestart[0].floats(mu); // A of layer0: 2 × 10 entries
            float[] v0 = beforeRestart[0].floats(nu);
            float[] sorted = new float[m0.length];
            for (int i = 0; i < m0.length; i++) {
                sorted[i] = Math.abs(m0[i]);
            }
            java.util.Arrays.sort(sorted);
            float smallestKept = sorted[15]; // three quarters of 20 cleared: the 5 largest |m| stay
            float[] m1 = after.floats(mu);
            float[] v1 = after.floats(nu);
            for (int i = 0; i < m0.length; i++) {
                boolean keep = Math.abs(m0[i]) >= smallestKept;
                assertThat(m1[i]).as("m[%d]", i).isEqualTo(keep ? m0[i] : 0f);
                assertThat(v1[i]).as("v[%d], cleared with m[%d]", i, i).isEqualTo(keep ? v0[i] : 0f);
            }
        }
    }

    @Test
    void aRunResumedAcrossARestartEndsBitForBitLikeOneThatNeverStopped() {
        Map<String, Object> settings = Map.of("rank", 2, "alpha", 4, "restart_every", 7);
        Trainer.Options options = new Trainer.Options(2, 32, 1, 5, -1);
        StateDict reference;
        try (NDManager m = NDManager.newBaseManager()) {
            Trainer t = reLoraTrainer(m, settings, List.of());
            t.train(data, 0, options, ProgressListener.NONE);
            reference = t.exportState();
        }
        StateDict saved;
        try (NDManager m = NDManager.newBaseManager()) {
            Trainer t = reLoraTrainer(m, settings, List.of());
            StateDict[] at = new StateDict[1];
            try {
                t.train(data, 0, options, ProgressListener.NONE, tr -> {
                    if (tr.context().globalStep() == 10) {
                        at[0] = tr.exportState();
                        throw new IllegalStateException("stop");
                    }
                });
            } catch (IllegalStateException expected) {
                // stopped after step 10: one restart behind it, the next ones ahead
            }
            saved = at[0];
        }
        assertThat(saved.counter("hooks.0.restarts")).isEqualTo(1);
        try (NDManager m = NDManager.newBaseManager()) {
            Trainer t = reLoraTrainer(m, settings, List.of());
            t.importState(saved, data);
            t.resume(data, options, ProgressListener.NONE, Trainer.StepListener.NONE);
            StateDict resumed = t.exportState();
            assertThat(resumed.counter("hooks.0.restarts")).isEqualTo(reference.counter("hooks.0.restarts")).isGreaterThan(2);
            assertThat(resumed).isEqualTo(reference);
        }
    }

    @Test
    void mergedStateTravelsThroughExportAndImport() {
        try (NDManager m = NDManager.newBaseManager()) {
            LoraModel model = lora(Map.of("rank", 2)).wrap(new Mlp(m, 10, new int[] {12}, 4, 1, 5), 2);
            randomB(model, 3);
            float[][] base = Parameters.values(model.frozen());
            model.merge();
            StateDict state = model.exportState();
            float[][] folded = Parameters.values(model.frozen());
            LoraModel copy = lora(Map.of("rank", 2)).wrap(new Mlp(m, 10, new int[] {12}, 4, 1, 5), 2);
            Parameters.overwrite(copy.frozen(), folded);
            copy.importState(state);
            assertThat(copy.merged()).isTrue();
            copy.unmerge();
            assertThat(Parameters.values(copy.frozen())[0]).isEqualTo(base[0]);
        }
    }

    @Test
    void badSettingsNameTheirKey() {
        assertThatThrownBy(() -> lora(Map.of("rank", 0))).isInstanceOf(PerennialException.class)
                .hasMessageStartingWith("training.lora.rank: must be >= 1");
        assertThatThrownBy(() -> lora(Map.of("rnk", 4))).hasMessageStartingWith("training.lora.rnk: unknown parameter of adapter lora");
        assertThatThrownBy(() -> lora(Map.of("rewarm_steps", 4))).hasMessageStartingWith("training.lora.rewarm_steps: only ReLoRA re-warms");
        assertThatThrownBy(() -> lora(Map.of("restart_every", 4, "rewarm_steps", 5)))
                .hasMessageStartingWith("training.lora.rewarm_steps: must be at most restart_every (4)");
        assertThatThrownBy(() -> lora(Map.of("alpha", -1))).hasMessageStartingWith("training.lora.alpha: must be > 0");
        assertThatThrownBy(() -> Lora.SETTINGS.parse(List.of(1), "training.lora", "training"))
                .hasMessageStartingWith("training.lora: expected a mapping such as {rank: 8}");
        assertThat(Lora.SETTINGS.parse("rank=4,restart_every=10", "training.lora", "training"))
                .containsEntry("rank", 4).containsEntry("restart_every", 10L).containsEntry("rewarm_steps", null);
    }
}
