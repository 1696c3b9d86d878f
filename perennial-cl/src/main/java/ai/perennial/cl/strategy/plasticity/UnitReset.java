package ai.perennial.cl.strategy.plasticity;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.perennial.core.PerennialException;
import ai.perennial.core.model.Parameter;
import ai.perennial.core.model.Units;
import ai.perennial.core.state.Rng;
import ai.perennial.core.train.TrainingContext;
import java.util.List;

/**
 * Gives chosen units of a hidden layer a fresh start, as unit-resetting methods (continual backprop, ReDo) do: incoming
 * weights drawn again from the init distribution U(±1/√fanIn), bias 0, outgoing weights 0 (so the network's function
 * does not jump), and the optimizer's accumulated state for all of those entries cleared.
 */
final class UnitReset {
    private UnitReset() {
    }

    /** The model's hidden layers; a model without any (a program's own linear model) cannot have its units reset. */
    static List<Units> layers(TrainingContext c, String strategy) {
        List<Units> layers = c.model().units();
        if (layers.isEmpty()) {
            throw new PerennialException("strategy " + strategy + " resets hidden units, but model " + c.model().describe()
                    + " has no hidden layer; use a model with hidden layers (e.g. model.hidden: [100, 100])");
        }
        return layers;
    }

    /** Resets {@code units} (indices into the layer, distinct) of {@code layer}; the fresh weights come from {@code rng}. */
    static void reset(TrainingContext c, Units layer, int[] units, Rng rng) {
        List<Parameter> params = c.model().parameters();
        NDArray weight = params.get(layer.inputWeight()).array();
        NDArray bias = params.get(layer.inputBias()).array();
        Shape row = weight.getShape().slice(1);
        double bound = 1 / Math.sqrt(layer.fanIn());
        // only the touched slices are written: a whole-matrix mask costs more than the step on wide layers
        for (int j : units) {
            float[] fresh = new float[Math.toIntExact(row.size())];
            for (int k = 0; k < fresh.length; k++) {
                fresh[k] = (float) ((2 * rng.nextDouble() - 1) * bound);
            }
            NDIndex unit = new NDIndex(j);
            weight.set(unit, weight.getManager().create(fresh, row));
            bias.set(unit, 0f);
            c.optimizer().resetEntries(layer.inputWeight(), unit);
            c.optimizer().resetEntries(layer.inputBias(), unit);
            for (int out : layer.outputWeights()) {
                NDArray next = params.get(out).array();
                NDIndex columns = columns(next, j, layer.count());
                next.set(columns, 0f);
                c.optimizer().resetEntries(out, columns);
            }
        }
    }

    /** The slice along axis 1 of {@code next} that unit {@code j} of {@code count} feeds (a flattened channel spans several columns). */
    static NDIndex columns(NDArray next, int j, int count) {
        long block = next.getShape().get(1) / count;
        return new NDIndex().addAllDim().addSliceDim(j * block, (j + 1) * block);
    }
}
