package ai.perennial.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.registry.Component;
import ai.perennial.core.registry.Registry;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

class ModelTest {
    @BeforeAll
    static void engine() {
        Engines.pytorch();
    }

    @Test
    void mlpForwardMatchesPlainJava() {
        try (NDManager m = NDManager.newBaseManager()) {
            Mlp mlp = new Mlp(m, 3, new int[] {4}, 2, 1, 42);
            float[] x = {0.5f, -1f, 2f, 1f, 0f, -0.5f};
            float[] logits = mlp.forward(m.create(x, new Shape(2, 3)), new int[2]).toFloatArray();
            List<Parameter> p = mlp.parameters();
            float[] w1 = p.get(0).array().toFloatArray();
            float[] b1 = p.get(1).array().toFloatArray();
            float[] w2 = p.get(2).array().toFloatArray();
            float[] b2 = p.get(3).array().toFloatArray();
            for (int n = 0; n < 2; n++) {
                double[] h = new double[4];
                for (int j = 0; j < 4; j++) {
                    double s = b1[j];
                    for (int i = 0; i < 3; i++) {
                        s += w1[j * 3 + i] * x[n * 3 + i];
                    }
                    h[j] = Math.max(0, s);
                }
                for (int k = 0; k < 2; k++) {
                    double s = b2[k];
                    for (int j = 0; j < 4; j++) {
                        s += w2[k * 4 + j] * h[j];
                    }
                    assertThat((double) logits[n * 2 + k]).isCloseTo(s, offset(1e-5));
                }
            }
        }
    }

    @Test
    void initIsSeededAndFollowsFanInBound() {
        try (NDManager m = NDManager.newBaseManager()) {
            Mlp a = new Mlp(m, 100, new int[] {50}, 10, 1, 7);
            Mlp b = new Mlp(m, 100, new int[] {50}, 10, 1, 7);
            Mlp c = new Mlp(m, 100, new int[] {50}, 10, 1, 8);
            float[] wa = a.parameters().get(0).array().toFloatArray();
            assertThat(wa).containsExactly(b.parameters().get(0).array().toFloatArray());
            assertThat(wa).isNotEqualTo(c.parameters().get(0).array().toFloatArray());
            for (float v : wa) {
                assertThat(Math.abs(v)).isLessThanOrEqualTo(0.1f);
            }
            assertThat(a.parameterCount()).isEqualTo(100 * 50 + 50 + 50 * 10 + 10);
            assertThat(a.parameters()).extracting(Parameter::decays).containsExactly(true, false, true, false);
        }
    }

    @Test
    void multiHeadSelectsItsHeadAndSharesTheTrunk() {
        try (NDManager m = NDManager.newBaseManager()) {
            Mlp mlp = new Mlp(m, 4, new int[] {8}, 3, 2, 1);
            assertThat(mlp.parameters()).extracting(Parameter::name)
                    .containsExactly("layer0.weight", "layer0.bias", "head0.weight", "head0.bias", "head1.weight", "head1.bias");
            NDArray x = m.randomNormal(new Shape(5, 4));
            int[] zeros = new int[5];
            int[] ones = {1, 1, 1, 1, 1};
            float[] h0 = mlp.forward(x, zeros).toFloatArray();
            float[] h1 = mlp.forward(x, ones).toFloatArray();
            // a mixed batch reads each row from its own task's head
            float[] mixed = mlp.forward(x, new int[] {0, 1, 1, 0, 1}).toFloatArray();
            for (int i = 0; i < 5; i++) {
                float[] expected = (i == 0 || i == 3) ? h0 : h1;
                for (int k = 0; k < 3; k++) {
                    assertThat(mixed[i * 3 + k]).isCloseTo(expected[i * 3 + k], org.assertj.core.data.Offset.offset(1e-6f));
                }
            }
            assertThat(h0).hasSize(15).isNotEqualTo(h1);
            // reading heads from one trunk pass gives the same logits
            NDArray features = mlp.features(x);
            assertThat(mlp.readOut(features, 0).toFloatArray()).containsExactly(h0);
            assertThat(mlp.readOut(features, 1).toFloatArray()).containsExactly(h1);
            mlp.parameters().get(4).array().muli(0);
            mlp.parameters().get(5).array().muli(0);
            assertThat(mlp.forward(x, ones).abs().sum().getFloat()).isZero();
            assertThat(mlp.forward(x, zeros).toFloatArray()).containsExactly(h0);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> mlp.forward(x, new int[] {0, 2, 0, 0, 0}))
                    .hasMessageContaining("task id 2 has no head");
        }
    }

    @Test
    void cnnShapes() {
        try (NDManager m = NDManager.newBaseManager()) {
            Component<Model.Context, Model> declared = Registry.global().get(Model.KIND, "cnn", "model");
            Model cnn = declared.build(declared.resolve(java.util.Map.of(), "model"), new Model.Context(m, new Shape(1, 28, 28), 10, 1, 3));
            assertThat(cnn.forward(m.randomNormal(new Shape(4, 1, 28, 28)), new int[4]).getShape()).isEqualTo(new Shape(4, 10));
            assertThat(cnn.parameterCount()).isEqualTo(32 * 9 + 32 + 64 * 32 * 9 + 64 + 64 * 7 * 7 * 128 + 128 + 128 * 10 + 10);
        }
    }
}
