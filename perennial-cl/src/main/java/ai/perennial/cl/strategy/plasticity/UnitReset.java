package ai.perennial.cl.strategy.plasticity;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.perennial.core.model.Parameter;
import ai.perennial.core.model.Units;
import ai.perennial.core.state.Rng;
import ai.perennial.core.train.TrainingContext;
import java.util.Arrays;
import java.util.List;

/**
 * Gives chosen units of a hidden layer a fresh start, as unit-resetting methods (continual backprop, ReDo) do: incoming
 * weights drawn again from the init distribution U(±1/√fanIn), bias 0, outgoing weights 0 (so the network's function
 * does not jump), and the optimizer's accumulated state for all of those entries cleared.
 */
final class UnitReset {
    private UnitReset() {
    }

    /** Resets {@code units} (indices into the layer, distinct) of {@code layer}; the fresh weights come from {@code rng}. */
    static void reset(TrainingContext c, Units layer, int[] units, Rng rng) {
        if (units.length == 0) {
            return;
        }
        List<Parameter> params = c.model().parameters();
        NDArray weight = params.get(layer.inputWeight()).array();
        int count = layer.count();
        int row = Math.toIntExact(weight.getShape().size() / count);
        double bound = 1 / Math.sqrt(layer.fanIn());
        float[] fresh = new float[count * row];
        for (int j : units) {
            for (int k = 0; k < row; k++) {
                fresh[j * row + k] = (float) ((2 * rng.nextDouble() - 1) * bound);
            }
        }
        NDArray keepRows = keep(weight, units, count, 0);
        weight.muli(keepRows).addi(weight.getManager().create(fresh, weight.getShape()));
        c.optimizer().resetEntries(layer.inputWeight(), keepRows);
        NDArray keepBias = keep(params.get(layer.inputBias()).array(), units, count, 0);
        params.get(layer.inputBias()).array().muli(keepBias);
        c.optimizer().resetEntries(layer.inputBias(), keepBias);
        for (int out : layer.outputWeights()) {
            NDArray next = params.get(out).array();
            NDArray keepColumns = keep(next, units, count, 1);
            next.muli(keepColumns);
            c.optimizer().resetEntries(out, keepColumns);
        }
    }

    /**
     * A 0/1 mask broadcastable to {@code like}, 0 on the slices of {@code units} along {@code axis}; that axis holds
     * {@code count} units, each a block of equal width (a flattened channel spans several columns).
     */
    static NDArray keep(NDArray like, int[] units, int count, int axis) {
        Shape shape = like.getShape();
        int length = Math.toIntExact(shape.get(axis));
        int block = length / count;
        float[] mask = new float[length];
        Arrays.fill(mask, 1f);
        for (int j : units) {
            Arrays.fill(mask, j * block, (j + 1) * block, 0f);
        }
        long[] dims = new long[shape.dimension()];
        Arrays.fill(dims, 1);
        dims[axis] = length;
        return like.getManager().create(mask, new Shape(dims));
    }
}
