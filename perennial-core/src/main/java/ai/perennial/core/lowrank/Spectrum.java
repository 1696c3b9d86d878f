package ai.perennial.core.lowrank;

import ai.perennial.core.PerennialException;
import java.util.Arrays;
import java.util.Comparator;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

/**
 * The singular values σ_1 ≥ … ≥ σ_k and left singular vectors u_i of a k × c matrix G (k ≤ c), from the symmetric
 * eigen-decomposition of its Gram matrix G·Gᵀ = Σ σ_i² u_i u_iᵀ (EJML, in double). For the gradients here (k ≤ 400,
 * c ≤ 784) this costs one k × k eigen-decomposition, cheaper than an SVD of G itself; the Gram matrix is formed on the
 * device in float64. Each vector's sign is fixed so that its largest entry (the first, on a tie) is positive, so equal
 * gradients always give equal bases.
 *
 * @param sigma   descending singular values (square roots of the eigenvalues, negative rounding clamped to 0)
 * @param vectors {@code vectors[i]} is u_i, of length k
 */
public record Spectrum(double[] sigma, double[][] vectors) {

    /** The spectrum of G from {@code gram} = G·Gᵀ, k × k row-major. */
    public static Spectrum ofGram(double[] gram, int k) {
        if (gram.length != k * k) {
            throw new IllegalArgumentException("a " + k + " x " + k + " Gram matrix has " + k * k + " entries, got " + gram.length);
        }
        for (double x : gram) {
            if (!Double.isFinite(x)) {
                throw new PerennialException("the gradient of a projected weight matrix is not finite (NaN or infinite); "
                        + "lower the learning rate or enable optimizer.clip_norm");
            }
        }
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(k, true, true);
        if (!eig.decompose(new DMatrixRMaj(k, k, true, gram))) {
            throw new IllegalStateException("the eigen-decomposition of a " + k + " x " + k + " Gram matrix did not converge");
        }
        Integer[] order = new Integer[k];
        double[] lambda = new double[k];
        for (int i = 0; i < k; i++) {
            order[i] = i;
            lambda[i] = eig.getEigenvalue(i).real;
        }
        Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -lambda[i]));
        double[] sigma = new double[k];
        double[][] vectors = new double[k][];
        for (int rank = 0; rank < k; rank++) {
            int i = order[rank];
            sigma[rank] = Math.sqrt(Math.max(0, lambda[i]));
            double[] u = Arrays.copyOf(eig.getEigenVector(i).data, k);
            double norm = 0;
            for (double x : u) {
                norm += x * x;
            }
            norm = Math.sqrt(norm);
            int largest = 0;
            for (int a = 1; a < k; a++) {
                if (Math.abs(u[a]) > Math.abs(u[largest])) {
                    largest = a;
                }
            }
            double sign = u[largest] < 0 ? -1 : 1;
            for (int a = 0; a < k; a++) {
                u[a] *= sign / norm;
            }
            vectors[rank] = u;
        }
        return new Spectrum(sigma, vectors);
    }
}
