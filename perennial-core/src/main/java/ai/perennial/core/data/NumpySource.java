package ai.perennial.core.data;

import ai.djl.ndarray.types.Shape;
import ai.perennial.core.registry.Component;
import ai.perennial.core.registry.Param;
import ai.perennial.core.registry.Registered;
import ai.perennial.core.registry.Trait;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Arrays saved by NumPy: a {@code .npz} archive holding inputs and labels (by default {@code x} and {@code y}), or an
 * inputs {@code .npy} file with a labels {@code .npy} file. Inputs of shape (n, c, h, w) or (n, h, w) are images, (n, d)
 * vectors; uint8 inputs stay bytes and are normalized per batch as (x / 255 − mean) / std, float inputs are used as
 * they are. Decoding is DJL's ({@link Npy}).
 */
public final class NumpySource {
    /** Class ids at most this large: a bigger id is far more likely a mistake (float data read as labels) than a class. */
    static final int MAX_CLASSES = 100_000;

    private static final Param<String> FILE = Param.path("file", null, "a .npz archive, or the inputs .npy file").required();
    private static final Param<String> INPUTS = Param.text("inputs", "x", "name of the inputs array in a .npz archive");
    private static final Param<String> LABELS = Param.text("labels", "y", "name of the labels array in a .npz archive");
    private static final Param<String> LABELS_FILE = Param.path("labels_file", null, "the labels .npy file, when file is a .npy");
    private static final Param<String> TEST_FILE = Param.path("test_file", null,
            "test inputs: a .npz archive or an inputs .npy file; unset: hold out test_fraction of the samples at random (seeded)");
    private static final Param<String> TEST_LABELS_FILE = Param.path("test_labels_file", null, "the test labels .npy file, when test_file is a .npy");
    private static final Param<Double> TEST_FRACTION = Param.number("test_fraction", 0.2,
            "share of the samples held out for testing when there is no test_file").inOpen(0, 1);
    private static final Param<String> TARGET = Param.choice("target", "classes",
            "classes: integer labels 0..K-1 (uint8, int32, int64); numeric: a number per sample to regress", "classes", "numeric");
    private static final Param<List<Integer>> SHAPE = Param.integers("shape", null,
            "each sample's shape, [channels, height, width] for images or [features] for vectors; unset: from the array")
            .check(s -> (s.size() == 1 || s.size() == 3) && s.stream().allMatch(d -> d > 0), "1 or 3 positive sizes");
    private static final Param<Double> MEAN = Param.number("mean", null,
            "uint8 inputs: normalization mean of x / 255; unset: the training samples' mean");
    private static final Param<Double> STD = Param.number("std", null,
            "uint8 inputs: normalization standard deviation of x / 255; unset: the training samples' standard deviation").positive();

    @Registered
    public static final Component<Long, DataSources.Split> NUMPY = Component.of(DataSources.KIND, "numpy")
            .summary("NumPy arrays: a .npz archive of inputs and labels, or .npy files; uint8 or float inputs, images or vectors")
            .params(FILE, INPUTS, LABELS, LABELS_FILE, TEST_FILE, TEST_LABELS_FILE, TEST_FRACTION, TARGET, SHAPE, MEAN, STD)
            .provides(v -> Set.of(inputsTrait(v), DataSources.targets(v.get(TARGET).equals("numeric"))))
            .factory((v, seed) -> load(new Options(Path.of(v.get(FILE)), v.get(INPUTS), v.get(LABELS), path(v.get(LABELS_FILE)),
                    path(v.get(TEST_FILE)), path(v.get(TEST_LABELS_FILE)), v.get(TEST_FRACTION), v.get(TARGET).equals("numeric"),
                    v.get(SHAPE), v.get(MEAN), v.get(STD)), seed));

    /**
     * What to read; {@code labelsFile}/{@code testLabelsFile} are needed for .npy inputs, {@code testFile} null holds
     * out {@code testFraction}; {@code shape}, {@code mean}, {@code std} may be null.
     */
    public record Options(Path file, String inputs, String labels, Path labelsFile, Path testFile, Path testLabelsFile,
            double testFraction, boolean numericTarget, List<Integer> shape, Double mean, Double std) {
        /** A .npz with arrays x and y, class labels, 20% held out. */
        public static Options of(Path npz) {
            return new Options(npz, "x", "y", null, null, null, 0.2, false, null, null, null);
        }
    }

    private NumpySource() {
    }

    private static Path path(String p) {
        return p == null ? null : Path.of(p);
    }

    /** Images when the samples have three dimensions (given by shape, or read from the inputs array's header). */
    private static Trait inputsTrait(ai.perennial.core.registry.Values v) {
        int rank;
        if (v.get(SHAPE) != null) {
            rank = v.get(SHAPE).size();
        } else {
            rank = Npy.peek(Path.of(v.get(FILE)), v.get(INPUTS)).shape().length - 1;
        }
        return rank >= 2 ? DataSources.IMAGES : DataSources.VECTORS;
    }

