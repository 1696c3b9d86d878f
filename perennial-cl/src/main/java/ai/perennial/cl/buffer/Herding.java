package ai.perennial.cl.buffer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;

/**
 * Herding exemplar selection (Welling 2009; iCaRL, Rebuffi et al. 2017, Algorithm 4): greedily pick the
 * sample that brings the running mean of the chosen exemplars' features closest to the class mean, so
 * the mean of the first k exemplars approaches the class mean as k grows. Rows should be L2-normalized.
 *
 * <p>Step s (0-based) picks the unchosen i minimizing ‖μ − (S + f_i)/(s + 1)‖², S the sum of the chosen
 * rows. Multiplied by (s + 1)² and without the terms that do not depend on i, that is ‖f_i‖² − 2 f_i·r with
 * r = (s + 1)μ − S: one matrix-vector product and one argmin over all candidates per step, on the device
 * that holds the features, in double precision so the choice matches the direct formula except at ties
 * closer than about 1e-15. The chosen indices are read back once, at the end.
 */
public final class Herding {
    /** Added to the score of a chosen row: larger than any real score, still finite so no NaN appears. */
    private static final double TAKEN = 1e300;

    private Herding() {
    }

    /** Indices of {@code m} distinct rows of {@code features} (rows × dimensions), in selection order; ties go to the lower index. */
    public static int[] select(NDArray features, int m) {
        int n = Math.toIntExact(features.getShape().get(0));
        int k = Math.min(m, n);
        if (k <= 0) {
            return new int[0];
        }
        try (NDScope outer = new NDScope()) { // every array made here is freed on return
            NDArray f = features.toType(DataType.FLOAT64, false); // the caller's own array when already double
            NDArray mean = f.mean(new int[] {0});
            NDArray squaredNorms = f.square().sum(new int[] {1});
            NDArray sum = mean.zerosLike();
            NDArray taken = squaredNorms.zerosLike();
            NDArray[] chosen = new NDArray[k];
            for (int step = 0; step < k; step++) {
                NDArray best;
                try (NDScope scope = new NDScope()) { // the step's temporaries
                    NDArray r = mean.mul((double) (step + 1)).subi(sum);
                    NDArray score = squaredNorms.sub(f.matMul(r).muli(2.0)).addi(taken);
                    best = score.argMin(); // the first minimum, as the direct formula's strict '<' picks
                    NDScope.unregister(best);
                    sum.addi(f.get(best));
                    taken.addi(best.oneHot(n, DataType.FLOAT64).muli(TAKEN));
                }
                NDScope.register(best); // kept until the one read-back below
                chosen[step] = best;
            }
            long[] picked = NDArrays.stack(new NDList(chosen)).toLongArray();
            int[] out = new int[k];
            for (int i = 0; i < k; i++) {
                out[i] = Math.toIntExact(picked[i]);
            }
            return out;
        }
    }
}
