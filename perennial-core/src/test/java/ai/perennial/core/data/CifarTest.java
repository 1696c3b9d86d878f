package ai.perennial.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CifarTest {
    @TempDir
    Path dir;

    /** Records whose labels are {@code labels[r]} (each record's label bytes) and whose pixel p is (seed + r + p) mod 256. */
    static byte[] records(int[][] labels, int seed) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int r = 0; r < labels.length; r++) {
            for (int l : labels[r]) {
                out.write(l);
            }
            for (int p = 0; p < Cifar.PIXELS; p++) {
                out.write(seed + r + p);
            }
        }
        return out.toByteArray();
    }

    Path cifar10(Path root) throws IOException {
        Files.createDirectories(root);
        for (int b = 1; b <= 5; b++) {
            Files.write(root.resolve("data_batch_" + b + ".bin"), records(new int[][] {{b - 1}, {9 - b}}, 10 * b));
        }
        Files.write(root.resolve("test_batch.bin"), records(new int[][] {{3}, {7}, {0}}, 100));
        return root;
    }

    @Test
    void readsCifar10BatchesInOrderWithChannelMajorPixels() throws IOException {
        Path root = cifar10(dir.resolve("cifar-10-batches-bin"));
        DataSources.Split s = DataSources.load(Cifar.CIFAR10.name(), Map.of("data_dir", dir.toString()), 1); // finds the unpacked folder
        ByteDataset train = (ByteDataset) s.train();
        assertThat(train.size()).isEqualTo(10);
        assertThat(train.sampleShape().getShape()).containsExactly(3, 32, 32);
        assertThat(train.numClasses()).isEqualTo(10);
        assertThat(train.labels()).containsExactly(0, 8, 1, 7, 2, 6, 3, 5, 4, 4);
        assertThat(train.pixel(3, 0)).isEqualTo(20 + 1); // batch 2, record 1, first red pixel
        assertThat(train.pixel(3, 1024)).isEqualTo((20 + 1 + 1024) % 256); // first green pixel
        assertThat(s.test().labels()).containsExactly(3, 7, 0);
        assertThat(((ByteDataset) s.test()).pixel(2, 5)).isEqualTo(107);
        byte[] all = new byte[0];
        for (int b = 1; b <= 5; b++) {
            byte[] batch = Files.readAllBytes(root.resolve("data_batch_" + b + ".bin"));
            byte[] pixels = new byte[2 * Cifar.PIXELS];
            System.arraycopy(batch, 1, pixels, 0, Cifar.PIXELS);
            System.arraycopy(batch, 2 + Cifar.PIXELS, pixels, Cifar.PIXELS, Cifar.PIXELS);
            all = concat(all, pixels);
        }
        float[] stats = ByteDataset.normalization(all);
        assertThat((double) train.mean()).isCloseTo(stats[0], within(1e-6));
        assertThat((double) train.std()).isCloseTo(stats[1], within(1e-6));
        assertThat(((ByteDataset) s.test()).mean()).isEqualTo(train.mean()); // the training set's statistics for both
        assertThat(Cifar.CIFAR10.provides(Cifar.CIFAR10.resolve(Map.of("data_dir", "x"), "dataset")))
                .containsExactlyInAnyOrder(DataSources.IMAGES, DataSources.CLASS_TARGETS);
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void readsCifar100FineOrCoarseLabels() throws IOException {
        Files.write(dir.resolve("train.bin"), records(new int[][] {{19, 99}, {0, 5}, {7, 42}}, 1));
        Files.write(dir.resolve("test.bin"), records(new int[][] {{3, 31}}, 2));
        DataSources.Split fine = Cifar.cifar100(dir, false);
        assertThat(fine.train().labels()).containsExactly(99, 5, 42);
        assertThat(fine.train().numClasses()).isEqualTo(100);
        assertThat(fine.test().labels()).containsExactly(31);
        DataSources.Split coarse = DataSources.load(Cifar.CIFAR100.name(), Map.of("data_dir", dir.toString(), "labels", "coarse"), 1);
        assertThat(coarse.train().labels()).containsExactly(19, 0, 7);
        assertThat(coarse.train().numClasses()).isEqualTo(20);
        assertThat(((ByteDataset) coarse.train()).pixel(2, 3)).isEqualTo(1 + 2 + 3);
        Files.write(dir.resolve("test.bin"), records(new int[][] {{20, 31}}, 2));
        assertThatThrownBy(() -> Cifar.cifar100(dir, true)).isInstanceOf(DataFileException.class).hasMessage(dir.resolve("test.bin")
                + ": record 0 (byte offset 0): label 20 is not below the 20 classes; the file is damaged or of another data set; copy or "
                + "unpack it again");
    }

    @Test
    void damagedFilesNameTheFileLengthAndRecord() throws IOException {
        Path root = cifar10(dir.resolve("c"));
        Path batch = root.resolve("data_batch_3.bin");
        byte[] good = Files.readAllBytes(batch);
        Files.write(batch, Arrays.copyOf(good, good.length - 100));
        assertThatThrownBy(() -> Cifar.cifar10(root)).isInstanceOf(DataFileException.class).hasMessage(batch + ": is 6046 bytes long, not a "
                + "whole number of 3073-byte records (1 label byte + 3072 pixel bytes), with 2973 bytes past the last whole record (truncated?); "
                + "copy or unpack the file again");
        byte[] badLabel = good.clone();
        badLabel[3073] = 10;
        Files.write(batch, badLabel);
        assertThatThrownBy(() -> Cifar.cifar10(root)).hasMessage(batch + ": record 1 (byte offset 3073): label 10 is not below the 10 classes; "
                + "the file is damaged or of another data set; copy or unpack it again");
        Files.write(batch, new byte[0]);
        assertThatThrownBy(() -> Cifar.cifar10(root)).hasMessageStartingWith(batch + ": is 0 bytes long");
        Files.delete(batch);
        assertThatThrownBy(() -> Cifar.cifar10(root)).hasMessage(batch + ": file does not exist; unpack the binary version of CIFAR-10 into "
                + root + " (the Python and MATLAB versions are other formats)");
        assertThatThrownBy(() -> Cifar.cifar10(dir.resolve("none"))).hasMessage(dir.resolve("none")
                + ": folder does not exist; give the folder that holds the binary version's files");
    }

    @Test
    void mutatedFilesLoadOrFailWithAMessageNamingTheFile() throws IOException {
        Path root = cifar10(dir.resolve("fuzz"));
        Path batch = root.resolve("test_batch.bin");
        byte[] original = Files.readAllBytes(batch);
        Fuzz.Tally t = Fuzz.run(batch, original, new byte[] {9, 10, (byte) 0xff, 0}, 1000, 4, Duration.ofSeconds(60), () -> Cifar.cifar10(root));
        assertThat(t.loaded()).isGreaterThan(100);
        assertThat(t.rejected()).isGreaterThan(100);
    }
}
