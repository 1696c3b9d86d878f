package ai.perennial.core.merging;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.perennial.core.PerennialException;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.model.Model;
import ai.perennial.core.model.Parameter;
import ai.perennial.core.model.Units;
import ai.perennial.core.optim.Optimizer;
import ai.perennial.core.optim.Optimizers;
import ai.perennial.core.schedule.Schedule;
import java.util.List;

/**
 * FS-Merge in its simplest form (after the foldable SuperNet merge of the seed paper): two networks of one architecture
 * (dense hidden layers) are joined side by side into a SuperNet with their weights frozen; per hidden layer a merge map
 * M (n × 2n) mixes the two layers' pre-activations into n merged units and an unmerge map U (2n × n) reads both
 * networks' features back from them. M and U are trained, layer by layer from the input side, to reconstruct the two
 * networks' own features on a few unlabeled samples (‖U·ReLU(M·[z_A; z_B]) − [h_A; h_B]‖²). The SuperNet then folds
 * exactly into one network of the original width: W = M·diag(W_A, W_B)·U_prev, b = M·[b_A; b_B], head = ½[H_A, H_B]·U.
 *
 * <p>M and U start from the weight-matching permutation (M = ½[I, Π], U = [I; Πᵀ]), where the fold is exactly the
 * re-basin average; the maps with the lowest reconstruction loss seen during training are kept, so the result never
 * reconstructs worse than that baseline.
 */
public final class FoldableMerge {
    private FoldableMerge() {
    }

    /** The folded weights (in A's parameter layout) and, per hidden layer, the reconstruction loss before and after training. */
    public record Result(float[][] weights, double[] initialLoss, double[] trainedLoss) {
    }

    /**
     * Merges {@code a} and {@code b} (single head, dense hidden layers) on {@code inputs}; {@code perms} aligns b's units
     * to a's ({@link WeightMatching#match}); {@code steps} full-batch Adam steps with rate {@code lr} per layer.
     */
    public static Result merge(Model a, Model b, NDArray inputs, int[][] perms, int steps, double lr) {
        List<Units> units = a.units();
        List<Parameter> pa = a.parameters();
        List<Parameter> pb = b.parameters();
        if (a.numHeads() != 1 || units.isEmpty()) {
            throw new PerennialException("FS-Merge folds single-head networks with hidden layers; got " + a.describe());
        }
        for (Units u : units) {
            if (pa.get(u.inputWeight()).array().getShape().dimension() != 2) {
                throw new PerennialException("FS-Merge folds dense layers only; layer " + u.layer() + " of " + a.describe() + " is not dense");
            }
        }
        float[][] folded = new float[pa.size()][];
        double[] initial = new double[units.size()];
        double[] trained = new double[units.size()];
        try (NDManager m = inputs.getManager().newSubManager(); NDScope scope = new NDScope()) {
            NDArray x = inputs.reshape(inputs.getShape().get(0), -1);
            List<NDArray> featuresA = a.hidden(inputs);
            List<NDArray> featuresB = b.hidden(inputs);
            NDArray previous = x;      // the SuperNet's merged features entering the layer
            NDArray unmerge = null;    // the previous layer's U (null: both networks read the inputs)
            for (int l = 0; l < units.size(); l++) {
                Units u = units.get(l);
                int n = u.count();
                NDArray wa = pa.get(u.inputWeight()).array().stopGradient();
                NDArray wb = pb.get(u.inputWeight()).array().stopGradient();
                NDArray ba = pa.get(u.inputBias()).array().stopGradient();
                NDArray bb = pb.get(u.inputBias()).array().stopGradient();
                NDArray ua = previous;
                NDArray ub = previous;
                if (unmerge != null) {
                    NDArray both = previous.matMul(unmerge.transpose());
                    long f = both.getShape().get(1) / 2;
                    ua = both.get(":, :" + f);
                    ub = both.get(":, " + f + ":");
                }
                NDArray z = NDArrays.concat(new NDList(ua.matMul(wa.transpose()).add(ba), ub.matMul(wb.transpose()).add(bb)), 1);
                NDArray target = NDArrays.concat(new NDList(featuresA.get(l), featuresB.get(l)), 1).stopGradient();
                float[] mergeInit = new float[n * 2 * n];
                float[] unmergeInit = new float[2 * n * n];
                for (int j = 0; j < n; j++) {
                    mergeInit[j * 2 * n + j] = 0.5f;
                    mergeInit[j * 2 * n + n + perms[l][j]] = 0.5f;
                    unmergeInit[j * n + j] = 1f;
                    unmergeInit[(n + perms[l][j]) * n + j] = 1f;
                }
                NDArray merge = Engines.owned(m.create(mergeInit, new Shape(n, 2L * n)));
                NDArray un = Engines.owned(m.create(unmergeInit, new Shape(2L * n, n)));
                initial[l] = reconstruction(z, merge, un, target);
                train(z, target, merge, un, steps, lr);
                trained[l] = reconstruction(z, merge, un, target);
                // fold: W = M·diag(W_A, W_B)·U_prev (U_prev = [I; I] at the input), b = M·[b_A; b_B]
                long half = wa.getShape().get(1);
                NDArray stackedIn = unmerge == null ? NDArrays.concat(new NDList(wa, wb), 0)
                        : NDArrays.concat(new NDList(wa.matMul(unmerge.get(":" + half + ", :")), wb.matMul(unmerge.get(half + ":, :"))), 0);
                folded[u.inputWeight()] = merge.matMul(stackedIn).toFloatArray();
                folded[u.inputBias()] = merge.matMul(NDArrays.concat(new NDList(ba, bb), 0)).toFloatArray();
                previous = ai.djl.nn.Activation.relu(z.matMul(merge.transpose()));
                unmerge = un;
            }
            // the head reads ½(A's head on A's features + B's head on B's features)
            for (int w : units.get(units.size() - 1).outputWeights()) {
                int bias = Renormalization.readerBias(units, pa, w);
                NDArray heads = NDArrays.concat(new NDList(pa.get(w).array().stopGradient(), pb.get(w).array().stopGradient()), 1);
                folded[w] = heads.matMul(unmerge).mul(0.5f).toFloatArray();
                folded[bias] = pa.get(bias).array().stopGradient().add(pb.get(bias).array().stopGradient()).mul(0.5f).toFloatArray();
            }
            for (int t = 0; t < folded.length; t++) {
                if (folded[t] == null) {
                    throw new PerennialException("FS-Merge: parameter " + pa.get(t).name() + " of " + a.describe()
                            + " is not part of a dense layer or the head");
                }
            }
        }
        return new Result(folded, initial, trained);
    }