    public static DataSources.Split load(Options o, long seed) {
        Part train = part(o, o.file(), o.labelsFile(), "labels_file");
        if (o.testFile() != null) {
            Part test = part(o, o.testFile(), o.testLabelsFile(), "test_labels_file");
            if (!Arrays.equals(test.sampleShape, train.sampleShape) || !test.inputs.dtype().equals(train.inputs.dtype())) {
                throw new DataFileException(test.inputs.where(), "", "holds " + test.inputs.typeName() + " samples of shape "
                        + Arrays.toString(test.sampleShape) + " but the training samples are " + train.inputs.typeName() + " of shape "
                        + Arrays.toString(train.sampleShape), "give test samples of the training samples' type and shape");
            }
            int classes = o.numericTarget() ? 1 : Math.max(train.classes(), test.classes());
            checkTrainedClasses(train, test, classes);
            return datasets(o, train, test, classes);
        }
        int n = train.size();
        if (n < 2) {
            throw new DataFileException(train.inputs.where(), "", "has 1 sample, too few to hold out a test set", "give more samples or a test_file");
        }
        int[][] rows = Splits.holdOut(n, o.testFraction(), seed);
        int classes = o.numericTarget() ? 1 : train.classes();
        Part trainPart = train.select(rows[0]);
        Part testPart = train.select(rows[1]);
        checkTrainedClasses(trainPart, testPart, classes);
        return datasets(o, trainPart, testPart, classes);
    }

    /** Inputs and labels of one set, checked against each other. */
    private record Part(Npy.Array inputs, long[] sampleShape, Object rows, int[] classLabels, float[] targets, Npy.Array labels) {
        int size() {
            return classLabels != null ? classLabels.length : targets.length;
        }

        int features() {
            return (int) Arrays.stream(sampleShape).reduce(1, (a, b) -> a * b);
        }

        int classes() {
            return Arrays.stream(classLabels).max().orElse(0) + 1;
        }

        Part select(int[] indices) {
            int f = features();
            Object out = rows instanceof byte[] ? new byte[indices.length * f] : new float[indices.length * f];
            for (int i = 0; i < indices.length; i++) {
                System.arraycopy(rows, indices[i] * f, out, i * f, f);
            }
            int[] c = classLabels == null ? null : Arrays.stream(indices).map(i -> classLabels[i]).toArray();
            float[] t = null;
            if (targets != null) {
                t = new float[indices.length];
                for (int i = 0; i < indices.length; i++) {
                    t[i] = targets[indices[i]];
                }
            }
            return new Part(inputs, sampleShape, out, c, t, labels);
        }
    }

    private static Part part(Options o, Path file, Path labelsFile, String labelsParam) {
        Npy.Array x = Npy.read(file, o.inputs());
        Npy.Array y;
        if (Npy.isArchive(file)) {
            y = Npy.read(file, o.labels());
        } else {
            if (labelsFile == null) {
                throw new DataFileException(file, "", "is a .npy file of inputs, and no labels file is given",
                        "set " + labelsParam + " to the labels .npy, or give a .npz archive holding both");
            }
            y = Npy.read(labelsFile, o.labels());
        }
        if (!x.dtype().equals("|u1") && !x.dtype().equals("<f4") && !x.dtype().equals("<f8")) {
            throw new DataFileException(x.where(), "", "inputs are " + x.typeName() + "; they must be uint8 (e.g. images) or float32/float64",
                    "convert them, e.g. x.astype(numpy.float32)");
        }
        long[] shape = x.shape();
        if (shape.length == 0 || shape[0] == 0) {
            throw new DataFileException(x.where(), "", "holds no samples (shape " + Arrays.toString(shape) + ")",
                    "the first dimension counts the samples");
        }
        long[] sample = Arrays.copyOfRange(shape, 1, shape.length);
        if (sample.length == 0) {
            sample = new long[] {1};
        }
        long features = Arrays.stream(sample).reduce(1, (a, b) -> a * b);
        if (features == 0) {
            throw new DataFileException(x.where(), "", "samples of shape " + Arrays.toString(sample) + " hold no values", "check the array");
        }
        if (o.shape() != null) {
            long given = o.shape().stream().mapToLong(Integer::longValue).reduce(1, (a, b) -> a * b);
            if (given != features) {
                throw new DataFileException(x.where(), "", "samples of shape " + Arrays.toString(sample) + " hold " + features
                        + " values, not the " + given + " of the shape parameter " + o.shape(), "set shape to sizes whose product is " + features);
            }
            sample = o.shape().stream().mapToLong(Integer::longValue).toArray();
        } else if (sample.length == 2) {
            sample = new long[] {1, sample[0], sample[1]}; // (n, h, w): one channel
        } else if (sample.length > 3) {
            throw new DataFileException(x.where(), "", "has shape " + Arrays.toString(shape) + "; samples must be (c, h, w), (h, w) or (d)",
                    "reshape the array, or set the shape parameter");
        }
        int n = (int) shape[0];
        long[] yShape = y.shape();
        if (!(yShape.length == 1 || (yShape.length == 2 && yShape[1] == 1)) || yShape[0] != n) {
            throw new DataFileException(y.where(), "", "labels have shape " + Arrays.toString(yShape) + " for " + n + " samples",
                    "give one label per sample, shape (" + n + ",)");
        }
        Object rows = x.data();
        if (rows instanceof double[] d) {
            float[] f = new float[d.length];
            for (int i = 0; i < d.length; i++) {
                f[i] = (float) d[i];
            }
            rows = f;
        }
        if (rows instanceof float[] f) {
            for (int i = 0; i < f.length; i++) {
                if (!Float.isFinite(f[i])) {
                    throw new DataFileException(x.where(), "sample " + i / features + ", value " + i % features, "is " + f[i]
                            + " (as float32)", "replace missing or infinite values before saving");
                }
            }
            if (o.mean() != null || o.std() != null) {
                throw new DataFileException(x.where(), "", "inputs are " + x.typeName() + "; mean and std apply to uint8 inputs only",
                        "unset mean and std, or store the inputs as uint8");
            }
        }
        return o.numericTarget() ? new Part(x, sample, rows, null, targets(y), y) : new Part(x, sample, rows, classes(y), null, y);
    }

