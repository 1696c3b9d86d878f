package ai.perennial.theory;

import java.util.List;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

/**
 * T regression tasks over one weight space, with the reference point w* = the minimum-norm joint least-squares solution
 * (pinv of the stacked system; the minimum-norm joint solution when the tasks are jointly realizable), R = max ‖X_m‖₂
 * and the average rank r.
 */
public final class TaskCollection {
    private final List<LinearTask> tasks;
    private final double[] optimum;
    private final double scale;
    private final double averageRank;
    private final boolean realizable;

    public TaskCollection(double[][][] x, double[][] y) {
        if (x.length == 0 || x.length != y.length) {
            throw new TheoryException("a collection needs at least one task and one target vector per task");
        }
        int dim = x[0][0].length;
        LinearTask[] built = new LinearTask[x.length];
        int totalRows = 0;
        double rankSum = 0;
        double r = 0;
        for (int m = 0; m < x.length; m++) {
            for (double[] row : x[m]) {
                if (row.length != dim) {
                    throw new TheoryException("task " + (m + 1) + " has a row of length " + row.length + "; every row needs " + dim + " entries");
                }
            }
            built[m] = new LinearTask(x[m], y[m]);
            totalRows += x[m].length;
            rankSum += built[m].rank();
            r = Math.max(r, built[m].spectralNorm());
        }
        tasks = List.of(built);
        averageRank = rankSum / x.length;
        scale = r;
        optimum = minimumNormSolution(x, y, totalRows, dim);
        double worst = 0;
        double targets = 0;
        for (int m = 0; m < x.length; m++) {
            worst = Math.max(worst, tasks.get(m).loss(optimum));
            targets = Math.max(targets, Vectors.squaredNorm(y[m]));
        }
        realizable = worst <= 1e-12 * Math.max(1, targets) + 1e-20;
    }

    public List<LinearTask> tasks() {
        return tasks;
    }

    public int size() {
        return tasks.size();
    }

    public int dim() {
        return optimum.length;
    }

    /** w*: the minimum-norm minimizer of the summed losses (a copy). */
    public double[] optimum() {
        return optimum.clone();
    }

    /** R = max_m ‖X_m‖₂. */
    public double scale() {
        return scale;
    }

    /** ‖w*‖. */
    public double optimumNorm() {
        return Math.sqrt(Vectors.squaredNorm(optimum));
    }

    /** R²‖w*‖², the scale the normalized losses are divided by (0 when w* = 0). */
    public double lossScale() {
        return scale * scale * Vectors.squaredNorm(optimum);
    }

    public double averageRank() {
        return averageRank;
    }

    /** Whether one w solves every task exactly (w* has zero loss on all of them). */
    public boolean realizable() {
        return realizable;
    }

    /** Mean loss over all tasks, (1/T) Σ_m ‖X_m w − y_m‖². */
    public double averageLoss(double[] w) {
        double sum = 0;
        for (LinearTask t : tasks) {
            sum += t.loss(w);
        }
        return sum / tasks.size();
    }

    /** The smaller Gram matrix of the stacked system, eigendecomposed, gives its pseudo-inverse solution. */
    private static double[] minimumNormSolution(double[][][] x, double[][] y, int rows, int dim) {
        DMatrixRMaj a = new DMatrixRMaj(rows, dim);
        DMatrixRMaj b = new DMatrixRMaj(rows, 1);
        int row = 0;
        for (int m = 0; m < x.length; m++) {
            for (int n = 0; n < x[m].length; n++, row++) {
                System.arraycopy(x[m][n], 0, a.data, row * dim, dim);
                b.data[row] = y[m][n];
            }
        }
        boolean wide = rows <= dim;
        int size = wide ? rows : dim;
        DMatrixRMaj gram = new DMatrixRMaj(size, size);
        if (wide) {
            CommonOps_DDRM.multTransB(a, a, gram);
        } else {
            CommonOps_DDRM.multTransA(a, a, gram);
        }
        // right-hand side in the Gram's space: b (wide) or Aᵀb (tall)
        DMatrixRMaj rhs = new DMatrixRMaj(size, 1);
        if (wide) {
            rhs.setTo(b);
        } else {
            CommonOps_DDRM.multTransA(a, b, rhs);
        }
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(size, true, true);
        if (!eig.decompose(gram)) {
            throw new TheoryException("eigendecomposition of the stacked tasks' Gram matrix failed (non-finite entries?)");
        }
        double max = 0;
        for (int i = 0; i < size; i++) {
            max = Math.max(max, eig.getEigenvalue(i).getReal());
        }
        double tolerance = Math.max(rows, dim) * Math.ulp(1.0) * max;
        DMatrixRMaj z = new DMatrixRMaj(size, 1);
        for (int i = 0; i < size; i++) {
            double lambda = eig.getEigenvalue(i).getReal();
            if (lambda <= tolerance) {
                continue;
            }
            DMatrixRMaj v = eig.getEigenVector(i);
            double coefficient = CommonOps_DDRM.dot(v, rhs) / lambda;
            CommonOps_DDRM.addEquals(z, coefficient, v);
        }
        if (!wide) {
            return z.data;
        }
        DMatrixRMaj w = new DMatrixRMaj(dim, 1);
        CommonOps_DDRM.multTransA(a, z, w);
        return w.data;
    }
}
