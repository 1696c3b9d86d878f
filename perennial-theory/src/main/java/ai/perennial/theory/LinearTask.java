package ai.perennial.theory;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;

/**
 * One regression task X w = y, kept as its thin SVD X = U S Vᵀ (rank r) so that every learner update and every loss
 * costs O(d·r): only the right singular vectors (rows of Vᵀ), the singular values and c = Uᵀy are stored.
 */
public final class LinearTask {
    private static final Kernels KERNELS = Kernels.active();
    private static final int BLOCK = 4; // rows per update block: the kernels' unit, 32 KB at d = 1000

    private final int dim;
    private final int rows;
    private final int rank;
    private final double[] basis;          // rank × dim, row i = right singular vector v_i
    private final double[] singular;       // s_i > 0
    private final double[] projectedTargets; // c = Uᵀ y
    private final double unreachableLoss;  // ‖y − UUᵀy‖²: the part of y outside X's column space
    private final double[] residual;       // scratch, rank entries (a task is used by one thread at a time)

    /** Factorizes X (rows × dim); singular values below max(rows, dim)·ε·s_max count as zero. */
    public LinearTask(double[][] x, double[] y) {
        if (x.length == 0 || x.length != y.length) {
            throw new TheoryException("a task needs at least one row and as many targets as rows, got " + x.length + " rows and "
                    + y.length + " targets");
        }
        rows = x.length;
        dim = x[0].length;
        DMatrixRMaj matrix = new DMatrixRMaj(x);
        SingularValueDecomposition_F64<DMatrixRMaj> svd = DecompositionFactory_DDRM.svd(rows, dim, true, true, true);
        if (!svd.decompose(matrix.copy())) {
            throw new TheoryException("SVD of a " + rows + "×" + dim + " task matrix failed (non-finite entries?)");
        }
        double[] values = svd.getSingularValues();
        int count = svd.numberOfSingularValues();
        double max = 0;
        for (int i = 0; i < count; i++) {
            max = Math.max(max, values[i]);
        }
        double tolerance = Math.max(rows, dim) * Math.ulp(1.0) * max;
        DMatrixRMaj u = svd.getU(null, false);
        DMatrixRMaj vt = svd.getV(null, true);
        int kept = 0;
        for (int i = 0; i < count; i++) {
            if (values[i] > tolerance) {
                kept++;
            }
        }
        rank = kept;
        basis = new double[rank * dim];
        singular = new double[rank];
        projectedTargets = new double[rank];
        residual = new double[rank];
        double[] outside = y.clone(); // y − U Uᵀ y, computed directly (no cancellation)
        int row = 0;
        for (int i = 0; i < count; i++) {
            if (values[i] <= tolerance) {
                continue;
            }
            singular[row] = values[i];
            for (int j = 0; j < dim; j++) {
                basis[row * dim + j] = vt.get(i, j);
            }
            double c = 0;
            for (int n = 0; n < rows; n++) {
                c += u.get(n, i) * y[n];
            }
            projectedTargets[row] = c;
            for (int n = 0; n < rows; n++) {
                outside[n] -= u.get(n, i) * c;
            }
            row++;
        }
        unreachableLoss = rank == rows ? 0 : Vectors.squaredNorm(outside);
    }

    public int dim() {
        return dim;
    }

    public int rows() {
        return rows;
    }

    public int rank() {
        return rank;
    }

    /** Largest singular value ‖X‖₂ (0 for an all-zero task). */
    public double spectralNorm() {
        double max = 0;
        for (double s : singular) {
            max = Math.max(max, s);
        }
        return max;
    }

    public double singularValue(int i) {
        return singular[i];
    }

    /** c_i = u_iᵀy: with X = U S Vᵀ the task is equivalent to diag(s) Vᵀ w = c (same solutions, same learner updates). */
    public double projectedTarget(int i) {
        return projectedTargets[i];
    }

    /** Loss ‖X w − y‖², in O(d·r). */
    public double loss(double[] w) {
        KERNELS.multiply(basis, 0, rank, dim, w, 0, residual, 0);
        double sum = unreachableLoss;
        for (int i = 0; i < rank; i++) {
            double z = singular[i] * residual[i] - projectedTargets[i];
            sum += z * z;
        }
        return sum;
    }

    /**
     * Applies a spectral-filter learner in place: along each right singular vector the residual is removed by the fraction
     * {@code filter[i]} (1 = fit exactly, 0 = no change), w ← w − Σ v_i φ_i (s_i v_iᵀw − c_i)/s_i. The v_i are
     * orthonormal, so a change along v_i leaves every v_jᵀw (j ≠ i) as it was: blocks of rows can be applied one after
     * another, each combined right after its products while it is still in the L1 cache (one pass over the rank × dim
     * block from memory instead of two; measured 12% faster at d = 1000, r = 20).
     */
    public void update(double[] w, double[] filter) {
        for (int i = 0; i < rank; i += BLOCK) {
            int n = Math.min(BLOCK, rank - i);
            KERNELS.multiply(basis, i * dim, n, dim, w, 0, residual, i);
            for (int k = i; k < i + n; k++) {
                residual[k] = -filter[k] * (singular[k] * residual[k] - projectedTargets[k]) / singular[k];
            }
            KERNELS.addCombination(basis, i * dim, n, dim, residual, i, w, 0);
        }
    }

    /** The right singular vectors as rows of one rank × dim array (shared, not copied). */
    double[] basisRows() {
        return basis;
    }

    /** Right singular vector v_i as a new array. */
    public double[] direction(int i) {
        double[] v = new double[dim];
        System.arraycopy(basis, i * dim, v, 0, dim);
        return v;
    }
}
