package ai.perennial.core.data;

import ai.perennial.core.PerennialException;
import ai.perennial.core.registry.Kind;
import ai.perennial.core.registry.Registry;
import ai.perennial.core.registry.Trait;
import java.util.Arrays;
import java.util.Map;

/** Data sources: each is a registered component (see {@link FashionMnist}, {@link Synthetic}) that yields a {@link Split}. */
public final class DataSources {
    /** A data source builds a train/test split; the context is the seed for synthetic data. */
    public static final Kind<Long, Split> KIND = Kind.of("dataset", "datasets", "labelled data: a training and a test split");

    public static final Trait IMAGES = new Trait("inputs", "images", "image inputs (channels, height, width)");
    public static final Trait VECTORS = new Trait("inputs", "vectors", "vector inputs");

    private DataSources() {
    }

    /**
     * A training and a test set. {@code trainTimes}/{@code testTimes}: each sample's time stamp (non-decreasing, one per
     * sample) when the source is time-ordered, for streams cut by time; {@code null} when the data has no time order.
     */
    public record Split(Dataset train, Dataset test, double[] trainTimes, double[] testTimes) {
        public Split {
            if ((trainTimes == null) != (testTimes == null)) {
                throw new IllegalArgumentException("time stamps must be given for both the training and the test set, or for neither");
            }
            if (trainTimes != null && (trainTimes.length != train.size() || testTimes.length != test.size())) {
                throw new IllegalArgumentException("one time stamp per sample: " + trainTimes.length + " for " + train.size()
                        + " training and " + testTimes.length + " for " + test.size() + " test samples");
            }
            if (trainTimes != null) {
                requireTimeOrder(trainTimes, train.name());
                requireTimeOrder(testTimes, test.name());
            }
        }

        public Split(Dataset train, Dataset test) {
            this(train, test, null, null);
        }

        public boolean timeOrdered() {
            return trainTimes != null;
        }

        private static void requireTimeOrder(double[] times, String name) {
            for (int i = 0; i < times.length; i++) {
                if (Double.isNaN(times[i]) || i > 0 && times[i] < times[i - 1]) {
                    throw new PerennialException(name + ": time stamp " + i + " (" + times[i] + ") "
                            + (Double.isNaN(times[i]) ? "is not a number" : "comes before the one ahead of it (" + times[i - 1] + ")")
                            + "; give the samples in time order, each with a time stamp");
                }
            }
        }
    }

    /** Data whose samples carry time stamps ({@link Split#timeOrdered}), for streams cut by time. */
    public static final Trait TIME_ORDERED = new Trait("order", "time-stamped", "time-stamped data");

    /** The targets trait of data with numeric targets ({@code numeric}) or class labels. */
    public static Trait targets(boolean numeric) {
        return numeric ? NUMERIC_TARGETS : CLASS_TARGETS;
    }

    /** Data with class labels (classification). */
    public static final Trait CLASS_TARGETS = new Trait("targets", "classes", "class labels");

    /** Data with a numeric target per sample (regression). */
    public static final Trait NUMERIC_TARGETS = new Trait("targets", "numeric", "numeric targets (regression)");

    /** The named source with {@code params} (checked against its declaration), e.g. {@code load("gaussian-clusters", Map.of(), 1)}. */
    public static Split load(String name, Map<String, ?> params, long seed) {
        return ai.perennial.core.registry.Chosen.of(Registry.global(), KIND, name, params, "dataset").build(seed);
    }

    /**
     * How {@code data}'s inputs are stored and normalized, for a model exported with it: {@code {type: uint8, mean, std}}
     * (x / 255 − mean) / std, or {@code {type: float32}} used as is.
     */
    public static Map<String, Object> inputs(Dataset data) {
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        out.put("shape", data.sampleShape().getShape());
        if (data instanceof ByteDataset b) {
            out.put("type", "uint8");
            out.put("mean", (double) b.mean());
            out.put("std", (double) b.std());
        } else {
            out.put("type", "float32");
        }
        out.put("classes", data.numClasses());
        return out;
    }

    /**
     * {@code split} with its numeric targets z-scored by the training targets' mean and standard deviation (a constant
     * target is only centred), time stamps kept: a regression model then trains on targets of unit scale.
     */
    public static Split standardizeTargets(Split split) {
        Dataset train = split.train();
        double sum = 0;
        for (int i = 0; i < train.size(); i++) {
            sum += train.target(i);
        }
        double mean = sum / train.size();
        double squares = 0;
        for (int i = 0; i < train.size(); i++) {
            double d = train.target(i) - mean;
            squares += d * d;
        }
        double std = Math.sqrt(squares / train.size());
        double scale = std > 1e-12 * Math.max(1, Math.abs(mean)) ? 1 / std : 1;
        return new Split(standardized(train, mean, scale), standardized(split.test(), mean, scale), split.trainTimes(), split.testTimes());
    }

    private static Dataset standardized(Dataset d, double mean, double scale) {
        float[] y = new float[d.size()];
        for (int i = 0; i < y.length; i++) {
            y[i] = (float) ((d.target(i) - mean) * scale);
        }
        return ((HostDataset) d).withTargets(y);
    }

    /** The last {@code testFraction} of {@code all} for testing, the rest for training (samples are already i.i.d.). */
    static Split splitSynthetic(Dataset all, double testFraction) {
        int trainSize = (int) Math.round(all.size() * (1 - testFraction));
        int[] order = Shuffle.range(all.size());
        return new Split(all.select(Arrays.copyOfRange(order, 0, trainSize)),
                all.select(Arrays.copyOfRange(order, trainSize, order.length)));
    }
}
