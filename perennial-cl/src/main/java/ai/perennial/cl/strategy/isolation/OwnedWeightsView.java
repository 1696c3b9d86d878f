package ai.perennial.cl.strategy.isolation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.perennial.cl.strategy.ClassifierView;
import ai.perennial.core.model.Model;
import ai.perennial.core.model.Parameter;
import java.util.List;

/**
 * PackNet's classifier: the trained model, except that a sample of task t is read out with the trunk weights of tasks
 * after t masked off. The weights are masked in place for the forward pass and restored exactly afterwards.
 */
final class OwnedWeightsView extends ClassifierView {
    private final PackNet packnet;

    OwnedWeightsView(Model trained, PackNet packnet) {
        super(trained);
        this.packnet = packnet;
    }

    @Override
    public NDArray forward(NDArray inputs, int[] tasks) {
        NDArray out = null;
        boolean[] seen = new boolean[model.numHeads()];
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
        List<Parameter> params = model.parameters();
        NDManager m = inputs.getManager();
        List<NDArray> masks = packnet.masksFor(model, task, training, m);
        NDArray[] saved = new NDArray[weights.length];
        for (int l = 0; l < weights.length; l++) {
            NDArray w = params.get(weights[l]).array();
            saved[l] = w.duplicate();
            w.muli(masks.get(l));
        }
        try {
            int[] same = new int[tasks.length];
            java.util.Arrays.fill(same, task);
            return model.forward(inputs, same);
        } finally {
            for (int l = 0; l < weights.length; l++) {
                NDArray w = params.get(weights[l]).array();
                w.muli(0).addi(saved[l]);
                saved[l].close();
            }
        }
    }

    @Override
    public String describe() {
        return model.describe() + " (packnet task masks)";
    }
}
