package ai.perennial.core.data;

import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;

/** Small synthetic classification sets for fast tests; fully determined by the seed. */
public final class Synthetic {
    private Synthetic() {
    }

    /**
     * Gaussian class clusters: class {@code c} has a random centre with entries N(0, separation²),
     * samples are centre + N(0, 1) noise.
     */
    public static FloatDataset gaussianClusters(int samples, int dim, int classes, double separation, long seed) {
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
        return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }
}