    private static double reconstruction(NDArray z, NDArray merge, NDArray unmerge, NDArray target) {
        try (NDScope scope = new NDScope()) {
            NDArray rec = ai.djl.nn.Activation.relu(z.matMul(merge.transpose())).matMul(unmerge.transpose());
            return rec.sub(target).square().mean().toType(DataType.FLOAT64, false).getDouble();
        }
    }

    private static void train(NDArray z, NDArray target, NDArray merge, NDArray unmerge, int steps, double lr) {
        if (steps == 0) {
            return;
        }
        merge.setRequiresGradient(true);
        unmerge.setRequiresGradient(true);
        List<Parameter> params = List.of(new Parameter("merge", merge, false), new Parameter("unmerge", unmerge, false));
        Optimizer adam = new Optimizer(Optimizers.ADAM.name(), Optimizers.adam(Schedule.constant(lr), 0.9, 0.999, 1e-8), params);
        // keep the best maps seen: a rate too large for a layer then costs steps, never the starting point
        float[] bestMerge = merge.toFloatArray();
        float[] bestUnmerge = unmerge.toFloatArray();
        double best = Double.POSITIVE_INFINITY;
        for (int s = 0; s <= steps; s++) {
            try (NDScope scope = new NDScope()) {
                NDArray loss;
                try (GradientCollector collector = Engines.newGradientCollector()) {
                    NDArray rec = ai.djl.nn.Activation.relu(z.matMul(merge.transpose())).matMul(unmerge.transpose());
                    loss = rec.sub(target).square().mean();
                    collector.backward(loss);
                }
                double value = loss.getFloat();
                if (value < best) {
                    best = value;
                    bestMerge = merge.toFloatArray();
                    bestUnmerge = unmerge.toFloatArray();
                }
                if (s < steps) {
                    adam.step(List.of(merge.getGradient(), unmerge.getGradient()));
                }
                Engines.zeroGradient(merge);
                Engines.zeroGradient(unmerge);
            }
        }
        merge.setRequiresGradient(false);
        unmerge.setRequiresGradient(false);
        Engines.overwrite(merge, bestMerge);
        Engines.overwrite(unmerge, bestUnmerge);
    }
}
