package ai.perennial.core.data;

import ai.djl.ndarray.types.Shape;
import ai.perennial.core.engine.Resources;
import ai.perennial.core.registry.Component;
import ai.perennial.core.registry.Param;
import ai.perennial.core.registry.Registered;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * CIFAR-10 and CIFAR-100 in their binary versions. A CIFAR-10 record is a label byte and 3,072 pixel bytes (3x32x32,
 * the red plane, then green, then blue, each row by row); the training set is {@code data_batch_1.bin} to
 * {@code data_batch_5.bin}, the test set {@code test_batch.bin}. A CIFAR-100 record has a coarse (superclass) and a
 * fine label byte before the pixels, in {@code train.bin} and {@code test.bin}. The normalization mean and standard
 * deviation are those of the training pixels (for CIFAR-10 about 0.4734 and 0.2516).
 */
public final class Cifar {
    static final int PIXELS = 3 * 32 * 32;

    private static final Param<String> DATA_DIR = Param.path("data_dir", null,
            "folder with the binary files (or the folder the archive unpacks into)").required();
    private static final Param<String> LABELS = Param.choice("labels", "fine", "fine: the 100 classes; coarse: the 20 superclasses",
            "fine", "coarse");

    @Registered
    public static final Component<Long, DataSources.Split> CIFAR10 = Component.of(DataSources.KIND, "cifar10")
            .summary("CIFAR-10, binary version: 50,000 + 10,000 colour 32x32 images of 10 classes (data_batch_1..5.bin, test_batch.bin)")
            .source("Krizhevsky 2009")
            .params(DATA_DIR)
            .provides(DataSources.IMAGES, DataSources.CLASS_TARGETS)
            .factory((v, seed) -> cifar10(Path.of(v.get(DATA_DIR))));

    @Registered
    public static final Component<Long, DataSources.Split> CIFAR100 = Component.of(DataSources.KIND, "cifar100")
            .summary("CIFAR-100, binary version: 50,000 + 10,000 colour 32x32 images of 100 classes in 20 superclasses (train.bin, test.bin)")
            .source("Krizhevsky 2009")
            .params(DATA_DIR, LABELS)
            .provides(DataSources.IMAGES, DataSources.CLASS_TARGETS)
            .factory((v, seed) -> cifar100(Path.of(v.get(DATA_DIR)), v.get(LABELS).equals("coarse")));

    private Cifar() {
    }

    /** CIFAR-10 from {@code dir} or its {@code cifar-10-batches-bin} subfolder. */
    public static DataSources.Split cifar10(Path dir) {
        Path d = folder(dir, "cifar-10-batches-bin", "data_batch_1.bin");
        List<Path> train = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            train.add(file(d, "data_batch_" + i + ".bin", "CIFAR-10"));
        }
        Records trainSet = read(train, 1, 0, 10);
        Records testSet = read(List.of(file(d, "test_batch.bin", "CIFAR-10")), 1, 0, 10);
        return sets("cifar10", trainSet, testSet, 10);
    }

    /** CIFAR-100 from {@code dir} or its {@code cifar-100-binary} subfolder, by fine (100) or coarse (20) labels. */
    public static DataSources.Split cifar100(Path dir, boolean coarse) {
        Path d = folder(dir, "cifar-100-binary", "train.bin");
        int classes = coarse ? 20 : 100;
        Records trainSet = read(List.of(file(d, "train.bin", "CIFAR-100")), 2, coarse ? 0 : 1, classes);
        Records testSet = read(List.of(file(d, "test.bin", "CIFAR-100")), 2, coarse ? 0 : 1, classes);
        return sets(coarse ? "cifar100-coarse" : "cifar100", trainSet, testSet, classes);
    }

    private static Path folder(Path dir, String unpacked, String probe) {
        if (!Files.isDirectory(dir)) {
            throw new DataFileException(dir, "", "folder does not exist", "give the folder that holds the binary version's files");
        }
        Path inner = dir.resolve(unpacked);
        return !Files.exists(dir.resolve(probe)) && Files.isDirectory(inner) ? inner : dir;
    }

    private static Path file(Path dir, String name, String dataset) {
        Path f = dir.resolve(name);
        if (!Files.isRegularFile(f)) {
            throw new DataFileException(f, "", "file does not exist", "unpack the binary version of " + dataset + " into " + dir
                    + " (the Python and MATLAB versions are other formats)");
        }
        return f;
    }

    private record Records(byte[] pixels, int[] labels) {
    }

    /**
     * The records of {@code files} one after another; each has {@code labelBytes} label bytes (the one at
     * {@code labelAt} is used, below {@code classes}) and then the pixels.
     */
    private static Records read(List<Path> files, int labelBytes, int labelAt, int classes) {
        int recordSize = labelBytes + PIXELS;
        long total = 0;
        long[] counts = new long[files.size()];
        for (int i = 0; i < files.size(); i++) {
            Path f = files.get(i);
            long length = size(f);
            if (length == 0 || length % recordSize != 0) {
                throw new DataFileException(f, "", "is " + length + " bytes long, not a whole number of " + recordSize + "-byte records ("
                        + labelBytes + " label byte" + (labelBytes > 1 ? "s" : "") + " + 3072 pixel bytes)"
                        + (length % recordSize != 0 ? ", with " + length % recordSize + " bytes past the last whole record (truncated?)" : ""),
                        "copy or unpack the file again");
            }
            counts[i] = length / recordSize;
            total += counts[i];
        }
        Resources.requireHeap(total * PIXELS, total * PIXELS, total + " images of 3x32x32", "use fewer files");
        byte[] pixels = new byte[(int) (total * PIXELS)];
        int[] labels = new int[(int) total];
        int at = 0;
        byte[] label = new byte[labelBytes];
        for (int i = 0; i < files.size(); i++) {
            Path f = files.get(i);
            try (InputStream in = new BufferedInputStream(Files.newInputStream(f), 1 << 16)) {
                for (long r = 0; r < counts[i]; r++, at++) {
                    if (in.readNBytes(label, 0, labelBytes) != labelBytes || in.readNBytes(pixels, at * PIXELS, PIXELS) != PIXELS) {
                        throw new DataFileException(f, "record " + r, "the file ended early (it shrank while being read?)", "read it again");
                    }
                    int y = label[labelAt] & 0xff;
                    if (y >= classes) {
                        throw new DataFileException(f, "record " + r + " (byte offset " + (r * recordSize + labelAt) + ")", "label " + y
                                + " is not below the " + classes + " classes", "the file is damaged or of another data set; copy or unpack it again");
                    }
                    labels[at] = y;
                }
            } catch (NoSuchFileException e) {
                throw new DataFileException(f, "", "file does not exist", "check the folder");
            } catch (IOException e) {
                throw new DataFileException(f, "", "cannot be read (" + e + ")", "check the file and its permissions");
            }
        }
        return new Records(pixels, labels);
    }

    private static long size(Path f) {
        try {
            return Files.size(f);
        } catch (IOException e) {
            throw new DataFileException(f, "", "cannot be read (" + e + ")", "check the file and its permissions");
        }
    }

    private static DataSources.Split sets(String name, Records train, Records test, int classes) {
        return ByteDataset.split(name, new Shape(3, 32, 32), train.pixels(), train.labels(), test.pixels(), test.labels(), classes);
    }
}
