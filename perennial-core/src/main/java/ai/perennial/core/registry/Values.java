package ai.perennial.core.registry;

import ai.perennial.core.PerennialException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The resolved parameters of one component: every declared parameter with the value actually used (the given one or
 * its default), in declaration order. This is what runs record as provenance.
 */
public final class Values {
    private final Map<String, Object> values;

    private Values(Map<String, Object> values) {
        this.values = Collections.unmodifiableMap(values);
    }

    public static final Values NONE = new Values(new LinkedHashMap<>());

    /**
     * Checks {@code raw} against {@code params}: unknown keys, types, ranges, required values. Messages name
     * {@code path.key}; {@code owner} says whose parameter it is ("strategy ewc").
     */
    public static Values resolve(List<Param<?>> params, Map<String, ?> raw, String path, String owner) {
        Map<String, Param<?>> byName = new LinkedHashMap<>();
        for (Param<?> p : params) {
            byName.put(p.name(), p);
        }
        for (String key : raw.keySet()) {
            if (!byName.containsKey(key)) {
                throw new PerennialException(join(path, key) + ": unknown parameter of " + owner
                        + (byName.isEmpty() ? " (it takes none)" : "; it takes " + String.join(", ", byName.keySet())));
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (Param<?> p : params) {
            out.put(p.name(), p.parse(raw.get(p.name()), join(path, p.name()), owner));
        }
        return new Values(out);
    }

    static String join(String path, String key) {
        return path == null || path.isEmpty() ? key : path + "." + key;
    }

    @SuppressWarnings("unchecked")
    public <T> T get(Param<T> param) {
        if (!values.containsKey(param.name())) {
            throw new IllegalArgumentException("no parameter '" + param.name() + "' here (have " + values.keySet() + ")");
        }
        return (T) values.get(param.name());
    }

    /** The value, or {@code fallback} when the parameter was left unset (its default is null). */
    public <T> T get(Param<T> param, T fallback) {
        T v = get(param);
        return v == null ? fallback : v;
    }

    /** By name, for declarations that read their parameters right where they declare them. */
    public double number(String name) {
        return ((Number) require(name)).doubleValue();
    }

    /** The number, or {@code fallback} when the parameter was left unset. */
    public double number(String name, double fallback) {
        Object v = require(name);
        return v == null ? fallback : ((Number) v).doubleValue();
    }

    public long whole(String name) {
        return ((Number) require(name)).longValue();
    }

    public long whole(String name, long fallback) {
        Object v = require(name);
        return v == null ? fallback : ((Number) v).longValue();
    }

    public int integer(String name) {
        return ((Number) require(name)).intValue();
    }

    public String text(String name) {
        return (String) require(name);
    }

    public boolean flag(String name) {
        return (Boolean) require(name);
    }

    private Object require(String name) {
        if (!values.containsKey(name)) {
            throw new IllegalArgumentException("no parameter '" + name + "' here (have " + values.keySet() + ")");
        }
        return values.get(name);
    }

    /** Every parameter and its value (null for unset optional ones), in declaration order. */
    public Map<String, Object> asMap() {
        return values;
    }

    /** Only the parameters that have a value, for records where "unset" need not appear. */
    public Map<String, Object> setValues() {
        Map<String, Object> out = new LinkedHashMap<>();
        values.forEach((k, v) -> {
            if (v != null) {
                out.put(k, v);
            }
        });
        return out;
    }

    public List<String> names() {
        return new ArrayList<>(values.keySet());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Values v && values.equals(v.values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    @Override
    public String toString() {
        return values.toString();
    }
}
