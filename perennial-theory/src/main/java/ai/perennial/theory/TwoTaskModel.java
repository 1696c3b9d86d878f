package ai.perennial.theory;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.QRDecomposition;

/**
 * Two-task continual regression where task 2 is task 1 seen through a random orthogonal transform O (an abstraction
 * of permuted inputs): X₂ = X₁Oᵀ, y₂ = y₁. O is the identity on a random α·p of the p coordinates and Haar-random (or
 * a random permutation) on the rest, so α is the task similarity and 1 − n/p the over-parameterization. From w₀ = 0,
 * w₁ = X₁⁺y₁ and w₂ = w₁ + X₂⁺(y₂ − X₂w₁) = w₁ + O·X₁⁺(y₁ − X₁Oᵀw₁); forgetting is ‖X₁w₂ − y₁‖²/n.
 */
public final class TwoTaskModel {
    /** How the non-identity coordinates are mixed. */
    public enum Transform {
        HAAR, PERMUTATION;

        public static Transform parse(String name) {
            try {
                return valueOf(name.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new TheoryException("unknown transform '" + name + "'; use haar or permutation");
            }
        }
    }

    /** Mean forgetting over trials at one similarity, with its standard error. */
    public record Point(double similarity, double mean, double standardError) {
    }

    private TwoTaskModel() {
    }

    public static List<Point> sweep(int features, int samples, double[] similarities, int trials, Transform transform, long seed) {
        if (samples < 1 || samples > features) {
            throw new TheoryException("the two-task model needs 1 ≤ n ≤ p, got n=" + samples + ", p=" + features);
        }
        if (trials < 2) {
            throw new TheoryException("use at least 2 trials, got " + trials);
        }
        List<Point> out = new ArrayList<>();
        for (double alpha : similarities) {
            if (!(alpha >= 0 && alpha <= 1)) {
                throw new TheoryException("similarity α must be in [0, 1], got " + alpha);
            }
            Random random = new Random(seed + Math.round(alpha * 1e6));
            double sum = 0;
            double sumSq = 0;
            for (int trial = 0; trial < trials; trial++) {
                double f = forgetting(features, samples, alpha, transform, random);
                sum += f;
                sumSq += f * f;
            }
            out.add(new Point(alpha, sum / trials, Band.standardError(sum, sumSq, trials)));
        }
        return out;
    }

    /** One trial: fresh X₁, teacher w̄ ~ N(0, I/p) and transform. */
    public static double forgetting(int p, int n, double alpha, Transform transform, Random random) {
        double[][] x = new double[n][p];
        double[] teacher = new double[p];
        for (int j = 0; j < p; j++) {
            teacher[j] = random.nextGaussian() / Math.sqrt(p);
        }
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < p; j++) {
                x[i][j] = random.nextGaussian();
            }
            y[i] = Vectors.dot(x[i], teacher);
        }
        LinearTask task = new LinearTask(x, y);
        double[] full = new double[task.rank()];
        java.util.Arrays.fill(full, 1);
        double[] w1 = new double[p];
        task.update(w1, full);
        PartialOrthogonal o = new PartialOrthogonal(p, (int) Math.round(alpha * p), transform, random);
        double[] u = o.applyTransposed(w1);
        double[] fitted = u.clone();
        task.update(fitted, full); // u + X₁⁺(y − X₁u)
        for (int j = 0; j < p; j++) {
            fitted[j] -= u[j];
        }
        double[] step = o.apply(fitted);
        for (int j = 0; j < p; j++) {
            w1[j] += step[j];
        }
        return task.loss(w1) / n;
    }

    /** Identity on a random subset of coordinates, a random orthogonal matrix (or permutation) on the others. */
    static final class PartialOrthogonal {
        private final int[] mixed;
        private final double[] q; // mixed × mixed, row-major; null for a permutation
        private final int[] permutation;

        PartialOrthogonal(int p, int kept, Transform transform, Random random) {
            int[] order = Ordering.RANDOM_WITHOUT_REPLACEMENT.sequence(p, p, random);
            mixed = java.util.Arrays.copyOfRange(order, kept, p);
            int size = mixed.length;
            if (transform == Transform.PERMUTATION) {
                permutation = Ordering.RANDOM_WITHOUT_REPLACEMENT.sequence(size, size, random);
                q = null;
            } else {
                permutation = null;
                q = haar(size, random);
            }
        }

        double[] apply(double[] v) {
            return map(v, false);
        }

        double[] applyTransposed(double[] v) {
            return map(v, true);
        }

        private double[] map(double[] v, boolean transposed) {
            double[] out = v.clone();
            int size = mixed.length;
            for (int a = 0; a < size; a++) {
                if (q == null) {
                    // P sends coordinate a to permutation[a]; Pᵀ brings it back
                    if (transposed) {
                        out[mixed[a]] = v[mixed[permutation[a]]];
                    } else {
                        out[mixed[permutation[a]]] = v[mixed[a]];
                    }
                    continue;
                }
                double s = 0;
                for (int b = 0; b < size; b++) {
                    s += (transposed ? q[b * size + a] : q[a * size + b]) * v[mixed[b]];
                }
                out[mixed[a]] = s;
            }
            return out;
        }

        /** Haar-distributed orthogonal matrix: QR of a Gaussian matrix with R's diagonal made positive. */
        static double[] haar(int size, Random random) {
            if (size == 0) {
                return new double[0];
            }
            DMatrixRMaj g = new DMatrixRMaj(size, size);
            for (int i = 0; i < g.data.length; i++) {
                g.data[i] = random.nextGaussian();
            }
            QRDecomposition<DMatrixRMaj> qr = DecompositionFactory_DDRM.qr(size, size);
            if (!qr.decompose(g)) {
                throw new TheoryException("QR of a random " + size + "×" + size + " matrix failed");
            }
            DMatrixRMaj qm = qr.getQ(null, false);
            DMatrixRMaj r = qr.getR(null, false);
            double[] out = new double[size * size];
            for (int i = 0; i < size; i++) {
                for (int j = 0; j < size; j++) {
                    out[i * size + j] = qm.get(i, j) * Math.signum(r.get(j, j) == 0 ? 1 : r.get(j, j));
                }
            }
            return out;
        }
    }
}
