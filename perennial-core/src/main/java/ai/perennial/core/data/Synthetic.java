package ai.perennial.core.data;

import ai.djl.ndarray.types.Shape;
import ai.perennial.core.engine.Resources;
import ai.perennial.core.registry.Component;
import ai.perennial.core.registry.Param;
import ai.perennial.core.registry.Registered;
import java.util.SplittableRandom;

/** Small synthetic data sets (classification, and a drifting time-ordered regression) for fast tests; fully determined by the seed. */
public final class Synthetic {
    private static final Param<Integer> SAMPLES = Param.integer("samples", 6000, "samples in all, train and test").atLeast(2)
            .atMost(10_000_000);
    private static final Param<Integer> FEATURES = Param.integer("features", 32, "input dimension").atLeast(1).atMost(1_000_000);
    private static final Param<Integer> CLASSES = Param.integer("classes", 10, "number of classes").atLeast(2).atMost(100_000);
    private static final Param<Double> SEPARATION = Param.number("separation", 1.0, "standard deviation of the class centres")
            .nonNegative();
    private static final Param<Double> TEST_FRACTION = Param.number("test_fraction", 1.0 / 6, "share of the samples held out for testing")
            .inOpen(0, 1);

    @Registered
    public static final Component<Long, DataSources.Split> GAUSSIAN_CLUSTERS = Component.of(DataSources.KIND, "gaussian-clusters")
            .summary("Gaussian class clusters: random centres N(0, separation²), samples centre + N(0, 1); generated from the seed")
            .params(SAMPLES, FEATURES, CLASSES, SEPARATION, TEST_FRACTION)
            .provides(DataSources.VECTORS, DataSources.CLASS_TARGETS)
            .factory((v, seed) -> DataSources.splitSynthetic(gaussianClusters(v.get(SAMPLES), v.get(FEATURES), v.get(CLASSES),
                    v.get(SEPARATION), seed), v.get(TEST_FRACTION)));

    @Registered
    public static final Component<Long, DataSources.Split> LINEAR_TEACHER = Component.of(DataSources.KIND, "linear-teacher")
            .summary("inputs N(0, I) labelled by the argmax of a fixed random linear map (realizable by a linear classifier)")
            .params(SAMPLES, FEATURES, CLASSES, TEST_FRACTION)
            .provides(DataSources.VECTORS, DataSources.CLASS_TARGETS)
            .factory((v, seed) -> DataSources.splitSynthetic(linearTeacher(v.get(SAMPLES), v.get(FEATURES), v.get(CLASSES), seed),
                    v.get(TEST_FRACTION)));

    private static final Param<Double> DRIFT = Param.number("drift", 1.0,
            "how far the target's linear part turns over the stream: 0 none, 1 to an orthogonal direction").inClosed(0, 4);
    private static final Param<Double> NOISE = Param.number("target_noise", 0.1, "standard deviation of the noise added to the target").nonNegative();
    private static final Param<Double> DURATION = Param.number("duration", 100.0, "time stamps run from 0 to this").inOpen(0, 1e12);

    @Registered
    public static final Component<Long, DataSources.Split> DRIFTING_REGRESSION = Component.of(DataSources.KIND, "drifting-regression")
            .summary("time-stamped regression whose target drifts: y = w(t)·x/√d + tanh(x₀)·x₁/2 + noise, w(t) turning from w_a to w_b")
            .params(SAMPLES, Param.integer("features", 8, "input dimension").atLeast(2).atMost(1_000_000), DRIFT, NOISE, DURATION,
                    TEST_FRACTION)
            .provides(DataSources.VECTORS, DataSources.NUMERIC_TARGETS, DataSources.TIME_ORDERED)
            .factory((v, seed) -> driftingRegression(v.get(SAMPLES), v.integer("features"), v.get(DRIFT), v.get(NOISE), v.get(DURATION),
                    v.get(TEST_FRACTION), seed));

    private Synthetic() {
    }

