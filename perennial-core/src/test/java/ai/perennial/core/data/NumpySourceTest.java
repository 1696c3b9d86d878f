package ai.perennial.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The resources under {@code numpy/} were written by NumPy 2.4:
 * <pre>
 * x = (np.arange(36, dtype=np.uint8) * 7).reshape(6, 1, 2, 3); y = np.array([0, 1, 2, 0, 1, 2])
 * np.savez('images.npz', x=x, y=y)
 * v = (np.arange(15, dtype=np.float32) / 4 - 1).reshape(5, 3); t = np.array([0.5, -1.25, 3.0, 10.0, 0.0])
 * np.savez_compressed('vectors.npz', features=v, price=t)
 * np.save('grey.npy', (np.arange(24, dtype=np.uint8) * 10).reshape(4, 2, 3))
 * np.save('grey-labels.npy', np.array([1, 0, 1, 0], dtype=np.int32))
 * </pre>
 */
class NumpySourceTest {
    @TempDir
    Path dir;

    static Path resource(String name) {
        try {
            return Path.of(NumpySourceTest.class.getResource("/numpy/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A .npy file as numpy writes it (version 1.0, header padded to a multiple of 64 bytes). */
    static byte[] npy(String descr, String shape, byte[] data) {
        return npyWith("{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + shape + "), }", data);
    }

    static byte[] npyWith(String dict, byte[] data) {
        int padded = (10 + dict.length() + 1 + 63) / 64 * 64;
        String header = dict + " ".repeat(padded - 10 - dict.length() - 1) + "\n";
        ByteBuffer b = ByteBuffer.allocate(10 + header.length() + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
        b.putShort((short) header.length());
        b.put(header.getBytes(StandardCharsets.US_ASCII));
        b.put(data);
        return b.array();
    }

    static byte[] floats(float... values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    static byte[] longs(long... values) {
        ByteBuffer b = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            b.putLong(v);
        }
        return b.array();
    }

    static byte[] npz(Map<String, byte[]> arrays, boolean compressed) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.setLevel(compressed ? 6 : 0);
            for (Map.Entry<String, byte[]> e : arrays.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey() + ".npy"));
                zip.write(e.getValue());
                zip.closeEntry();
            }
        }
        return out.toByteArray();
    }

    Path write(String name, byte[] bytes) throws IOException {
        Path f = dir.resolve(name);
        Files.write(f, bytes);
        return f;
    }

    static NumpySource.Options options(Path file) {
        return NumpySource.Options.of(file);
    }

    static NumpySource.Options withTest(NumpySource.Options o, Path test, Path testLabels) {
        return new NumpySource.Options(o.file(), o.inputs(), o.labels(), o.labelsFile(), test, testLabels, o.testFraction(), o.numericTarget(),
                o.shape(), o.mean(), o.std());
    }

    @Test
    void readsUint8ImagesFromANumpyArchiveWithStatisticsOfTheTrainingSet() {
        Path npz = resource("images.npz");
        DataSources.Split s = NumpySource.load(withTest(options(npz), npz, null), 1);
        ByteDataset train = (ByteDataset) s.train();
        assertThat(train.size()).isEqualTo(6);
        assertThat(train.sampleShape().getShape()).containsExactly(1, 2, 3);
        assertThat(train.numClasses()).isEqualTo(3);
        assertThat(train.labels()).containsExactly(0, 1, 2, 0, 1, 2);
        assertThat(train.pixel(2, 5)).isEqualTo(7 * 17);
        float[] stats = ByteDataset.normalization(bytes(36, i -> 7 * i));
        assertThat((double) train.mean()).isCloseTo(stats[0], within(1e-6));
        assertThat((double) train.std()).isCloseTo(stats[1], within(1e-6));
        assertThat((double) stats[0]).isCloseTo(7 * 17.5 / 255, within(1e-7));
        assertThat(NumpySource.NUMPY.provides(NumpySource.NUMPY.resolve(Map.of("file", npz.toString()), "dataset")))
                .containsExactlyInAnyOrder(DataSources.IMAGES, DataSources.CLASS_TARGETS);
        DataSources.Split random = DataSources.load(NumpySource.NUMPY.name(), Map.of("file", npz.toString(), "test_fraction", 0.5,
                "mean", 0.5, "std", 0.25), 3);
        assertThat(random.train().size()).isEqualTo(3);
        assertThat(random.test().size()).isEqualTo(3);
        assertThat(((ByteDataset) random.test()).mean()).isEqualTo(0.5f);
        assertThat(((ByteDataset) random.test()).std()).isEqualTo(0.25f);
    }

