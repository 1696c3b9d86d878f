package ai.perennial.core.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.perennial.core.engine.Engines;
import org.junit.jupiter.api.Test;

class LossesTest {
    @Test
    void crossEntropyMatchesHandComputation() {
        Engines.pytorch();
        float[] logits = {1, 2, 3, -1, 0, 4};
        int[] labels = {2, 0};
        double expected = 0;
        for (int n = 0; n < 2; n++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < 3; k++) {
                max = Math.max(max, logits[n * 3 + k]);
            }
            double z = 0;
            for (int k = 0; k < 3; k++) {
                z += Math.exp(logits[n * 3 + k] - max);
            }
            expected += -(logits[n * 3 + labels[n]] - max - Math.log(z));
        }
        expected /= 2;
        try (NDManager m = NDManager.newBaseManager()) {
            double actual = Losses.crossEntropy(m.create(logits, new Shape(2, 3)),
                    m.create(new long[] {2, 0}).toType(DataType.INT64, false)).getFloat();
            assertThat(actual).isCloseTo(expected, offset(1e-6));
        }
    }
}
