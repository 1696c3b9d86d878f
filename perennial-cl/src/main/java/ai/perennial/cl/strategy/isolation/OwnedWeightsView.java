package ai.perennial.cl.strategy.isolation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
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
        return byTask(inputs, tasks, (task, same) -> forTask(inputs, same, task));
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
            return model.forward(inputs, tasks);
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