    static byte[] bytes(int n, java.util.function.IntUnaryOperator value) {
        byte[] out = new byte[n];
        for (int i = 0; i < n; i++) {
            out[i] = (byte) value.applyAsInt(i);
        }
        return out;
    }

    @Test
    void readsCompressedFloatVectorsWithNumericTargets() {
        Path npz = resource("vectors.npz");
        NumpySource.Options o = new NumpySource.Options(npz, "features", "price", null, npz, null, 0.2, true, null, null, null);
        DataSources.Split s = NumpySource.load(o, 1);
        FloatDataset train = (FloatDataset) s.train();
        assertThat(train.regression()).isTrue();
        assertThat(train.sampleShape().getShape()).containsExactly(3);
        assertThat(train.value(4, 2)).isEqualTo(14 / 4f - 1);
        assertThat(new float[] {train.target(0), train.target(1), train.target(3)}).containsExactly(0.5f, -1.25f, 10f);
        assertThat(NumpySource.NUMPY.provides(NumpySource.NUMPY.resolve(Map.of("file", npz.toString(), "inputs", "features",
                "target", "numeric"), "dataset"))).containsExactlyInAnyOrder(DataSources.VECTORS, DataSources.NUMERIC_TARGETS);
        assertThatThrownBy(() -> NumpySource.load(new NumpySource.Options(npz, "features", "price", null, null, null, 0.2, false, null,
                null, null), 1)).hasMessage(Npy.where(npz, "price") + ": labels are float64, not integer class ids; set target: numeric to "
                        + "regress them, or store class ids 0..K-1 as integers (y.astype(numpy.int64))");
    }

    @Test
    void readsNpyPairsAndReinterpretsTheSampleShape() throws IOException {
        Path x = resource("grey.npy");
        Path y = resource("grey-labels.npy");
        NumpySource.Options o = new NumpySource.Options(x, "x", "y", y, x, y, 0.2, false, null, null, null);
        DataSources.Split s = NumpySource.load(o, 1);
        assertThat(s.train().sampleShape().getShape()).containsExactly(1, 2, 3); // (n, h, w): one channel
        assertThat(s.train().labels()).containsExactly(1, 0, 1, 0);
        assertThat(((ByteDataset) s.test()).pixel(3, 5)).isEqualTo(230);
        NumpySource.Options flat = new NumpySource.Options(x, "x", "y", y, x, y, 0.2, false, List.of(6), null, null);
        assertThat(NumpySource.load(flat, 1).train().sampleShape().getShape()).containsExactly(6);
        NumpySource.Options wrong = new NumpySource.Options(x, "x", "y", y, null, null, 0.2, false, List.of(2, 2, 2), null, null);
        assertThatThrownBy(() -> NumpySource.load(wrong, 1)).hasMessage(x + ": samples of shape [2, 3] hold 6 values, not the 8 of the shape "
                + "parameter [2, 2, 2]; set shape to sizes whose product is 6");
        NumpySource.Options noLabels = new NumpySource.Options(x, "x", "y", null, null, null, 0.2, false, null, null, null);
        assertThatThrownBy(() -> NumpySource.load(noLabels, 1)).hasMessage(x + ": is a .npy file of inputs, and no labels file is given; "
                + "set labels_file to the labels .npy, or give a .npz archive holding both");
        Path vectors = write("v.npy", npy("<f4", "2, 2", floats(1, 2, 3, 4)));
        Path labels = write("l.npy", npy("<i8", "2,", longs(0, 1)));
        assertThat(NumpySource.NUMPY.provides(NumpySource.NUMPY.resolve(Map.of("file", vectors.toString(), "labels_file", labels.toString()),
                "dataset"))).contains(DataSources.VECTORS);
        DataSources.Split v = DataSources.load(NumpySource.NUMPY.name(), Map.of("file", vectors.toString(), "labels_file", labels.toString(),
                "test_file", vectors.toString(), "test_labels_file", labels.toString()), 1);
        assertThat(((FloatDataset) v.test()).value(1, 0)).isEqualTo(3f);
    }

