package ai.perennial.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.perennial.core.PerennialException;
import ai.perennial.core.engine.Engines;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FashionMnistTest {
    @TempDir
    Path dir;

    @Test
    void missingDirectorySaysHowToInstall() {
        assertThatThrownBy(() -> FashionMnist.load(dir.resolve("absent")))
                .isInstanceOf(PerennialException.class)
                .hasMessageContaining("does not exist").hasMessageContaining("apt-get install dataset-fashion-mnist");
    }

    @Test
    void missingFileIsNamed() {
        assertThatThrownBy(() -> FashionMnist.load(dir)).hasMessageContaining("train-images-idx3-ubyte");
    }

    @Test
    void loadsAnyMnistLayoutDirectoryAndNormalizesBatches() throws IOException {
        writeSplit("train", 6);
        writeSplit("t10k", 4);
        FashionMnist.Split split = FashionMnist.load(dir);
        assertThat(split.train().size()).isEqualTo(6);
        assertThat(split.test().size()).isEqualTo(4);
        assertThat(split.train().sampleShape()).isEqualTo(new Shape(1, 2, 3));
        assertThat(split.train().label(5)).isEqualTo(5);
        Engines.pytorch();
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = split.train().inputs(m, new int[] {1, 0});
            assertThat(x.getShape()).isEqualTo(new Shape(2, 1, 2, 3));
            float[] v = x.toFloatArray();
            // sample 1, pixel 0 holds byte 6 (pixels are numbered consecutively across samples)
            double expected = (6 / 255.0 - FashionMnist.MEAN) / FashionMnist.STD;
            assertThat((double) v[0]).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-5));
        }
    }

    @Test
    void labelCountMismatchIsReported() throws IOException {
        writeSplit("train", 6);
        writeSplit("t10k", 4);
        Files.write(dir.resolve("t10k-labels-idx1-ubyte"), IdxFileTest.idx(8, new int[] {3}, 3));
        assertThatThrownBy(() -> FashionMnist.load(dir)).hasMessageContaining("3 labels for 4 images");
    }

    @Test
    void labelsOutsideTheClassesAreRefusedWithTheirPosition() throws IOException {
        writeSplit("train", 6);
        writeSplit("t10k", 4);
        byte[] labels = IdxFileTest.idx(8, new int[] {6}, 6);
        labels[8 + 4] = (byte) 200;
        Files.write(dir.resolve("train-labels-idx1-ubyte"), labels);
        assertThatThrownBy(() -> FashionMnist.load(dir)).isInstanceOf(PerennialException.class)
                .hasMessageContaining("train-labels-idx1-ubyte: label 200 at position 4 is not below the 10 classes");
        assertThat(FashionMnist.load(dir, 201).train().numClasses()).isEqualTo(201);
        assertThatThrownBy(() -> FashionMnist.load(dir, 6)).hasMessageContaining("label 200");
    }

    @Test
    void testImagesOfAnotherSizeAreRefused() throws IOException {
        writeSplit("train", 6);
        writeSplit("t10k", 4);
        Files.write(dir.resolve("t10k-images-idx3-ubyte"), IdxFileTest.idx(8, new int[] {4, 3, 3}, 36));
        assertThatThrownBy(() -> FashionMnist.load(dir)).isInstanceOf(PerennialException.class)
                .hasMessageContaining("test images are 3x3 but training images are 2x3");
    }

    @Test
    void realFashionMnistWhenInstalled() {
        // on a developer machine without the package this is skipped; CI (which installs it) must never skip it
        boolean installed = Files.isDirectory(FashionMnist.DEFAULT_DIR);
        assertThat(installed || System.getenv("CI") == null).as("CI is set but dataset-fashion-mnist is not installed").isTrue();
        assumeTrue(installed, "dataset-fashion-mnist not installed");
        FashionMnist.Split split = FashionMnist.load(FashionMnist.DEFAULT_DIR);
        assertThat(split.train().size()).isEqualTo(60000);
        assertThat(split.test().size()).isEqualTo(10000);
        assertThat(split.train().numClasses()).isEqualTo(10);
        assertThat(split.train().sampleShape()).isEqualTo(new Shape(1, 28, 28));
    }

    private void writeSplit(String prefix, int n) throws IOException {
        byte[] images = IdxFileTest.idx(8, new int[] {n, 2, 3}, n * 6);
        byte[] labels = IdxFileTest.idx(8, new int[] {n}, n);
        Files.write(dir.resolve(prefix + "-images-idx3-ubyte"), images);
        Files.write(dir.resolve(prefix + "-labels-idx1-ubyte"), labels);
    }
}
