package ai.perennial.cl.metrics;

import java.util.Arrays;
import java.util.stream.IntStream;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;

/**
 * Why a network stops learning, as pure functions of what a probe batch shows: unit activity {@code a[sample][unit]}
 * (the unit's non-negative output, for a convolution its mean over positions) and weight matrices.
 */
public final class PlasticityDiagnostics {
    /** τ of the recorded dormant-unit share (Sokar et al. 2023 report τ = 0.1 and 0.025; ReDo resets at its own τ). */
    public static final double DORMANT_TAU = 0.1;

    /** δ of the recorded srank: the fewest singular values that hold 99% of the total. */
    public static final double SRANK_DELTA = 0.01;

    /** A unit that is zero on at least this share of the probe samples counts as saturated. */
    public static final double SATURATED_SHARE = 0.99;

    private PlasticityDiagnostics() {
    }

    /** Share of units that are zero on every sample (dead ReLUs). */
    public static double deadFraction(float[][] a) {
        return zeroShareFraction(a, 1.0);
    }

    /**
     * Share of units that are flat on at least {@link #SATURATED_SHARE} of the samples: for a ReLU the flat region is 0,
     * so these are units that almost never pass a gradient.
     */
    public static double saturatedFraction(float[][] a) {
        return zeroShareFraction(a, SATURATED_SHARE);
    }

    private static double zeroShareFraction(float[][] a, double share) {
        int units = units(a);
        if (units == 0) {
            return Double.NaN;
        }
        int count = 0;
        for (int j = 0; j < units; j++) {
            int zeros = 0;
            for (float[] row : a) {
                if (row[j] == 0) {
                    zeros++;
                }
            }
            if (zeros >= share * a.length) {
                count++;
            }
        }
        return (double) count / units;
    }

    /** Share of τ-dormant units ({@link #dormantUnits}) in the activity {@code a[sample][unit]}. */
    public static double dormantFraction(float[][] a, double tau) {
        int units = units(a);
        if (units == 0) {
            return Double.NaN;
        }
        double[] mean = new double[units];
        for (int j = 0; j < units; j++) {
            for (float[] row : a) {
                mean[j] += Math.abs(row[j]);
            }
            mean[j] /= a.length;
        }
        return (double) dormantUnits(mean, tau).length / units;
    }

    /**
     * The τ-dormant units (Sokar et al. 2023), in index order, given each unit's mean |activity| m_j: those with
     * s_j = m_j / mean_k m_k ≤ τ; every unit when the whole layer is silent. ReDo resets these.
     */
    public static int[] dormantUnits(double[] meanActivity, double tau) {
        double layerMean = Arrays.stream(meanActivity).average().orElse(0);
        return IntStream.range(0, meanActivity.length)
                .filter(j -> layerMean == 0 || meanActivity[j] / layerMean <= tau).toArray();
    }

    /** Singular values of {@code m} (rows × columns, row-major), largest first. */
    public static double[] singularValues(float[] m, int rows, int columns) {
        if ((long) rows * columns != m.length) {
            throw new IllegalArgumentException(m.length + " values do not form a " + rows + "x" + columns + " matrix");
        }
        if (rows == 0 || columns == 0) {
            return new double[0];
        }
        DMatrixRMaj matrix = new DMatrixRMaj(rows, columns);
        for (int i = 0; i < m.length; i++) {
            matrix.data[i] = m[i];
        }
        SingularValueDecomposition_F64<DMatrixRMaj> svd = DecompositionFactory_DDRM.svd(rows, columns, false, false, true);
        if (!svd.decompose(matrix)) {
            throw new IllegalStateException("singular value decomposition did not converge");
        }
        return descending(Arrays.copyOf(svd.getSingularValues(), Math.min(rows, columns)));
    }

    /** Singular values of the activity matrix {@code a} (samples × units), largest first. */
    public static double[] singularValues(float[][] a) {
        int units = units(a);
        float[] flat = new float[a.length * units];
        for (int i = 0; i < a.length; i++) {
            System.arraycopy(a[i], 0, flat, i * units, units);
        }
        return singularValues(flat, a.length, units);
    }

    /**
     * Singular values of a matrix M, largest first, from its Gram matrix G = M Mᵀ or Mᵀ M ({@code n} × {@code n},
     * row-major; the smaller of the two is cheaper): σ_k = √λ_k(G). A symmetric eigenproblem is several times faster than
     * an SVD of M; the smallest σ lose relative precision, which rank measures dominated by the large ones do not feel.
     */
    public static double[] singularValuesFromGram(float[] gram, int n) {
        if ((long) n * n != gram.length) {
            throw new IllegalArgumentException(gram.length + " values do not form a " + n + "x" + n + " matrix");
        }
        if (n == 0) {
            return new double[0];
        }
        DMatrixRMaj g = new DMatrixRMaj(n, n);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                g.data[i * n + j] = (gram[i * n + j] + gram[j * n + i]) / 2.0; // exactly symmetric
            }
        }
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(n, false, true);
        if (!eig.decompose(g)) {
            throw new IllegalStateException("eigendecomposition did not converge");
        }
        double[] values = new double[n];
        for (int k = 0; k < n; k++) {
            values[k] = Math.sqrt(Math.max(0, eig.getEigenvalue(k).getReal()));
        }
        return descending(values);
    }

    private static double[] descending(double[] values) {
        Arrays.sort(values);
        for (int i = 0; i < values.length / 2; i++) {
            double t = values[i];
            values[i] = values[values.length - 1 - i];
            values[values.length - 1 - i] = t;
        }
        return values;
    }

    /**
     * Entropy-based effective rank (Roy &amp; Vetterli 2007): exp(−Σ p_k log p_k) with p_k = σ_k / Σσ; between 1 and the
     * number of non-zero singular values, 0 for a zero matrix.
     */
    public static double effectiveRank(double[] singularValues) {
        double sum = Arrays.stream(singularValues).sum();
        if (sum <= 0) {
            return 0;
        }
        double entropy = 0;
        for (double s : singularValues) {
            if (s > 0) {
                double p = s / sum;
                entropy -= p * Math.log(p);
            }
        }
        return Math.exp(entropy);
    }

    /**
     * The "srank" of Kumar et al. 2021: the fewest singular values (largest first) whose sum reaches (1 − δ) of the
     * total; 0 for a zero matrix.
     */
    public static int srank(double[] singularValues, double delta) {
        double sum = Arrays.stream(singularValues).sum();
        if (sum <= 0) {
            return 0;
        }
        double partial = 0;
        for (int k = 0; k < singularValues.length; k++) {
            partial += singularValues[k];
            if (partial >= (1 - delta) * sum) {
                return k + 1;
            }
        }
        return singularValues.length;
    }

    private static int units(float[][] a) {
        return a.length == 0 ? 0 : a[0].length;
    }
}
