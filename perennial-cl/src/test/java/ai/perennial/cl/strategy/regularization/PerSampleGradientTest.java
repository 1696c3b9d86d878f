package ai.perennial.cl.strategy.regularization;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.perennial.cl.strategy.ClassifierView;
import ai.perennial.core.data.Dataset;
import ai.perennial.core.data.FloatDataset;
import ai.perennial.core.data.HostDataset;
import ai.perennial.core.data.Synthetic;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.model.Mlp;
import ai.perennial.core.model.Model;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The MLP's batched per-sample gradient sums against one backward pass per sample (the same model seen through a view
 * that has no batched pass): Fisher and MAS importance, hidden layers, several heads, numeric targets.
 */
class PerSampleGradientTest {
    @BeforeAll
    static void engine() {
        Engines.pytorch();
    }

    /** The model with everything but its batched pass, so {@link Importance} runs one backward pass per sample. */
    static Model oneSampleAtATime(Model model) {
        return new ClassifierView(model) {
            @Override
            public NDArray forward(NDArray inputs, int[] tasks) {
                return model.forward(inputs, tasks);
            }

            @Override
            public String describe() {
                return model.describe();
            }
        };
    }

    /** Entry by entry within a relative 1e-4 of the largest entry of the tensor: only the order of float sums differs. */
    static void assertClose(List<NDArray> got, List<NDArray> expected) {
        assertThat(got).hasSameSizeAs(expected);
        for (int t = 0; t < got.size(); t++) {
            float[] g = got.get(t).toFloatArray();
            float[] e = expected.get(t).toFloatArray();
            assertThat(g).hasSameSizeAs(e);
            float scale = 0;
            for (float v : e) {
                scale = Math.max(scale, Math.abs(v));
            }
            for (int i = 0; i < g.length; i++) {
                assertThat(Math.abs(g[i] - e[i])).as("tensor %d entry %d: %s vs %s", t, i, g[i], e[i]).isLessThanOrEqualTo(1e-4f * scale);
            }
        }
    }

    @Test
    void fisherAndMasOfAnMlpWithHiddenLayersMatchOnePassPerSample() {
        Dataset data = Synthetic.gaussianClusters(300, 12, 4, 1.5, 3);
        try (NDManager m = NDManager.newBaseManager()) {
            Mlp model = new Mlp(m, 12, new int[] {9, 7}, 4, 1, 5);
            Model reference = oneSampleAtATime(model);
            List<NDArray> fisher = Importance.fisher(model, data, 200, 1, 7, m);
            assertClose(fisher, Importance.fisher(reference, data, 200, 1, 7, m));
            assertThat(fisher.get(0).sum().getFloat()).isPositive();
            assertClose(Importance.mas(model, data, 200, 7, m), Importance.mas(reference, data, 200, 7, m));
            for (NDArray p : model.parameters().stream().map(p -> p.array()).toList()) {
                assertThat(p.getGradient().abs().sum().getFloat()).as("parameter gradients untouched").isZero();
            }
        }
    }

    @Test
    void onlyTheSamplesOwnHeadGetsImportanceAndMixedTasksFallBack() {
        HostDataset data = Synthetic.gaussianClusters(120, 6, 3, 1.5, 4);
        try (NDManager m = NDManager.newBaseManager()) {
            Mlp model = new Mlp(m, 6, new int[] {5}, 3, 2, 8);
            Model reference = oneSampleAtATime(model);
            Dataset second = data.withTask(1);
            int[] some = {0, 1, 2};
            assertThat(model.perSampleGradientSums(second.inputs(m, some), second.tasks(some), z -> z.sum(), true))
                    .as("one task: one batched pass").isPresent();
            List<NDArray> fisher = Importance.fisher(model, second, 100, 1, 2, m);
            assertClose(fisher, Importance.fisher(reference, second, 100, 1, 2, m));
            assertThat(fisher.get(2).abs().sum().getFloat()).as("head 0 weight").isZero();
            assertThat(fisher.get(4).abs().sum().getFloat()).as("head 1 weight").isPositive();

            Dataset mixed = HostDataset.concat("mixed", List.of(data.select(new int[] {0, 1, 2}), second.select(new int[] {3, 4})));
            int[] all = {0, 1, 2, 3, 4};
            assertThat(model.perSampleGradientSums(mixed.inputs(m, all), mixed.tasks(all), z -> z.sum(), true)).isEmpty();
            assertClose(Importance.fisher(model, mixed, 5, 1, 2, m), Importance.fisher(reference, mixed, 5, 1, 2, m));
        }
    }

    @Test
    void fisherForNumericTargetsMatchesOnePassPerSample() {
        SplittableRandom random = new SplittableRandom(9);
        float[] x = new float[80 * 5];
        float[] y = new float[80];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        for (int i = 0; i < y.length; i++) {
            y[i] = x[i * 5] - 0.5f * x[i * 5 + 3] + (float) random.nextGaussian() * 0.1f;
        }
        FloatDataset data = FloatDataset.withTargets("regression", x, y, new Shape(5));
        try (NDManager m = NDManager.newBaseManager()) {
            Mlp model = new Mlp(m, 5, new int[] {6}, 1, 1, 3);
            assertClose(Importance.fisher(model, data, 80, 1, 4, m), Importance.fisher(oneSampleAtATime(model), data, 80, 1, 4, m));
        }
    }
}
