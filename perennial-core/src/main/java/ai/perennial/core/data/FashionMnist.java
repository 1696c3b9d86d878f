package ai.perennial.core.data;

import ai.djl.ndarray.types.Shape;
import ai.perennial.core.PerennialException;
import ai.perennial.core.registry.Component;
import ai.perennial.core.registry.Param;
import ai.perennial.core.registry.Registered;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Fashion-MNIST (or any MNIST-layout directory of IDX files): {@code train-images-idx3-ubyte},
 * {@code train-labels-idx1-ubyte}, {@code t10k-images-idx3-ubyte}, {@code t10k-labels-idx1-ubyte},
 * each raw or gzipped.
 */
public final class FashionMnist {
    /** Where Debian's {@code dataset-fashion-mnist} package installs the files. */
    public static final Path DEFAULT_DIR = Path.of("/usr/share/datasets/fashion-mnist");

    /** Per-pixel mean and standard deviation of the Fashion-MNIST training images (scaled to [0, 1]). */
    public static final float MEAN = 0.2860f;
    public static final float STD = 0.3530f;

    private static final String INSTALL_HINT =
            "install it with 'sudo apt-get install dataset-fashion-mnist' or pass --data-dir DIR with the four IDX files";

    private static final Param<String> DEFAULT_DATA_DIR = Param.path("data_dir", DEFAULT_DIR.toString(),
            "directory of the four IDX files (raw or .gz)");
    private static final Param<String> DATA_DIR = Param.path("data_dir", null, "directory of the four IDX files (raw or .gz)").required();
    private static final Param<Integer> CLASSES = Param.integer("classes", 10, "number of classes; every label must be below it")
            .inClosed(2, 256);

    @Registered
    public static final Component<Long, DataSources.Split> FASHION_MNIST = Component.of(DataSources.KIND, "fashion-mnist")
            .summary("Fashion-MNIST: 60,000 + 10,000 grey 28x28 images of 10 clothing classes (Debian's dataset-fashion-mnist)")
            .source("Xiao, Rasul & Vollgraf 2017")
            .params(DEFAULT_DATA_DIR)
            .provides(DataSources.IMAGES, DataSources.CLASS_TARGETS)
            .factory((v, seed) -> load(Path.of(v.get(DEFAULT_DATA_DIR))).asSources());

    @Registered
    public static final Component<Long, DataSources.Split> IDX = Component.of(DataSources.KIND, "idx")
            .summary("any MNIST-layout directory: train/t10k images and labels as IDX files, raw or gzipped")
            .params(DATA_DIR, CLASSES)
            .provides(DataSources.IMAGES, DataSources.CLASS_TARGETS)
            .factory((v, seed) -> load(Path.of(v.get(DATA_DIR)), v.get(CLASSES)).asSources());

    private FashionMnist() {
    }

    public record Split(ByteDataset train, ByteDataset test) {
        DataSources.Split asSources() {
            return new DataSources.Split(train, test);
        }
    }

    /** Fashion-MNIST itself (10 classes). */
    public static Split load(Path dir) {
        return load(dir, 10);
    }

    /**
     * An MNIST-layout directory whose labels lie in {@code [0, classes)}; train and test images must have one size.
     */
    public static Split load(Path dir, int classes) {
        if (!Files.isDirectory(dir)) {
            throw new PerennialException("data directory " + dir + " does not exist; " + INSTALL_HINT);
        }
        ByteDataset train = loadPart(dir, "train", "fashion-mnist/train", classes);
        ByteDataset test = loadPart(dir, "t10k", "fashion-mnist/test", classes);
        if (!train.sampleShape().equals(test.sampleShape())) {
            throw new PerennialException(find(dir, "t10k-images-idx3-ubyte") + ": test images are " + size(test.sampleShape())
                    + " but training images are " + size(train.sampleShape()) + "; both sets must have one image size");
        }
        return new Split(train, test);
    }

    private static String size(Shape s) {
        return s.get(1) + "x" + s.get(2);
    }

    private static ByteDataset loadPart(Path dir, String prefix, String name, int classes) {
        IdxFile images = IdxFile.read(find(dir, prefix + "-images-idx3-ubyte"));
        Path labelFile = find(dir, prefix + "-labels-idx1-ubyte");
        IdxFile labels = IdxFile.read(labelFile);
        if (images.dims().length != 3) {
            throw new IdxFormatException(find(dir, prefix + "-images-idx3-ubyte"),
                    "images must have rank 3 (count, rows, cols), found dimensions " + Arrays.toString(images.dims()));
        }
        if (labels.dims().length != 1) {
            throw new IdxFormatException(labelFile, "labels must have rank 1, found dimensions " + Arrays.toString(labels.dims()));
        }
        if (labels.dims()[0] != images.dims()[0]) {
            throw new IdxFormatException(labelFile, labels.dims()[0] + " labels for " + images.dims()[0] + " images");
        }
        int[] y = new int[labels.dims()[0]];
        for (int i = 0; i < y.length; i++) {
            y[i] = labels.data()[i] & 0xff;
            if (y[i] >= classes) {
                throw new PerennialException(labelFile + ": label " + y[i] + " at position " + i + " is not below the " + classes
                        + " classes of the data set; fix the labels, or set the data set's classes if there are more");
            }
        }
        return new ByteDataset(name, images.data(), y, new Shape(1, images.dims()[1], images.dims()[2]), classes, MEAN, STD);
    }

    private static Path find(Path dir, String stem) {
        Path raw = dir.resolve(stem);
        if (Files.exists(raw)) {
            return raw;
        }
        Path gz = dir.resolve(stem + ".gz");
        if (Files.exists(gz)) {
            return gz;
        }
        throw new PerennialException("data directory " + dir + " has no " + stem + "[.gz]; " + INSTALL_HINT);
    }
}