    @Test
    void damagedNpyFilesAreRejectedBeforeDecodingNamingTheFileAndOffset() throws IOException {
        byte[] good = npy("<f4", "2, 2", floats(1, 2, 3, 4));
        Path labels = write("l.npy", npy("<i8", "2,", longs(0, 1)));
        Map<String, byte[]> cases = new HashMap<>();
        byte[] magic = good.clone();
        magic[1] = 'X';
        cases.put("does not start with the .npy magic bytes", magic);
        byte[] version = good.clone();
        version[6] = 9;
        cases.put(".npy format version 9.0 is not one of 1.0, 2.0, 3.0", version);
        cases.put("holds 12 of the 16 data bytes its header (float32, shape (2, 2)) promises; it is truncated",
                Arrays.copyOf(good, good.length - 4));
        cases.put("has 3 bytes after the data", Arrays.copyOf(good, good.length + 3));
        cases.put("is only 9 bytes long, too short for a .npy header", Arrays.copyOf(good, 9));
        cases.put("is 40 bytes long but its header alone needs 128 (truncated?)", Arrays.copyOf(good, 40));
        byte[] headerLength = good.clone();
        headerLength[8] = (byte) 0xff;
        headerLength[9] = (byte) 0x7f;
        cases.put("the header length 32767 exceeds 10000 bytes", headerLength);
        cases.put("the array is stored in Fortran (column-major) order; save numpy.ascontiguousarray(array) instead",
                npyWith("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", floats(1, 2, 3, 4)));
        cases.put("dtype '>f4' is not supported (uint8, int32, int64, float32 or float64 are); it is big-endian: save array.astype('<f4')",
                npy(">f4", "2, 2", floats(1, 2, 3, 4)));
        cases.put("dtype '<U1' is not supported", npy("<U1", "2, 2", new byte[16]));
        cases.put("is not the dictionary numpy writes", new String(good, StandardCharsets.ISO_8859_1).replace("'shape'", "'shapf'")
                .getBytes(StandardCharsets.ISO_8859_1));
        cases.put("holds more than 2^31 elements", npy("<f4", "100000, 100000", floats(1)));
        cases.put("needs 4000000000 bytes, more than one array takes", npy("<f4", "1000000, 1000", floats(1, 2, 3, 4)));
        cases.put("holds 16 of the 4000000 data bytes", npy("<f4", "1000, 1000", floats(1, 2, 3, 4)));
        cases.put("inputs are int64; they must be uint8 (e.g. images) or float32/float64", npy("<i8", "2, 2", longs(1, 2, 3, 4)));
        cases.put("sample 1, value 0: is NaN (as float32)", npy("<f4", "2, 2", floats(1, 2, Float.NaN, 4)));
        for (Map.Entry<String, byte[]> e : cases.entrySet()) {
            Path f = write("bad.npy", e.getValue());
            assertThatThrownBy(() -> NumpySource.load(new NumpySource.Options(f, "x", "y", labels, null, null, 0.5, false, null, null, null), 1))
                    .as(e.getKey()).isInstanceOf(DataFileException.class).hasMessageStartingWith(f + ": ").hasMessageContaining(e.getKey());
        }
        Path x = write("x.npy", good);
        Path three = write("three.npy", npy("<i8", "3,", longs(0, 1, 0)));
        assertThatThrownBy(() -> NumpySource.load(new NumpySource.Options(x, "x", "y", three, null, null, 0.5, false, null, null, null), 1))
                .hasMessage(three + ": labels have shape [3] for 2 samples; give one label per sample, shape (2,)");
        Path negative = write("neg.npy", npy("<i8", "2,", longs(0, -3)));
        assertThatThrownBy(() -> NumpySource.load(new NumpySource.Options(x, "x", "y", negative, null, null, 0.5, false, null, null, null), 1))
                .hasMessage(negative + ": index 1: label -3 is not a class id in 0..99999; store class ids 0..K-1, or set target: numeric");
        assertThatThrownBy(() -> NumpySource.load(new NumpySource.Options(x, "x", "y", dir.resolve("none.npy"), null, null, 0.5, false, null,
                null, null), 1)).hasMessage(dir.resolve("none.npy") + ": file does not exist; check the path");
    }

