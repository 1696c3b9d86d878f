package ai.perennial.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.registry.Registry;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** BatchNorm2d against a plain-Java reference, and the ResNet-18 built from it: shapes, sizes, heads, frozen copies. */
class ResNetTest {
    private static final int N = 3;
    private static final int C = 2;
    private static final int H = 2;
    private static final int W = 3;

    @BeforeAll
    static void engine() {
        Engines.pytorch();
    }

    static float[] random(int n, long seed, double scale, double shift) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) (shift + scale * (2 * r.nextDouble() - 1));
        }
        return out;
    }

    /** Per channel: {mean, biased variance, unbiased variance} of (N, C, H, W) values, in double. */
    static double[][] channelStatistics(float[] x, int n, int c, int plane) {
        double[][] out = new double[c][3];
        for (int ch = 0; ch < c; ch++) {
            double sum = 0;
            for (int i = 0; i < n; i++) {
                for (int p = 0; p < plane; p++) {
                    sum += x[(i * c + ch) * plane + p];
                }
            }
            int count = n * plane;
            double mean = sum / count;
            double squares = 0;
            for (int i = 0; i < n; i++) {
                for (int p = 0; p < plane; p++) {
                    double d = x[(i * c + ch) * plane + p] - mean;
                    squares += d * d;
                }
            }
            out[ch] = new double[] {mean, squares / count, squares / (count - 1)};
        }
        return out;
    }

    /** γ·(x − mean)/√(var + ε) + β with the given per-channel mean and variance. */
    static double[] normalized(float[] x, double[] mean, double[] var, float[] gamma, float[] beta, int c, int plane) {
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            int ch = (i / plane) % c;
            out[i] = gamma[ch] * (x[i] - mean[ch]) / Math.sqrt(var[ch] + 1e-5) + beta[ch];
        }
        return out;
    }

    static void assertClose(float[] actual, double[] expected, double tolerance) {
        assertThat(actual).hasSize(expected.length);
        for (int i = 0; i < expected.length; i++) {
            assertThat((double) actual[i]).as("entry %d", i).isCloseTo(expected[i], offset(tolerance));
        }
    }

    static BatchNorm2d norm(NDManager m, float[] gamma, float[] beta) {
        BatchNorm2d bn = new BatchNorm2d(new Initializer(m, 1), "bn", C);
        Engines.overwrite(bn.parameters().get(0).array(), gamma);
        Engines.overwrite(bn.parameters().get(1).array(), beta);
        return bn;
    }

    @Test
    void batchNormTrainEvalAndRunningStatisticsMatchPlainJava() {
        float[] gamma = {1.5f, -0.5f};
        float[] beta = {0.25f, 2f};
        try (NDManager m = NDManager.newBaseManager()) {
            BatchNorm2d bn = norm(m, gamma, beta);
            assertThat(bn.buffers()).extracting(Parameter::name).containsExactly("bn.running_mean", "bn.running_var");
            double[] runningMean = {0, 0};
            double[] runningVar = {1, 1};
            for (int step = 0; step < 3; step++) {
                float[] x = random(N * C * H * W, 10 + step, 2, step);
                double[][] s = channelStatistics(x, N, C, H * W);
                float[] y = bn.forward(m.create(x, new Shape(N, C, H, W)), Model.Mode.TRAIN).toFloatArray();
                assertClose(y, normalized(x, new double[] {s[0][0], s[1][0]}, new double[] {s[0][1], s[1][1]}, gamma, beta, C, H * W), 1e-5);
                for (int ch = 0; ch < C; ch++) { // PyTorch's update: momentum 0.1, unbiased variance
                    runningMean[ch] = 0.9 * runningMean[ch] + 0.1 * s[ch][0];
                    runningVar[ch] = 0.9 * runningVar[ch] + 0.1 * s[ch][2];
                }
                assertClose(bn.buffers().get(0).array().toFloatArray(), runningMean, 1e-6);
                assertClose(bn.buffers().get(1).array().toFloatArray(), runningVar, 1e-5);
            }
            float[] x = random(N * C * H * W, 99, 3, 1);
            float[] y = bn.forward(m.create(x, new Shape(N, C, H, W)), Model.Mode.EVAL).toFloatArray();
            assertClose(y, normalized(x, runningMean, runningVar, gamma, beta, C, H * W), 1e-5);
            // evaluation changes nothing
            assertClose(bn.buffers().get(0).array().toFloatArray(), runningMean, 1e-6);
            assertClose(bn.buffers().get(1).array().toFloatArray(), runningVar, 1e-5);
        }
    }

    @Test
    void frozenModeNormalizesByTheBatchAndAccumulatingModeAveragesBatchesEqually() {
        try (NDManager m = NDManager.newBaseManager()) {
            BatchNorm2d bn = norm(m, new float[] {1, 1}, new float[] {0, 0});
            bn.forward(m.create(random(N * C * H * W, 1, 1, 0), new Shape(N, C, H, W)), Model.Mode.TRAIN);
            float[] mean = bn.buffers().get(0).array().toFloatArray();
            float[] var = bn.buffers().get(1).array().toFloatArray();
            float[] x = random(N * C * H * W, 2, 1, 3);
            float[] frozen = bn.forward(m.create(x, new Shape(N, C, H, W)), Model.Mode.TRAIN_FROZEN).toFloatArray();
            assertThat(bn.buffers().get(0).array().toFloatArray()).containsExactly(mean);
            assertThat(bn.buffers().get(1).array().toFloatArray()).containsExactly(var);
            double[][] s = channelStatistics(x, N, C, H * W);
            assertClose(frozen, normalized(x, new double[] {s[0][0], s[1][0]}, new double[] {s[0][1], s[1][1]}, new float[] {1, 1},
                    new float[] {0, 0}, C, H * W), 1e-5);

            double[] meanOfMeans = new double[C];
            double[] meanOfVars = new double[C];
            int batches = 4;
            for (int k = 1; k <= batches; k++) {
                float[] b = random(N * C * H * W, 20 + k, k, -k);
                bn.forward(m.create(b, new Shape(N, C, H, W)), Model.Mode.accumulating(k));
                double[][] bs = channelStatistics(b, N, C, H * W);
                for (int ch = 0; ch < C; ch++) {
                    meanOfMeans[ch] += bs[ch][0] / batches;
                    meanOfVars[ch] += bs[ch][2] / batches;
                }
            }
            assertClose(bn.buffers().get(0).array().toFloatArray(), meanOfMeans, 1e-5);
            assertClose(bn.buffers().get(1).array().toFloatArray(), meanOfVars, 1e-4);
        }
    }

    @Test
    void gradientsReachScaleAndShift() {
        float[] gamma = {2f, 0.5f};
        try (NDManager m = NDManager.newBaseManager()) {
            BatchNorm2d bn = norm(m, gamma, new float[] {0.1f, -0.1f});
            float[] x = random(N * C * H * W, 5, 1, 0.5);
            float[] weights = random(N * C * H * W, 6, 1, 0);
            try (GradientCollector collector = Engines.newGradientCollector()) {
                NDArray y = bn.forward(m.create(x, new Shape(N, C, H, W)), Model.Mode.TRAIN);
                collector.backward(y.mul(m.create(weights, y.getShape())).sum());
            }
            // L = Σ w·y: dL/dβ_c = Σ w over the channel, dL/dγ_c = Σ w·x̂ with x̂ the batch-normalized input
            double[][] s = channelStatistics(x, N, C, H * W);
            double[] xhat = normalized(x, new double[] {s[0][0], s[1][0]}, new double[] {s[0][1], s[1][1]}, new float[] {1, 1},
                    new float[] {0, 0}, C, H * W);
            double[] dGamma = new double[C];
            double[] dBeta = new double[C];
            for (int i = 0; i < x.length; i++) {
                int ch = (i / (H * W)) % C;
                dBeta[ch] += weights[i];
                dGamma[ch] += weights[i] * xhat[i];
            }
            assertClose(bn.parameters().get(0).array().getGradient().toFloatArray(), dGamma, 1e-4);
            assertClose(bn.parameters().get(1).array().getGradient().toFloatArray(), dBeta, 1e-4);
        }
    }

    /** Hand-derived size of the CIFAR ResNet-18 at width w for 3 input channels and k classes (see docs/backbones.md). */
    static long resnet18Size(long w, long k) {
        return 2724 * w * w + 177 * w + 8 * w * k + k;
    }

    @Test
    void parameterCountsAreThePublishedOnes() {
        assertThat(resnet18Size(64, 10)).isEqualTo(11_173_962L); // torchvision-style CIFAR ResNet-18
        assertThat(resnet18Size(20, 10)).isEqualTo(1_094_750L);  // the reduced ResNet-18 of GEM / ER / DER ("1.1M")
        try (NDManager m = NDManager.newBaseManager()) {
            ResNet standard = new ResNet(m, new Shape(3, 32, 32), 64, 10, 1, 1);
            assertThat(standard.parameterCount()).isEqualTo(resnet18Size(64, 10));
            ResNet reduced = new ResNet(m, new Shape(3, 32, 32), 20, 10, 1, 1);
            assertThat(reduced.parameterCount()).isEqualTo(resnet18Size(20, 10));
            // 20 batch norms (stem, 16 in blocks, 3 shortcuts), each with a running mean and variance
            assertThat(reduced.buffers()).hasSize(40);
            assertThat(reduced.buffers().stream().mapToLong(b -> b.array().getShape().size()).sum())
                    .isEqualTo(2 * (20 + 4 * 20 + 4 * 40 + 4 * 80 + 4 * 160 + 40 + 80 + 160));
            assertThat(reduced.parameters()).extracting(Parameter::name).contains("conv1.weight", "bn1.weight", "layer1.0.conv2.weight",
                    "layer2.0.shortcut.0.weight", "layer4.1.bn2.bias", "head.weight");
            assertThat(reduced.parameters()).extracting(Parameter::name).doesNotContain("layer1.0.shortcut.0.weight");
            assertThat(reduced.buffers()).extracting(Parameter::name).contains("layer3.0.shortcut.1.running_var");
            assertThat(reduced.buffers()).allSatisfy(b -> assertThat(b.array().hasGradient()).isFalse());
            // per 32x32 sample: stem 32²·540, layer1 4·32²·3600, layers 2-4 each 16²(7200 + 3·14400 + 800) at doubling
            // widths and halving sides (the same count), head 160·10
            long perStage = 16 * 16 * (7200 + 3 * 14400 + 800);
            assertThat(reduced.forwardMacs()).isEqualTo(32 * 32 * 540 + 4 * 32 * 32 * 3600 + 3 * perStage + 160 * 10);
        }
    }

    @Test
    void forwardGivesStageShapesAndLogits() {
        try (NDManager m = NDManager.newBaseManager()) {
            ResNet net = new ResNet(m, new Shape(3, 16, 16), 4, 5, 1, 3);
            NDArray x = m.create(random(2 * 3 * 16 * 16, 1, 1, 0), new Shape(2, 3, 16, 16));
            List<NDArray> hidden = net.hidden(x);
            assertThat(hidden).extracting(NDArray::getShape).containsExactly(new Shape(2, 4, 16, 16), new Shape(2, 4, 16, 16),
                    new Shape(2, 8, 8, 8), new Shape(2, 16, 4, 4), new Shape(2, 32, 2, 2));
            assertThat(net.features(x).getShape()).isEqualTo(new Shape(2, 32));
            assertThat(net.forward(x, new int[2]).getShape()).isEqualTo(new Shape(2, 5));
            // flattened inputs are accepted as for the CNN
            assertThat(net.forward(x.reshape(2, 3 * 16 * 16), new int[2]).toFloatArray()).containsExactly(net.forward(x, new int[2]).toFloatArray());
            assertThat(net.units()).isEmpty();
            assertThatThrownBy(() -> new ResNet(m, new Shape(784), 4, 10, 1, 1)).hasMessageContaining("(channels, height, width)");
        }
    }

    @Test
    void multiHeadRoutesEachSampleToItsTasksHead() {
        try (NDManager m = NDManager.newBaseManager()) {
            ResNet net = new ResNet(m, new Shape(3, 8, 8), 4, 3, 2, 5);
            NDArray x = m.create(random(4 * 3 * 8 * 8, 2, 1, 0), new Shape(4, 3, 8, 8));
            float[] all0 = net.forward(x, new int[] {0, 0, 0, 0}).toFloatArray();
            float[] all1 = net.forward(x, new int[] {1, 1, 1, 1}).toFloatArray();
            float[] mixed = net.forward(x, new int[] {0, 1, 1, 0}).toFloatArray();
            int[] tasks = {0, 1, 1, 0};
            for (int i = 0; i < 4; i++) {
                for (int k = 0; k < 3; k++) {
                    float expected = (tasks[i] == 0 ? all0 : all1)[i * 3 + k];
                    assertThat(mixed[i * 3 + k]).isCloseTo(expected, offset(1e-6f));
                }
            }
            assertThat(all0).isNotEqualTo(all1);
            assertThat(net.parameters()).extracting(Parameter::name).endsWith("head0.weight", "head0.bias", "head1.weight", "head1.bias");
        }
    }

    @Test
    void modesChooseTheStatisticsAndFrozenCopiesCarryThem() {
        try (NDManager m = NDManager.newBaseManager()) {
            ResNet net = new ResNet(m, new Shape(3, 8, 8), 4, 3, 1, 7);
            NDArray x = m.create(random(6 * 3 * 8 * 8, 3, 1, 0.5), new Shape(6, 3, 8, 8));
            assertThat(net.mode()).isEqualTo(Model.Mode.EVAL);
            float[] before = Parameters.values(net.buffers())[0];
            try (Model.ModeScope training = net.enter(Model.Mode.TRAIN)) {
                for (int i = 0; i < 3; i++) {
                    net.forward(x, new int[6]);
                }
            }
            assertThat(net.mode()).isEqualTo(Model.Mode.EVAL);
            assertThat(Parameters.values(net.buffers())[0]).isNotEqualTo(before);
            float[][] statistics = Parameters.values(net.buffers());
            float[] eval = net.forward(x, new int[6]).toFloatArray();
            assertThat(Parameters.values(net.buffers())).isDeepEqualTo(statistics); // evaluation reads, never writes

            Model copy = net.frozenCopy(m);
            assertThat(Parameters.values(copy.buffers())).isDeepEqualTo(statistics);
            assertThat(copy.mode()).isEqualTo(Model.Mode.EVAL);
            assertThat(copy.forward(x, new int[6]).toFloatArray()).containsExactly(eval);
            assertThat(copy.parameters()).allSatisfy(p -> assertThat(p.array().hasGradient()).isFalse());
            // a copy taken from fresh statistics would evaluate differently: the statistics matter
            ResNet fresh = new ResNet(m, new Shape(3, 8, 8), 4, 3, 1, 7);
            Parameters.overwrite(fresh.parameters(), Parameters.values(net.parameters()));
            assertThat(fresh.forward(x, new int[6]).toFloatArray()).isNotEqualTo(eval);
        }
    }

    @Test
    void registeredWithImageInputsAndCoupledUnits() {
        var chosen = ai.perennial.core.registry.Chosen.of(Registry.global(), Model.KIND, ResNet.RESNET18.name(), java.util.Map.of("width", 2),
                "model");
        assertThat(chosen.part().provides()).containsExactly(Model.COUPLED_UNITS);
        assertThat(chosen.part().requires()).anySatisfy(need -> assertThat(need).contains(ai.perennial.core.data.DataSources.IMAGES));
        try (NDManager m = NDManager.newBaseManager()) {
            assertThat(chosen.build(new Model.Context(m, new Shape(3, 8, 8), 4, 1, 1)).describe()).contains("width 2");
        }
    }

    @Test
    void aOneSampleBatchOfTinyImagesIsACleanErrorWhileTraining() {
        try (NDManager m = NDManager.newBaseManager()) {
            ResNet net = new ResNet(m, new Shape(3, 8, 8), 4, 3, 1, 7);
            NDArray one = m.create(random(3 * 8 * 8, 3, 1, 0.5), new Shape(1, 3, 8, 8));
            assertThat(net.forward(one, new int[1]).getShape()).isEqualTo(new Shape(1, 3)); // evaluation: running statistics
            try (Model.ModeScope train = net.enter(Model.Mode.TRAIN)) {
                assertThatThrownBy(() -> net.forward(one, new int[1])).isInstanceOf(ai.perennial.core.PerennialException.class)
                        .hasMessageContaining("batch norm while training needs more than one value per channel");
            }
        }
    }
}
