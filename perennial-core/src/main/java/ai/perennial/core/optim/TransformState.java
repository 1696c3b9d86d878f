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
     * Clears the smallest {@code fraction} of the entries of parameter {@code param} in every per-parameter buffer (those
     * shaped like it) of this state and its children; {@code fraction} 1 clears them all. The entries are chosen by the
     * magnitude of the first such buffer (Adam's first moment, a momentum trace), ties with the largest cleared magnitude
     * included, and cleared in every buffer alike, so no kept first moment ever meets a cleared second moment (which would
     * make Adam's next update m/ε). Step counters stay. ReLoRA's partial optimizer reset after each merge.
     */
    public void prune(int param, Shape shape, double fraction) {
        List<NDArray> found = new ArrayList<>();
        collect(param, shape, found);
        if (found.isEmpty()) {
            return;
        }
        float[] lead = found.get(0).toFloatArray();
        int count = (int) Math.min(lead.length, Math.floor(fraction * lead.length));
        if (count == 0) {
            return;
        }
        float threshold = Float.POSITIVE_INFINITY;
        if (count < lead.length) {
            float[] magnitudes = new float[lead.length];
            for (int i = 0; i < lead.length; i++) {
                magnitudes[i] = Math.abs(lead[i]);
            }
            java.util.Arrays.sort(magnitudes);
            threshold = magnitudes[count - 1];
        }
        for (NDArray buffer : found) {
            float[] values = buffer.toFloatArray();
            for (int i = 0; i < values.length; i++) {
                if (Math.abs(lead[i]) <= threshold) {
                    values[i] = 0f;
                }
            }
            ai.perennial.core.engine.Engines.overwrite(buffer, values);
        }
    }

    private void collect(int param, Shape shape, List<NDArray> out) {
        for (List<NDArray> arrays : buffers.values()) {
            if (param < arrays.size() && arrays.get(param).getShape().equals(shape)) {
                out.add(arrays.get(param));
            }
        }
        for (TransformState child : children) {
            child.collect(param, shape, out);
        }
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
