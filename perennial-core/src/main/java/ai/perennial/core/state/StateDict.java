package ai.perennial.core.state;

import ai.djl.ndarray.NDArray;
import ai.perennial.core.engine.Engines;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A host-side snapshot of a component's state (the put methods copy what they are given, so a snapshot never changes
 * with the live state; the getters hand out the held arrays, which must not be modified): named tensors (float32, float64, uint8, int32, int64) and named
 * scalars (whole numbers, real numbers, text). Everything stateful exports one and imports it back; a checkpoint is
 * the union of them under prefixes ({@link #putAll}), written as safetensors plus JSON ({@link Checkpoints}). Java-serializable
 * (host arrays and boxed scalars only), so a distributed run ships a worker's state to it and back as it is.
 */
public final class StateDict implements java.io.Serializable {
    private static final long serialVersionUID = 1L;

    /** Element types a tensor can hold. */
    public enum Type { FLOAT32, FLOAT64, UINT8, INT32, INT64 }

    /** A host copy of a tensor: {@code data} is a float[], double[], byte[], int[] or long[] matching {@code type}. */
    public record Tensor(Type type, long[] shape, Object data) implements java.io.Serializable {
        public Tensor {
            long size = 1;
            for (long d : shape) {
                size *= d;
            }
            int length = java.lang.reflect.Array.getLength(data);
            if (length != size) {
                throw new IllegalArgumentException(length + " values for shape " + Arrays.toString(shape));
            }
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Tensor t && type == t.type && Arrays.equals(shape, t.shape)
                    && Objects.deepEquals(new Object[] {data}, new Object[] {t.data});
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(shape) + Arrays.deepHashCode(new Object[] {data});
        }

        public long bytes() {
            long n = java.lang.reflect.Array.getLength(data);
            return switch (type) {
                case UINT8 -> n;
                case FLOAT32, INT32 -> 4 * n;
                case FLOAT64, INT64 -> 8 * n;
            };
        }
    }

    private final Map<String, Tensor> tensors = new LinkedHashMap<>();
    private final Map<String, Object> scalars = new LinkedHashMap<>();

    // ----- tensors

    public void putTensor(String key, Tensor tensor) {
        tensors.put(key, tensor);
    }

    public void putFloats(String key, long[] shape, float[] values) {
        putTensor(key, new Tensor(Type.FLOAT32, shape.clone(), values.clone()));
    }

    public void putFloats(String key, float[] values) {
        putFloats(key, new long[] {values.length}, values);
    }

    public void putDoubles(String key, double[] values) {
        putTensor(key, new Tensor(Type.FLOAT64, new long[] {values.length}, values.clone()));
    }

    public void putBytes(String key, long[] shape, byte[] values) {
        putTensor(key, new Tensor(Type.UINT8, shape.clone(), values.clone()));
    }

    public void putInts(String key, int[] values) {
        putTensor(key, new Tensor(Type.INT32, new long[] {values.length}, values.clone()));
    }

    public void putLongs(String key, long[] values) {
        putTensor(key, new Tensor(Type.INT64, new long[] {values.length}, values.clone()));
    }

    /** A float32 host copy of {@code array} (which must be float32), with its shape. */
    public void putArray(String key, NDArray array) {
        putFloats(key, array.getShape().getShape(), array.toFloatArray());
    }

    public Tensor tensor(String key) {
        Tensor t = tensors.get(key);
        if (t == null) {
            throw new IllegalArgumentException("state has no tensor '" + key + "'");
        }
        return t;
    }

    public float[] floats(String key) {
        return (float[]) typed(key, Type.FLOAT32);
    }

    public double[] doubles(String key) {
        return (double[]) typed(key, Type.FLOAT64);
    }

    public byte[] bytes(String key) {
        return (byte[]) typed(key, Type.UINT8);
    }

    public int[] ints(String key) {
        return (int[]) typed(key, Type.INT32);
    }

    public long[] longs(String key) {
        return (long[]) typed(key, Type.INT64);
    }

    /** Copies a float32 tensor into {@code array} (same shape), in place. */
    public void copyInto(String key, NDArray array) {
        Tensor t = tensor(key);
        if (!Arrays.equals(t.shape(), array.getShape().getShape())) {
            throw new IllegalArgumentException("state '" + key + "' has shape " + Arrays.toString(t.shape()) + ", expected "
                    + array.getShape());
        }
        Engines.overwrite(array, floats(key));
    }

    private Object typed(String key, Type type) {
        Tensor t = tensor(key);
        if (t.type() != type) {
            throw new IllegalArgumentException("state '" + key + "' holds " + t.type() + ", expected " + type);
        }
        return t.data();
    }

    // ----- scalars

    public void putCounter(String key, long value) {
        scalars.put(key, value);
    }

    public void putNumber(String key, double value) {
        scalars.put(key, value);
    }

    public void putText(String key, String value) {
        scalars.put(key, Objects.requireNonNull(value));
    }

    public long counter(String key) {
        return ((Number) scalar(key, Long.class)).longValue();
    }

    public double number(String key) {
        return ((Number) scalar(key, Double.class)).doubleValue();
    }

    public String text(String key) {
        return (String) scalar(key, String.class);
    }

    private Object scalar(String key, Class<?> type) {
        Object v = scalars.get(key);
        if (v == null) {
            throw new IllegalArgumentException("state has no " + type.getSimpleName().toLowerCase(java.util.Locale.ROOT) + " '" + key + "'");
        }
        if (!type.isInstance(v)) {
            throw new IllegalArgumentException("state '" + key + "' is " + v.getClass().getSimpleName() + ", expected " + type.getSimpleName());
        }
        return v;
    }

    public boolean has(String key) {
        return tensors.containsKey(key) || scalars.containsKey(key);
    }

    // ----- composition

    /** Adds every entry of {@code child} under {@code prefix} (e.g. "optimizer."). */
    public StateDict putAll(String prefix, StateDict child) {
        child.tensors.forEach((k, v) -> tensors.put(prefix + k, v));
        child.scalars.forEach((k, v) -> scalars.put(prefix + k, v));
        return this;
    }

    /** The entries under {@code prefix}, with the prefix removed. */
    public StateDict child(String prefix) {
        StateDict out = new StateDict();
        tensors.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                out.tensors.put(k.substring(prefix.length()), v);
            }
        });
        scalars.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                out.scalars.put(k.substring(prefix.length()), v);
            }
        });
        return out;
    }

    /** The entries whose names {@code kept} accepts, under their own names. */
    public StateDict filtered(java.util.function.Predicate<String> kept) {
        StateDict out = new StateDict();
        tensors.forEach((k, v) -> {
            if (kept.test(k)) {
                out.tensors.put(k, v);
            }
        });
        scalars.forEach((k, v) -> {
            if (kept.test(k)) {
                out.scalars.put(k, v);
            }
        });
        return out;
    }

    public Map<String, Tensor> tensors() {
        return Collections.unmodifiableMap(tensors);
    }

    /** Whole numbers (Long), real numbers (Double) and texts (String). */
    public Map<String, Object> scalars() {
        return Collections.unmodifiableMap(scalars);
    }

    public boolean isEmpty() {
        return tensors.isEmpty() && scalars.isEmpty();
    }

    /** Bytes the tensors hold. */
    public long tensorBytes() {
        return tensors.values().stream().mapToLong(Tensor::bytes).sum();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StateDict s && tensors.equals(s.tensors) && scalars.equals(s.scalars);
    }

    @Override
    public int hashCode() {
        return tensors.hashCode() * 31 + scalars.hashCode();
    }

    @Override
    public String toString() {
        return "StateDict" + tensors.keySet() + scalars;
    }
}
