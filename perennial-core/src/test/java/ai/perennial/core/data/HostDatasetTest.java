package ai.perennial.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.junit.jupiter.api.Test;

class HostDatasetTest {
    /** 3 samples of a 1x3x3 image; sample i has pixel values 10*i + position. */
    static ByteDataset images() {
        byte[] pixels = new byte[27];
        for (int i = 0; i < 3; i++) {
            for (int p = 0; p < 9; p++) {
                pixels[i * 9 + p] = (byte) (10 * i + p);
            }
        }
        return new ByteDataset("img", pixels, new int[] {0, 1, 2}, new Shape(1, 3, 3), 3, 0, 1);
    }

    @Test
    void selectRelabelTagAndConcatKeepRowsLabelsAndTasks() {
        ByteDataset d = images();
        Dataset picked = d.select(new int[] {2, 0});
        assertThat(((ByteDataset) picked).pixel(0, 4)).isEqualTo(24);
        assertThat(picked.label(0)).isEqualTo(2);
        Dataset tagged = picked.withTask(3).withLabels(new int[] {1, 0}, 2);
        assertThat(tagged.task(0)).isEqualTo(3);
        assertThat(tagged.label(0)).isEqualTo(1);
        assertThat(tagged.numClasses()).isEqualTo(2);
        assertThat(d.task(1)).isZero();
        Dataset both = HostDataset.concat("both", List.of(tagged, d.select(new int[] {1})));
        assertThat(both.size()).isEqualTo(3);
        assertThat(both.tasks(new int[] {0, 1, 2})).containsExactly(3, 3, 0);
        assertThat(both.labels()).containsExactly(1, 0, 1);
        assertThat(((ByteDataset) both).pixel(2, 0)).isEqualTo(10);
        assertThat(both.name()).isEqualTo("both");
        assertThatThrownBy(() -> d.withLabels(new int[] {0, 5, 0}, 3)).hasMessageContaining("label 5");
    }

    @Test
    void permutationReordersFeatures() {
        int[] perm = {8, 7, 6, 5, 4, 3, 2, 1, 0};
        ByteDataset p = (ByteDataset) images().permuteFeatures(perm);
        assertThat(p.pixel(1, 0)).isEqualTo(18);
        assertThat(p.pixel(1, 8)).isEqualTo(10);
        FloatDataset f = new FloatDataset("f", new float[] {1, 2, 3, 4}, new int[] {0, 1}, new Shape(2), 2);
        FloatDataset fp = (FloatDataset) f.permuteFeatures(new int[] {1, 0});
        assertThat(fp.value(1, 0)).isEqualTo(4f);
        assertThatThrownBy(() -> f.permuteFeatures(new int[] {0})).hasMessageContaining("permutation of 1 for 2 features");
    }

    @Test
    void rotationByQuarterTurnsIsExactAndFullTurnIsIdentity() {
        ByteDataset d = images();
        ByteDataset r90 = d.rotate(90);
        // counter-clockwise: the top-right pixel (position 2) moves to the top-left
        assertThat(r90.pixel(0, 0)).isEqualTo(2);
        assertThat(r90.pixel(0, 2)).isEqualTo(8);
        assertThat(r90.pixel(0, 4)).isEqualTo(4);
        ByteDataset r360 = d.rotate(360);
        for (int p = 0; p < 9; p++) {
            assertThat(r360.pixel(2, p)).isEqualTo(d.pixel(2, p));
        }
        assertThat(d.rotate(45).pixel(1, 4)).isEqualTo(14); // the centre is fixed
    }

    @Test
    void halfTurnFlipsBothAxes() {
        byte[] pixels = new byte[2 * 28 * 28];
        java.util.SplittableRandom r = new java.util.SplittableRandom(4);
        r.nextBytes(pixels);
        ByteDataset d = new ByteDataset("rnd", pixels, new int[] {0, 1}, new Shape(1, 28, 28), 2, 0, 1);
        ByteDataset half = d.rotate(180);
        for (int i = 0; i < 2; i++) {
            for (int y = 0; y < 28; y++) {
                for (int x = 0; x < 28; x++) {
                    assertThat(half.pixel(i, y * 28 + x)).isEqualTo(d.pixel(i, (27 - y) * 28 + (27 - x)));
                }
            }
        }
    }
}