    /**
     * A time-ordered regression stream: sample i has time stamp {@code duration · i / samples}, inputs N(0, I) and target
     * {@code w(t)·x/√d + tanh(x₀)·x₁/2 + N(0, noise²)}, where {@code w(t) = cos(θt) w_a + sin(θt) w_b} for orthonormal random
     * w_a, w_b (scaled to norm √d) and θ = drift·π/2 over the stream; a random {@code testFraction} of the samples is held out.
     */
    public static DataSources.Split driftingRegression(int samples, int dim, double drift, double noise, double duration,
            double testFraction, long seed) {
        checkSize(samples, dim, 2);
        SplittableRandom rng = new SplittableRandom(seed);
        double[] a = new double[dim];
        double[] b = new double[dim];
        for (int j = 0; j < dim; j++) {
            a[j] = gaussian(rng);
            b[j] = gaussian(rng);
        }
        normalize(a);
        double ab = 0;
        for (int j = 0; j < dim; j++) {
            ab += a[j] * b[j];
        }
        for (int j = 0; j < dim; j++) {
            b[j] -= ab * a[j];
        }
        normalize(b);
        float[] x = new float[samples * dim];
        float[] y = new float[samples];
        double[] t = new double[samples];
        for (int i = 0; i < samples; i++) {
            t[i] = duration * i / samples;
            double angle = drift * Math.PI / 2 * i / samples;
            double c = StrictMath.cos(angle);
            double s = StrictMath.sin(angle);
            double target = 0;
            for (int j = 0; j < dim; j++) {
                double xj = gaussian(rng);
                x[i * dim + j] = (float) xj;
                target += (c * a[j] + s * b[j]) * xj; // |w| = 1 here, i.e. w(t)·x/√d with |w| = √d
            }
            target += StrictMath.tanh(x[i * dim]) * x[i * dim + 1] / 2 + noise * gaussian(rng);
            y[i] = (float) target;
        }
        int[][] rows = Splits.holdOut(samples, testFraction, seed ^ 0x5DEECE66DL); // in time order, as the samples are
        int[] trainRows = rows[0];
        int[] testRows = rows[1];
        FloatDataset all = FloatDataset.withTargets("drifting-regression", x, y, new Shape(dim));
        return new DataSources.Split(all.select(trainRows), all.select(testRows), times(t, trainRows), times(t, testRows));
    }

    private static double[] times(double[] t, int[] rows) {
        double[] out = new double[rows.length];
        for (int i = 0; i < rows.length; i++) {
            out[i] = t[rows[i]];
        }
        return out;
    }

    private static void normalize(double[] v) {
        double norm = 0;
        for (double x : v) {
            norm += x * x;
        }
        norm = Math.sqrt(norm);
        for (int j = 0; j < v.length; j++) {
            v[j] /= norm;
        }
    }

    /**
     * Gaussian class clusters: class {@code c} has a random centre with entries N(0, separation²),
     * samples are centre + N(0, 1) noise.
     */
    private static void checkSize(int samples, int dim, int classes) {
        Resources.requireHeap((long) samples * dim, 4L * samples * dim + 8L * classes * dim, samples + " samples and " + classes
                + " class centres of " + dim + " features", "generate fewer samples, classes or features");
    }

    public static FloatDataset gaussianClusters(int samples, int dim, int classes, double separation, long seed) {
        checkSize(samples, dim, classes);
        SplittableRandom rng = new SplittableRandom(seed);
        double[][] centres = new double[classes][dim];
        for (double[] centre : centres) {
            for (int j = 0; j < dim; j++) {
                centre[j] = separation * gaussian(rng);
            }
        }
        float[] x = new float[samples * dim];
        int[] y = new int[samples];
        for (int i = 0; i < samples; i++) {
            y[i] = i % classes;
            for (int j = 0; j < dim; j++) {
                x[i * dim + j] = (float) (centres[y[i]][j] + gaussian(rng));
            }
        }
        return new FloatDataset("gaussian-clusters", x, y, new Shape(dim), classes);
    }

    /**
     * A linear teacher: inputs N(0, I), label = argmax of a fixed random linear map W x. The task is
     * realizable by a linear classifier, so a student can reach (near) 100% accuracy.
     */
    public static FloatDataset linearTeacher(int samples, int dim, int classes, long seed) {
        checkSize(samples, dim, classes);
        SplittableRandom rng = new SplittableRandom(seed);
        double[][] teacher = new double[classes][dim];
        for (double[] row : teacher) {
            for (int j = 0; j < dim; j++) {
                row[j] = gaussian(rng);
            }
        }
        float[] x = new float[samples * dim];
        int[] y = new int[samples];
        double[] xi = new double[dim];
        for (int i = 0; i < samples; i++) {
            for (int j = 0; j < dim; j++) {
                xi[j] = gaussian(rng);
                x[i * dim + j] = (float) xi[j];
            }
            int best = 0;
            double bestScore = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++) {
                double score = 0;
                for (int j = 0; j < dim; j++) {
                    score += teacher[c][j] * xi[j];
                }
                if (score > bestScore) {
                    bestScore = score;
                    best = c;
                }
            }
            y[i] = best;
        }
        return new FloatDataset("linear-teacher", x, y, new Shape(dim), classes);
    }

    /** Standard normal draw (Box–Muller, one value per call for simplicity and determinism). */
    static double gaussian(SplittableRandom rng) {
        double u1 = rng.nextDouble();
        double u2 = rng.nextDouble();
        return Math.sqrt(-2 * StrictMath.log(1 - u1)) * StrictMath.cos(2 * Math.PI * u2);
    }
}
