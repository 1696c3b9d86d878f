package ai.perennial.core.optim;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A host-side snapshot of a component's state: named float tensors plus named integer counters.
 * Everything stateful exports one and can import it back, so a checkpoint is a set of these.
 */
public final class StateDict {

    /** A host copy of a tensor. */
    public record Tensor(long[] shape, float[] values) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Tensor t && Arrays.equals(shape, t.shape) && Arrays.equals(values, t.values);
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(shape) + Arrays.hashCode(values);
        }
    }

    private final Map<String, Tensor> tensors = new LinkedHashMap<>();
    private final Map<String, Long> counters = new LinkedHashMap<>();

    public void putTensor(String key, Tensor tensor) {
        tensors.put(key, tensor);
    }

    public void putCounter(String key, long value) {
        counters.put(key, value);
    }

    public Tensor tensor(String key) {
        Tensor t = tensors.get(key);
        if (t == null) {
            throw new IllegalArgumentException("state has no tensor '" + key + "' (present: " + tensors.keySet() + ")");
        }
        return t;
    }

    public long counter(String key) {
        Long v = counters.get(key);
        if (v == null) {
            throw new IllegalArgumentException("state has no counter '" + key + "' (present: " + counters.keySet() + ")");
        }
        return v;
    }

    public Map<String, Tensor> tensors() {
        return Collections.unmodifiableMap(tensors);
    }

    public Map<String, Long> counters() {
        return Collections.unmodifiableMap(counters);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StateDict s && tensors.equals(s.tensors) && counters.equals(s.counters);
    }

    @Override
    public int hashCode() {
        return tensors.hashCode() * 31 + counters.hashCode();
    }
}
