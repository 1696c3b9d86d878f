package ai.perennial.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.perennial.core.engine.Engines;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A feature trunk followed by one linear output head, or one head per task. With several heads each
 * sample is routed to the head of its task, so a batch may mix tasks.
 */
abstract class HeadedModel implements Model {
    private final Parameter[][] heads;
    private final List<Parameter> parameters;
    private LayerOps ops = LayerOps.PLAIN;

    HeadedModel(List<Parameter> trunk, Initializer init, int features, int outputs, int numHeads) {
        if (numHeads <= 0 || outputs <= 0) {
            throw new IllegalArgumentException("a model needs at least one head and one output");
        }
        List<Parameter> all = new ArrayList<>(trunk);
        heads = new Parameter[numHeads][];
        for (int h = 0; h < numHeads; h++) {
            String prefix = numHeads == 1 ? "head" : "head" + h;
            heads[h] = new Parameter[] {
                init.uniform(prefix + ".weight", new Shape(outputs, features), features, true),
                init.uniform(prefix + ".bias", new Shape(outputs), features, false)
            };
            all.add(heads[h][0]);
            all.add(heads[h][1]);
        }
        parameters = Collections.unmodifiableList(all);
    }

    /** The trunk's output for a batch, shape {@code (batch, features)}. */
    @Override
    public final NDArray features(NDArray inputs) {
        return features(inputs, hidden(inputs));
    }

    /** The representation the heads read, given the hidden activations of the same pass. */
    abstract NDArray features(NDArray inputs, List<NDArray> hidden);

    /** Hidden layers, input side first, each reading the previous one. */
    abstract List<Units> trunkUnits();

    @Override
    public final Pass forwardWithHidden(NDArray inputs, int[] tasks) {
        List<NDArray> hidden = hidden(inputs);
        return new Pass(route(features(inputs, hidden), tasks), hidden);
    }

    @Override
    public final List<Units> units() {
        List<Units> trunk = trunkUnits();
        if (trunk.isEmpty()) {
            return trunk;
        }
        // the last hidden layer feeds every head
        List<Units> out = new ArrayList<>(trunk);
        Units last = out.remove(out.size() - 1);
        List<Integer> headWeights = new ArrayList<>();
        for (int h = 0; h < heads.length; h++) {
            headWeights.add(parameters.indexOf(heads[h][0]));
        }
        out.add(new Units(last.layer(), last.count(), last.inputWeight(), last.inputBias(), headWeights, last.fanIn()));
        return Collections.unmodifiableList(out);
    }

    @Override
    public final LayerOps layerOps() {
        return ops;
    }

    @Override
    public final void setLayerOps(LayerOps ops) {
        this.ops = java.util.Objects.requireNonNull(ops, "ops");
    }

    @Override
    public final List<Parameter> parameters() {
        return parameters;
    }

    @Override
    public final int numHeads() {
        return heads.length;
    }

    @Override
    public final NDArray forward(NDArray inputs, int[] tasks) {
        return route(features(inputs), tasks);
    }

    private NDArray route(NDArray f, int[] tasks) {
        if (heads.length == 1) {
            return head(f, 0);
        }
        int first = checkTask(tasks[0]);
        boolean mixed = false;
        for (int t : tasks) {
            mixed |= checkTask(t) != first;
        }
        if (!mixed) {
            return head(f, first);
        }
        // Mixed tasks: every head sees the whole batch (heads are small), a 0/1 mask keeps each sample's own.
        boolean[] present = new boolean[heads.length];
        for (int t : tasks) {
            present[t] = true;
        }
        NDArray out = null;
        for (int h = 0; h < heads.length; h++) {
            if (!present[h]) {
                continue;
            }
            float[] mask = new float[tasks.length];
            for (int i = 0; i < tasks.length; i++) {
                mask[i] = tasks[i] == h ? 1f : 0f;
            }
            NDArray masked = head(f, h).mul(f.getManager().create(mask, new Shape(tasks.length, 1)));
            out = out == null ? masked : out.add(masked);
        }
        return out;
    }

    int checkTask(int task) {
        if (task < 0 || task >= heads.length) {
            throw new IllegalArgumentException("task id " + task + " has no head (model has " + heads.length + ")");
        }
        return task;
    }

    /** Weight and bias of head {@code h}. */
    Parameter[] headParameters(int h) {
        return heads[h];
    }

    private NDArray head(NDArray features, int h) {
        return ops.linear(features, heads[h][0], heads[h][1]);
    }

    @Override
    public final NDArray readOut(NDArray features, int head) {
        return head(features, checkTask(head));
    }

    /** Copies this model's parameter and buffer values into {@code copy} (same architecture) and freezes it. */
    <M extends Model> M frozen(M copy) {
        List<Parameter> to = copy.parameters();
        for (int i = 0; i < parameters.size(); i++) {
            NDArray target = to.get(i).array();
            target.setRequiresGradient(false);
            Engines.overwrite(target, parameters.get(i).array().toFloatArray());
        }
        List<Parameter> buffers = buffers();
        List<Parameter> toBuffers = copy.buffers();
        for (int i = 0; i < buffers.size(); i++) {
            Engines.overwrite(toBuffers.get(i).array(), buffers.get(i).array().toFloatArray());
        }
        copy.setMode(Mode.EVAL);
        return copy;
    }

    String headSuffix() {
        return heads.length > 1 ? " x" + heads.length + " heads" : "";
    }
}
