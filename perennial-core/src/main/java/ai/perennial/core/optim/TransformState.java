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
    /**
     * What a per-parameter buffer does when a low-rank projection re-expresses its parameter in a new basis
     * ({@link #changeBasis}): first moments and momentum traces are linear in the gradient and rotate; second moments
     * are quadratic and rotate under a diagonal approximation; anything else starts afresh at 0.
     */
    public enum OnBasisChange { ROTATE, ROTATE_SQUARED, RESET }

    private final Map<String, List<NDArray>> buffers = new LinkedHashMap<>();
    private final Map<String, OnBasisChange> rules = new LinkedHashMap<>();
    /** Buffers that are not per-parameter moments (projectors, scales): entry resets and basis changes leave them alone. */
    private final java.util.Set<String> auxiliary = new java.util.HashSet<>();
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
        return addZerosLike(name, params, OnBasisChange.RESET);
    }

    /** As {@link #addZerosLike(String, List)}, saying how the buffer follows a change of basis. */
    public List<NDArray> addZerosLike(String name, List<Parameter> params, OnBasisChange rule) {
        buffers.put(name, List.copyOf(Parameters.zerosLike(params)));
        rules.put(name, rule);
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

    /** Bytes of every state array, children included (the memory an optimizer's state takes; counters excluded). */
    public long bytes() {
        long total = 0;
        for (List<NDArray> arrays : buffers.values()) {
            for (NDArray a : arrays) {
                total += a.size() * a.getDataType().getNumOfBytes();
            }
        }
        for (TransformState child : children) {
            total += child.bytes();
        }
        return total;
    }

    /**
     * Re-expresses parameter {@code param}'s buffers, held in a rank-r basis as r × c arrays, in a new basis:
     * {@code q} (r × r) maps old coordinates to new ones (q = P_newᵀ P_old for orthonormal bases P). Buffers marked
     * {@link OnBasisChange#ROTATE} become {@code q·b}. {@link OnBasisChange#ROTATE_SQUARED} ones (elementwise second
     * moments) become {@code (q∘q)·b}, treating coordinates as uncorrelated, plus, for each new row, the share
     * {@code 1 − Σ_k q_jk²} of it that lies outside the old basis times the mean old row: a direction never seen before
     * starts with a typical second moment instead of 0, which with a late bias correction would make its first steps
     * several times larger than Adam's usual ones. All other buffers of that parameter are set to 0. Counters are kept.
     */
    public void changeBasis(int param, NDArray q) {
        for (Map.Entry<String, List<NDArray>> e : buffers.entrySet()) {
            if (param >= e.getValue().size() || auxiliary.contains(e.getKey())) {
                continue;
            }
            NDArray b = e.getValue().get(param);
            OnBasisChange rule = rules.getOrDefault(e.getKey(), OnBasisChange.RESET);
            boolean fits = b.getShape().dimension() == 2 && b.getShape().get(0) == q.getShape().get(1);
            if (rule == OnBasisChange.ROTATE && fits) {
                NDArray rotated = q.matMul(b);
                b.muli(0).addi(rotated);
            } else if (rule == OnBasisChange.ROTATE_SQUARED && fits) {
                NDArray squared = q.square();
                NDArray uncovered = squared.sum(new int[] {1}, true).neg().addi(1).maximum(0f);
                NDArray realigned = squared.matMul(b).addi(uncovered.matMul(b.mean(new int[] {0}, true)));
                b.muli(0).addi(realigned);
            } else {
                b.muli(0);
            }
        }
        for (TransformState child : children) {
            child.changeBasis(param, q);
        }
    }

    /**
     * Adds zeros with the given shapes that belong to the transform itself rather than to one parameter's entries (a
     * projector per weight matrix): {@link #resetEntries} and {@link #changeBasis} never touch them.
     */
    public List<NDArray> addAuxiliary(String name, List<Shape> shapes, ai.djl.ndarray.NDManager manager) {
        auxiliary.add(name);
        return addZeros(name, shapes, manager);
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
        for (Map.Entry<String, List<NDArray>> e : buffers.entrySet()) {
            List<NDArray> arrays = e.getValue();
            if (!auxiliary.contains(e.getKey()) && param < arrays.size() && arrays.get(param).getShape().equals(shape)) {
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
        for (Map.Entry<String, List<NDArray>> e : buffers.entrySet()) {
            List<NDArray> arrays = e.getValue();
            if (!auxiliary.contains(e.getKey()) && param < arrays.size() && arrays.get(param).getShape().equals(shape)) {
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
