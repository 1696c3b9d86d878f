package ai.perennial.core.optim;

import ai.perennial.core.state.StateDict;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.perennial.core.model.Parameter;
import ai.perennial.core.model.Parameters;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The explicit state of one gradient transform: per-parameter buffers (e.g. Adam's moments), a step
 * counter, and the states of child transforms (for {@code chain}). Buffers live with the parameters,
 * outside any step scope, and are updated in place.
 */
public final class TransformState {
    private final Map<String, List<NDArray>> buffers = new LinkedHashMap<>();
    private final List<TransformState> children;
    private long count;

    public TransformState() {
        this(List.of());
    }

    public TransformState(List<TransformState> children) {
        this.children = List.copyOf(children);
    }

    /** Adds a buffer of zeros shaped like each parameter, on the parameter's manager. */
    public List<NDArray> addZerosLike(String name, List<Parameter> params) {
        buffers.put(name, List.copyOf(Parameters.zerosLike(params)));
        return buffers.get(name);
    }

    /** Adds a buffer of zeros with the given shapes on {@code manager} (e.g. factored moments). */
    public List<NDArray> addZeros(String name, List<Shape> shapes, ai.djl.ndarray.NDManager manager) {
        List<NDArray> list = new ArrayList<>(shapes.size());
        for (Shape shape : shapes) {
            NDArray zeros = manager.zeros(shape);
            NDScope.unregister(zeros);
            list.add(zeros);
        }
        buffers.put(name, List.copyOf(list));
        return buffers.get(name);
    }

    public List<NDArray> buffer(String name) {
        return buffers.get(name);
    }

    public List<TransformState> children() {
        return children;
    }

    /** Number of updates applied so far (optax's {@code count}). */
    public long count() {
        return count;
    }

    public void increment() {
        count++;
    }

    /**
     * Sets the entries {@code where} of every per-parameter buffer of parameter {@code param} (those shaped like it, e.g.
     * momenta and second moments) to 0, in this state and its children: those entries start afresh. Buffers of other
     * shapes (factored moments) and the step counters are left as they are.
     */
    public void resetEntries(int param, Shape shape, NDIndex where) {
        for (List<NDArray> arrays : buffers.values()) {
            if (param < arrays.size() && arrays.get(param).getShape().equals(shape)) {
                arrays.get(param).set(where, 0f);
            }
        }
        for (TransformState child : children) {
            child.resetEntries(param, shape, where);
        }
    }

    /**
     * Sets the smallest-magnitude {@code fraction} of the entries of every per-parameter buffer of parameter {@code param}
     * (those shaped like it) to 0, in this state and its children; {@code fraction} 1 clears them all. Entries tied with
     * the largest pruned magnitude are pruned too. ReLoRA's partial optimizer reset after each merge.
     */
    public void prune(int param, Shape shape, double fraction) {
        for (List<NDArray> arrays : buffers.values()) {
            if (param < arrays.size() && arrays.get(param).getShape().equals(shape)) {
                pruneSmallest(arrays.get(param), fraction);
            }
        }
        for (TransformState child : children) {
            child.prune(param, shape, fraction);
        }
    }

    private static void pruneSmallest(NDArray buffer, double fraction) {
        float[] values = buffer.toFloatArray();
        int count = (int) Math.min(values.length, Math.floor(fraction * values.length));
        if (count == 0) {
            return;
        }
        if (count == values.length) {
            java.util.Arrays.fill(values, 0f);
        } else {
            float[] magnitudes = new float[values.length];
            for (int i = 0; i < values.length; i++) {
                magnitudes[i] = Math.abs(values[i]);
            }
            java.util.Arrays.sort(magnitudes);
            float threshold = magnitudes[count - 1];
            for (int i = 0; i < values.length; i++) {
                if (Math.abs(values[i]) <= threshold) {
                    values[i] = 0f;
                }
            }
        }
        ai.perennial.core.engine.Engines.overwrite(buffer, values);
    }

    public void exportTo(StateDict out, String prefix) {
        out.putCounter(prefix + "count", count);
        for (Map.Entry<String, List<NDArray>> e : buffers.entrySet()) {
            List<NDArray> arrays = e.getValue();
            for (int i = 0; i < arrays.size(); i++) {
                NDArray a = arrays.get(i);
                out.putArray(prefix + e.getKey() + "." + i, a);
            }
        }
        for (int c = 0; c < children.size(); c++) {
            children.get(c).exportTo(out, prefix + c + ".");
        }
    }

    public void importFrom(StateDict in, String prefix) {
        count = in.counter(prefix + "count");
        for (Map.Entry<String, List<NDArray>> e : buffers.entrySet()) {
            List<NDArray> arrays = e.getValue();
            for (int i = 0; i < arrays.size(); i++) {
                in.copyInto(prefix + e.getKey() + "." + i, arrays.get(i));
            }
        }
        for (int c = 0; c < children.size(); c++) {
            children.get(c).importFrom(in, prefix + c + ".");
        }
    }
}