    @Test
    void damagedArchivesNameTheArchiveAndArray() throws IOException {
        Path notZip = write("plain.npz", npy("<f4", "2, 2", floats(1, 2, 3, 4)));
        assertThatThrownBy(() -> NumpySource.load(options(notZip), 1)).isInstanceOf(DataFileException.class)
                .hasMessageStartingWith(notZip + ": is not a .npz (zip) archive");
        Path noY = write("noy.npz", npz(Map.of("x", npy("<f4", "2, 2", floats(1, 2, 3, 4)), "labels", npy("<i8", "2,", longs(0, 1))), false));
        assertThatThrownBy(() -> NumpySource.load(options(noY), 1)).hasMessageStartingWith(noY + ": has no array 'y' (it has ")
                .hasMessageContaining("'labels'").hasMessageEndingWith("name the arrays with the dataset's inputs and labels parameters, or save "
                        + "them under those names");
        byte[] cut = npz(Map.of("x", npy("<f4", "2, 2", floats(1, 2, 3, 4)), "y", npy("<i8", "2,", longs(0, 1))), true);
        Path truncated = write("cut.npz", Arrays.copyOf(cut, cut.length - 30));
        assertThatThrownBy(() -> NumpySource.load(options(truncated), 1)).isInstanceOf(DataFileException.class)
                .hasMessageStartingWith(truncated + ": ");
        Path wrongCount = write("count.npz", npz(Map.of("x", npy("<f4", "2, 2", floats(1, 2, 3, 4)), "y", npy("<f4", "2, 2",
                floats(1, 2, 3, 4))), true));
        assertThatThrownBy(() -> NumpySource.load(options(wrongCount), 1))
                .hasMessage(Npy.where(wrongCount, "y") + ": labels have shape [2, 2] for 2 samples; give one label per sample, shape (2,)");
        Path oneClass = write("one.npz", npz(Map.of("x", npy("<f4", "2, 2", floats(1, 2, 3, 4)), "y", npy("<i8", "2,", longs(0, 0))), true));
        assertThatThrownBy(() -> NumpySource.load(options(oneClass), 1)).hasMessageContaining("every label is 0: one class");
    }

    @Test
    void mutatedNpyFilesLoadOrFailWithAMessageNamingTheFile() throws IOException {
        byte[] original = npy("<f4", "4, 3", floats(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12));
        Path labels = write("labels.npy", npy("<i8", "4,", longs(0, 1, 0, 1)));
        Path file = dir.resolve("fuzz.npy");
        NumpySource.Options o = new NumpySource.Options(file, "x", "y", labels, null, null, 0.5, false, null, null, null);
        Fuzz.Tally t = Fuzz.run(file, original, "0123456789,() '<>|fiu\n".getBytes(StandardCharsets.US_ASCII), 1000, 5,
                Duration.ofSeconds(60), () -> NumpySource.load(o, 1));
        assertThat(t.loaded()).isGreaterThan(20);
        assertThat(t.rejected()).isGreaterThan(500);
    }

    @Test
    void mutatedArchivesLoadOrFailWithAMessageNamingTheFile() throws IOException {
        Path file = dir.resolve("fuzz.npz");
        for (boolean compressed : new boolean[] {false, true}) {
            byte[] original = npz(Map.of("x", npy("|u1", "4, 1, 2, 2", bytes(16, i -> i * 9)), "y", npy("<i8", "4,", longs(0, 1, 2, 1))),
                    compressed);
            Fuzz.Tally t = Fuzz.run(file, original, "0123456789,() '<>|PK\0".getBytes(StandardCharsets.US_ASCII), 600, compressed ? 2 : 3,
                    Duration.ofSeconds(60), () -> NumpySource.load(options(file), 1));
            assertThat(t.loaded()).isGreaterThan(20);
            assertThat(t.rejected()).isGreaterThan(300);
        }
    }
}
