package ai.perennial.core.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.perennial.core.engine.Engines;
import org.junit.jupiter.api.Test;

class ForwardMacsTest {

    @Test
    void countsEveryDenseLayerOncePerSampleAndWeight() {
        Engines.pytorch();
        try (NDManager m = NDManager.newBaseManager()) {
            Mlp mlp = new Mlp(m, 784, new int[] {400, 300}, 10, 1, 1);
            long perSample = 784 * 400 + 400 * 300 + 300 * 10;
            assertThat(ForwardMacs.of(mlp, m.zeros(new Shape(1, 784)), new int[] {0})).isEqualTo(perSample);
            assertThat(ForwardMacs.of(mlp, m.zeros(new Shape(3, 784)), new int[] {0, 0, 0})).isEqualTo(3 * perSample);
            assertThat(mlp.layerOps()).isSameAs(LayerOps.PLAIN);
        }
    }

    @Test
    void countsConvolutionsAsTheResNetsOwnFormula() {
        Engines.pytorch();
        try (NDManager m = NDManager.newBaseManager()) {
            ResNet net = new ResNet(m, new Shape(3, 32, 32), 8, 10, 1, 1);
            assertThat(ForwardMacs.of(net, m.zeros(new Shape(1, 3, 32, 32)), new int[] {0})).isEqualTo(net.forwardMacs());
            SmallCnn cnn = new SmallCnn(m, new Shape(1, 28, 28), 10, 1, 1);
            // conv 3x3 pad 1 keeps 28x28, pool halves: 28²·32·9 + 14²·64·32·9 + (7·7·64)·128 + 128·10
            assertThat(ForwardMacs.of(cnn, m.zeros(new Shape(1, 1, 28, 28)), new int[] {0}))
                    .isEqualTo(28L * 28 * 32 * 9 + 14L * 14 * 64 * 32 * 9 + 7L * 7 * 64 * 128 + 128 * 10);
        }
    }
}
