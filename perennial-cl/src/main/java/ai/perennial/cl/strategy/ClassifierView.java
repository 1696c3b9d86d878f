package ai.perennial.cl.strategy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.perennial.core.model.LayerOps;
import ai.perennial.core.model.Model;
import ai.perennial.core.model.Parameter;
import ai.perennial.core.model.Units;
import java.util.List;
import java.util.function.BiFunction;

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
    public List<Parameter> frozen() {
        return model.frozen();
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

    /**
     * The logits of a batch whose samples may belong to several tasks: {@code forTask} reads the whole batch as the given
     * task (the ids it gets are all that task's), and each sample keeps the rows of its own task.
     */
    protected static NDArray byTask(NDArray inputs, int[] tasks, BiFunction<Integer, int[], NDArray> forTask) {
        NDArray out = null;
        java.util.Set<Integer> seen = new java.util.TreeSet<>();
        for (int t : tasks) {
            if (!seen.add(t)) {
                continue;
            }
            int[] same = new int[tasks.length];
            java.util.Arrays.fill(same, t);
            NDArray logits = forTask.apply(t, same);
            if (out == null && java.util.Arrays.equals(same, tasks)) {
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
}