    private static int[] classes(Npy.Array y) {
        int[] out = new int[Math.toIntExact(y.shape()[0])];
        for (int i = 0; i < out.length; i++) {
            long v;
            if (y.data() instanceof byte[] b) {
                v = b[i] & 0xff;
            } else if (y.data() instanceof int[] a) {
                v = a[i];
            } else if (y.data() instanceof long[] a) {
                v = a[i];
            } else {
                throw new DataFileException(y.where(), "", "labels are " + y.typeName() + ", not integer class ids",
                        "set target: numeric to regress them, or store class ids 0..K-1 as integers (y.astype(numpy.int64))");
            }
            if (v < 0 || v >= MAX_CLASSES) {
                throw new DataFileException(y.where(), "index " + i, "label " + v + " is not a class id in 0.." + (MAX_CLASSES - 1),
                        "store class ids 0..K-1, or set target: numeric");
            }
            out[i] = (int) v;
        }
        return out;
    }

    private static float[] targets(Npy.Array y) {
        float[] out = new float[Math.toIntExact(y.shape()[0])];
        for (int i = 0; i < out.length; i++) {
            double v;
            Object data = y.data();
            if (data instanceof byte[] b) {
                v = b[i] & 0xff;
            } else if (data instanceof int[] a) {
                v = a[i];
            } else if (data instanceof long[] a) {
                v = a[i];
            } else if (data instanceof float[] a) {
                v = a[i];
            } else {
                v = ((double[]) data)[i];
            }
            if (!Float.isFinite((float) v)) {
                throw new DataFileException(y.where(), "index " + i, "target " + v + " is not a finite float32",
                        "replace missing or infinite targets before saving");
            }
            out[i] = (float) v;
        }
        return out;
    }

    private static void checkTrainedClasses(Part train, Part test, int classes) {
        if (test.classLabels == null) {
            return;
        }
        if (classes < 2) {
            throw new DataFileException(train.labels.where(), "", "every label is 0: one class", "a classifier needs two or more classes; "
                    + "set target: numeric for a numeric target");
        }
        Splits.requireTrained(train.classLabels, test.classLabels, classes, test.labels.where(), String::valueOf,
                "add training samples of that class, or remove it from the test set");
    }

    private static DataSources.Split datasets(Options o, Part train, Part test, int classes) {
        Shape shape = new Shape(train.sampleShape);
        String name = String.valueOf(o.file().getFileName());
        if (train.rows instanceof byte[] trainBytes) {
            float[] measured = o.mean() != null && o.std() != null ? null : ByteDataset.normalization(trainBytes);
            float mean = o.mean() != null ? o.mean().floatValue() : measured[0];
            float std = o.std() != null ? o.std().floatValue() : measured[1];
            if (o.numericTarget()) {
                return new DataSources.Split(ByteDataset.withTargets(name + "/train", trainBytes, train.targets, shape, mean, std),
                        ByteDataset.withTargets(name + "/test", (byte[]) test.rows, test.targets, shape, mean, std));
            }
            return new DataSources.Split(new ByteDataset(name + "/train", trainBytes, train.classLabels, shape, classes, mean, std),
                    new ByteDataset(name + "/test", (byte[]) test.rows, test.classLabels, shape, classes, mean, std));
        }
        if (o.numericTarget()) {
            return new DataSources.Split(FloatDataset.withTargets(name + "/train", (float[]) train.rows, train.targets, shape),
                    FloatDataset.withTargets(name + "/test", (float[]) test.rows, test.targets, shape));
        }
        return new DataSources.Split(new FloatDataset(name + "/train", (float[]) train.rows, train.classLabels, shape, classes),
                new FloatDataset(name + "/test", (float[]) test.rows, test.classLabels, shape, classes));
    }

}
