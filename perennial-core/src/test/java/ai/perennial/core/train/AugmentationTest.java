package ai.perennial.core.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.perennial.core.data.ByteDataset;
import ai.perennial.core.engine.Engines;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Random crop + horizontal flip against hand-computed windows and a plain-Java loop. */
class AugmentationTest {
    @BeforeAll
    static void engine() {
        Engines.pytorch();
    }

    @Test
    void cropAndFlipMatchHandComputedWindows() {
        try (NDManager m = NDManager.newBaseManager()) {
            // two samples of one 3x3 channel holding 1..9 and 11..19, padding 1 with the value -1:
            //   -1 -1 -1 -1 -1
            //   -1  1  2  3 -1
            //   -1  4  5  6 -1
            //   -1  7  8  9 -1
            //   -1 -1 -1 -1 -1
            float[] images = {1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17, 18, 19};
            NDArray x = m.create(images, new Shape(2, 1, 3, 3));
            float[] out = Augmentation.cropFlip(x, new int[] {0, 2}, new int[] {2, 1}, new boolean[] {false, true}, 1, -1f).toFloatArray();
            assertThat(out).containsExactly(
                    // sample 0: rows 0..2, columns 2..4
                    -1, -1, -1,
                    2, 3, -1,
                    5, 6, -1,
                    // sample 1: rows 2..4, columns 1..3, mirrored
                    16, 15, 14,
                    19, 18, 17,
                    -1, -1, -1);
            // the centre window without a flip is the image itself
            assertThat(Augmentation.cropFlip(x, new int[] {1, 1}, new int[] {1, 1}, new boolean[2], 1, -1f).toFloatArray()).containsExactly(images);
        }
    }

    @Test
    void matchesAPlainJavaCropOfAPaddedBatch() {
        int n = 4;
        int c = 3;
        int h = 6;
        int w = 5;
        int pad = 2;
        float padValue = -0.5f;
        SplittableRandom r = new SplittableRandom(3);
        float[] images = new float[n * c * h * w];
        for (int i = 0; i < images.length; i++) {
            images[i] = (float) r.nextDouble();
        }
        int[] dy = {0, 4, 1, 2};
        int[] dx = {3, 0, 4, 2};
        boolean[] flip = {true, false, true, false};
        float[] expected = new float[images.length];
        for (int s = 0; s < n; s++) {
            for (int ch = 0; ch < c; ch++) {
                for (int i = 0; i < h; i++) {
                    for (int j = 0; j < w; j++) {
                        int column = flip[s] ? w - 1 - j : j;
                        int y = dy[s] + i - pad; // position in the unpadded image
                        int x = dx[s] + column - pad;
                        boolean inside = y >= 0 && y < h && x >= 0 && x < w;
                        expected[((s * c + ch) * h + i) * w + j] = inside ? images[((s * c + ch) * h + y) * w + x] : padValue;
                    }
                }
            }
        }
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray out = Augmentation.cropFlip(m.create(images, new Shape(n, c, h, w)), dy, dx, flip, pad, padValue);
            assertThat(out.getShape()).isEqualTo(new Shape(n, c, h, w));
            assertThat(out.toFloatArray()).containsExactly(expected);
        }
    }

    @Test
    void drawsDependOnSeedStepAndStreamOnly() {
        try (NDManager m = NDManager.newBaseManager()) {
            float[] values = new float[8 * 3 * 8 * 8];
            for (int i = 0; i < values.length; i++) {
                values[i] = i;
            }
            NDArray x = m.create(values, new Shape(8, 3, 8, 8));
            Augmentation a = Augmentation.cropFlip(5, 4);
            float[] first = a.apply(x, 0f, 10, 0).toFloatArray();
            assertThat(Augmentation.cropFlip(5, 4).apply(x, 0f, 10, 0).toFloatArray()).containsExactly(first);
            assertThat(a.apply(x, 0f, 11, 0).toFloatArray()).isNotEqualTo(first);
            assertThat(a.apply(x, 0f, 10, 1).toFloatArray()).isNotEqualTo(first);
            assertThat(Augmentation.cropFlip(6, 4).apply(x, 0f, 10, 0).toFloatArray()).isNotEqualTo(first);
            assertThat(first).isNotEqualTo(values);
            assertThat(Augmentation.none().apply(x, 0f, 10, 0)).isSameAs(x);
        }
    }

    @Test
    void padsWithTheNormalizedZeroPixelAndNeedsImages() {
        ByteDataset images = new ByteDataset("d", new byte[12], new int[1], new Shape(3, 2, 2), 2, 0.5f, 0.25f);
        assertThat(Augmentation.zeroPixel(images)).isEqualTo(-2f); // (0/255 - 0.5)/0.25
        assertThatThrownBy(() -> Augmentation.of(Augmentation.CROP_FLIP, 1).checkInputs(new Shape(784), "the data set"))
                .hasMessageContaining("augment: none");
        Augmentation.none().checkInputs(new Shape(784), "the data set");
        assertThatThrownBy(() -> Augmentation.of("mixup", 1)).hasMessageContaining("crop-flip");
    }
}
