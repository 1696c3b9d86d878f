package ai.perennial.cl.strategy.isolation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.perennial.core.model.Model;
import ai.perennial.core.model.Parameter;
import ai.perennial.core.model.Units;
import java.util.List;

/**
 * PackNet's classifier: the trained model, except that a sample of task t is read out with the trunk weights of tasks
 * after t masked off. The weights are masked in place for the forward pass and restored exactly afterwards.
 */
final class OwnedWeightsView implements Model {
    private final Model trained;
    private final PackNet packnet;

    OwnedWeightsView(Model trained, PackNet packnet) {
        this.trained = trained;
        this.packnet = packnet;
    }

    @Override
    public NDArray forward(NDArray inputs, int[] tasks) {
        NDArray out = null;
        boolean[] seen = new boolean[trained.numHeads()];
        for (int t : tasks) {
            if (seen[t]) {
                continue;
            }
            seen[t] = true;
            NDArray logits = forTask(inputs, tasks, t);
            if (out == null && allEqual(tasks, t)) {
                return logits;
            }
            float[] rows = new float[tasks.length];
            for (int i = 0; i < tasks.length; i++) {
                rows[i] = tasks[i] == t ? 1f : 0f;
            }
            NDArray picked = logits.mul(inputs.getManager().create(rows, new Shape(tasks.length, 1)));
            out = out == null ? picked : out.add(picked);
        }
        return out;
    }

    private static boolean allEqual(int[] tasks, int t) {
        for (int x : tasks) {
            if (x != t) {
                return false;
            }
        }
        return true;
    }

    private NDArray forTask(NDArray inputs, int[] tasks, int task) {
        boolean training = packnet.notYetPacked(task);
        int[] weights = packnet.trunkWeights();
        List<Parameter> params = trained.parameters();
        NDManager m = inputs.getManager();
        List<NDArray> masks = packnet.masksFor(trained, task, training, m);
        NDArray[] saved = new NDArray[weights.length];
        for (int l = 0; l < weights.length; l++) {
            NDArray w = params.get(weights[l]).array();
            saved[l] = w.duplicate();
            w.muli(masks.get(l));
        }
        try {
            int[] same = new int[tasks.length];
            java.util.Arrays.fill(same, task);
            return trained.forward(inputs, same);
        } finally {
            for (int l = 0; l < weights.length; l++) {
                NDArray w = params.get(weights[l]).array();
                w.muli(0).addi(saved[l]);
                saved[l].close();
            }
        }
    }

    @Override
    public List<Parameter> parameters() {
        return trained.parameters();
    }

    @Override
    public int numHeads() {
        return trained.numHeads();
    }

    @Override
    public NDArray features(NDArray inputs) {
        return trained.features(inputs);
    }

    @Override
    public List<NDArray> hidden(NDArray inputs) {
        return trained.hidden(inputs);
    }

    @Override
    public Pass forwardWithHidden(NDArray inputs, int[] tasks) {
        return trained.forwardWithHidden(inputs, tasks);
    }

    @Override
    public List<Units> units() {
        return trained.units();
    }

    @Override
    public NDArray readOut(NDArray features, int head) {
        return trained.readOut(features, head);
    }

    @Override
    public String describe() {
        return trained.describe() + " (packnet task masks)";
    }

    @Override
    public Model frozenCopy(NDManager manager) {
        return trained.frozenCopy(manager);
    }
}
