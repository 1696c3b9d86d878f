package ai.perennial.core.registry;

import ai.perennial.core.PerennialException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Every known component, by kind and name. The global registry reads the build's index of {@link Registered}
 * declarations ({@code META-INF/perennial/components} in each jar or class directory); programs may
 * {@link #register} more (their own strategies, models, ...), which then work in configs like built-in ones.
 */
public final class Registry {
    static final String INDEX = "META-INF/perennial/components";
    private static volatile Registry global;

    private final Map<String, Kind<?, ?>> kinds = new TreeMap<>();
    private final Map<String, Map<String, Component<?, ?>>> byKind = new TreeMap<>();

    /** The registry of everything on the class path. */
    public static Registry global() {
        Registry r = global;
        if (r == null) {
            synchronized (Registry.class) {
                if (global == null) {
                    global = load(Thread.currentThread().getContextClassLoader() != null
                            ? Thread.currentThread().getContextClassLoader() : Registry.class.getClassLoader());
                }
                r = global;
            }
        }
        return r;
    }

    /** Reads every index visible to {@code loader}. Entries whose class is gone (a stale incremental build) are skipped. */
    static Registry load(ClassLoader loader) {
        Registry registry = new Registry();
        try {
            Enumeration<URL> indexes = loader.getResources(INDEX);
            while (indexes.hasMoreElements()) {
                URL url = indexes.nextElement();
                try (BufferedReader in = new BufferedReader(new InputStreamReader(url.openStream(), StandardCharsets.UTF_8))) {
                    for (String line = in.readLine(); line != null; line = in.readLine()) {
                        if (!line.isBlank()) {
                            Component<?, ?> c = read(line.trim(), loader);
                            if (c != null) {
                                registry.register(c);
                            }
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the component index: " + e.getMessage(), e);
        }
        return registry;
    }

    private static Component<?, ?> read(String entry, ClassLoader loader) {
        int hash = entry.indexOf('#');
        Class<?> owner;
        try {
            owner = Class.forName(entry.substring(0, hash), true, loader);
        } catch (ClassNotFoundException e) {
            return null;
        }
        try {
            Field f = owner.getField(entry.substring(hash + 1));
            if (!Modifier.isStatic(f.getModifiers()) || !(f.get(null) instanceof Component<?, ?> c)) {
                throw new IllegalStateException(entry + " is not a static Component field");
            }
            return c;
        } catch (NoSuchFieldException e) {
            return null;
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(entry + " is not public", e);
        }
    }

    /** Adds a component; a second one of the same kind and name is an error. */
    public synchronized void register(Component<?, ?> component) {
        String kind = component.kind().id();
        Kind<?, ?> known = kinds.putIfAbsent(kind, component.kind());
        if (known != null && !known.equals(component.kind())) {
            throw new IllegalStateException("two different kinds are called '" + kind + "'");
        }
        Map<String, Component<?, ?>> ofKind = byKind.computeIfAbsent(kind, k -> new TreeMap<>());
        Component<?, ?> before = ofKind.putIfAbsent(component.name(), component);
        if (before != null && before != component) {
            throw new IllegalStateException(kind + " '" + component.name() + "' is declared twice");
        }
    }

    /** The component of {@code kind} called {@code name}; otherwise an error at {@code path} listing the choices. */
    @SuppressWarnings("unchecked")
    public <C, T> Component<C, T> get(Kind<C, T> kind, String name, String path) {
        Component<?, ?> c = byKind.getOrDefault(kind.id(), Map.of()).get(name);
        if (c == null) {
            throw new PerennialException(path + ": unknown " + kind.id() + " " + Param.show(name) + "; choose one of "
                    + String.join(", ", names(kind)));
        }
        return (Component<C, T>) c;
    }

    public boolean contains(Kind<?, ?> kind, String name) {
        return byKind.getOrDefault(kind.id(), Map.of()).containsKey(name);
    }

    /** Components of {@code kind} by name, or by {@link Component#order()} first where that is set. */
    @SuppressWarnings("unchecked")
    public synchronized <C, T> List<Component<C, T>> all(Kind<C, T> kind) {
        List<Component<C, T>> out = new ArrayList<>();
        for (Component<?, ?> c : byKind.getOrDefault(kind.id(), Map.of()).values()) {
            out.add((Component<C, T>) c);
        }
        out.sort(Comparator.comparingInt((Component<C, T> c) -> c.order()).thenComparing(Component::name));
        return out;
    }

    public List<String> names(Kind<?, ?> kind) {
        return all(kind).stream().map(Component::name).toList();
    }

    public synchronized List<Kind<?, ?>> kinds() {
        return List.copyOf(kinds.values());
    }

    /** The kind with this id or plural ("strategy", "strategies"), or null. */
    public synchronized Kind<?, ?> kind(String idOrPlural) {
        for (Kind<?, ?> k : kinds.values()) {
            if (k.id().equals(idOrPlural) || k.plural().equals(idOrPlural)) {
                return k;
            }
        }
        return null;
    }

    /** Every component called {@code name}, of any kind. */
    public synchronized List<Component<?, ?>> find(String name) {
        List<Component<?, ?>> out = new ArrayList<>();
        for (Map<String, Component<?, ?>> m : byKind.values()) {
            if (m.containsKey(name)) {
                out.add(m.get(name));
            }
        }
        return out;
    }

    /** Every component, grouped by kind. */
    public synchronized Map<Kind<?, ?>, List<Component<?, ?>>> everything() {
        Map<Kind<?, ?>, List<Component<?, ?>>> out = new LinkedHashMap<>();
        for (Kind<?, ?> k : kinds.values()) {
            out.put(k, new ArrayList<>(all(k)));
        }
        return out;
    }
}
