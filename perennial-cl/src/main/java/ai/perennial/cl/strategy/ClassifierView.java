package ai.perennial.cl.strategy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.perennial.core.model.LayerOps;
import ai.perennial.core.model.Model;
import ai.perennial.core.model.Parameter;
import ai.perennial.core.model.Units;
import java.util.List;

/** A trained model read out by a different classifier: everything but {@code forward} is the model's. */
public abstract class ClassifierView implements Model {
    protected final Model model;

    protected ClassifierView(Model model) {
        this.model = model;
    }

    @Override
    public List<Parameter> parameters() {
        return model.parameters();
    }

    @Override
    public List<Parameter> buffers() {
        return model.buffers();
    }

    @Override
    public Mode mode() {
        return model.mode();
    }

    @Override
    public void setMode(Mode mode) {
        model.setMode(mode);
    }

    @Override
    public LayerOps layerOps() {
        return model.layerOps();
    }

    @Override
    public void setLayerOps(LayerOps ops) {
        model.setLayerOps(ops);
    }

    @Override
    public NDArray features(NDArray inputs) {
        return model.features(inputs);
    }

    @Override
    public List<NDArray> hidden(NDArray inputs) {
        return model.hidden(inputs);
    }

    /** The view's own logits with the model's hidden activations (a second trunk pass; views are for evaluation). */
    @Override
    public Pass forwardWithHidden(NDArray inputs, int[] tasks) {
        return new Pass(forward(inputs, tasks), model.hidden(inputs));
    }

    @Override
    public List<Units> units() {
        return model.units();
    }

    @Override
    public NDArray readOut(NDArray features, int head) {
        return model.readOut(features, head);
    }

    @Override
    public int numHeads() {
        return model.numHeads();
    }

    @Override
    public Model frozenCopy(NDManager manager) {
        return model.frozenCopy(manager);
    }
}
