package ai.perennial.core.registry;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * One registered method, model, data source, schedule, ...: its name, a one-line summary, the paper it comes from,
 * its parameters (with types, defaults, ranges and docs), what it needs from the rest of the run and gives to it, and
 * how to build it. Declared once, as a {@link Registered} field in the component's own file; validation, help,
 * {@code list}/{@code describe}, the generated docs and provenance all read it.
 *
 * @param <C> what the assembling code hands the factory besides the parameters (see the {@link Kind})
 * @param <T> what it builds
 */
public final class Component<C, T> {
    /** Builds the component from its resolved parameters and the context its kind supplies. */
    @FunctionalInterface
    public interface Factory<C, T> {
        T build(Values values, C context);
    }

    private final Kind<C, T> kind;
    private final String name;
    private final String summary;
    private final String source;
    private final String family;
    private final List<Param<?>> params;
    private final List<Set<Trait>> requires;
    private final Function<Values, Set<Trait>> provides;
    private final Set<String> tags;
    private final int order;
    private final Factory<C, T> factory;

    private Component(Builder<C, T> b, Factory<C, T> factory) {
        this.kind = b.kind;
        this.name = b.name;
        this.summary = Objects.requireNonNull(b.summary, "summary of " + b.name);
        this.source = b.source;
        this.family = b.family;
        this.params = List.copyOf(b.params);
        this.requires = List.copyOf(b.requires);
        this.provides = b.provides;
        this.tags = Set.copyOf(b.tags);
        this.order = b.order;
        this.factory = factory;
        Set<String> names = new LinkedHashSet<>();
        for (Param<?> p : params) {
            if (!names.add(p.name())) {
                throw new IllegalArgumentException(kind.id() + " " + name + " declares parameter " + p.name() + " twice");
            }
        }
    }

    public static <C, T> Builder<C, T> of(Kind<C, T> kind, String name) {
        return new Builder<>(kind, name);
    }

    public Kind<C, T> kind() {
        return kind;
    }

    public String name() {
        return name;
    }

    public String summary() {
        return summary;
    }

    /** The paper (authors, year) or "" for plain baselines. */
    public String source() {
        return source;
    }

    /** A grouping for listings (e.g. "replay"), or "". */
    public String family() {
        return family;
    }

    public List<Param<?>> params() {
        return params;
    }

    /** Each set is one need: at least one of its traits must be given by the run. */
    public List<Set<Trait>> requires() {
        return requires;
    }

    public Set<Trait> provides(Values values) {
        return provides.apply(values);
    }

    public boolean hasTag(String tag) {
        return tags.contains(tag);
    }

    public Set<String> tags() {
        return tags;
    }

    /** Position among its kind where order matters (optimizer wrappers: lower is applied first, innermost). */
    public int order() {
        return order;
    }

    /** Checks {@code raw} against the declared parameters; messages name {@code path.key}. */
    public Values resolve(Map<String, ?> raw, String path) {
        return Values.resolve(params, raw, path, kind.id() + " " + name);
    }

    public T build(Values values, C context) {
        return factory.build(values, context);
    }

    @Override
    public String toString() {
        return kind.id() + " " + name;
    }

    /** The fluent declaration; {@link #factory} ends it. */
    public static final class Builder<C, T> {
        private final Kind<C, T> kind;
        private final String name;
        private String summary;
        private String source = "";
        private String family = "";
        private final List<Param<?>> params = new ArrayList<>();
        private final List<Set<Trait>> requires = new ArrayList<>();
        private Function<Values, Set<Trait>> provides = v -> Set.of();
        private final Set<String> tags = new LinkedHashSet<>();
        private int order;

        private Builder(Kind<C, T> kind, String name) {
            if (!name.matches("[a-z0-9][a-z0-9-]*")) {
                throw new IllegalArgumentException("component names are lower-case words joined by '-', got '" + name + "'");
            }
            this.kind = kind;
            this.name = name;
        }

        public Builder<C, T> summary(String text) {
            this.summary = text;
            return this;
        }

        public Builder<C, T> source(String paper) {
            this.source = paper;
            return this;
        }

        public Builder<C, T> family(String family) {
            this.family = family;
            return this;
        }

        public Builder<C, T> params(Param<?>... declared) {
            params.addAll(List.of(declared));
            return this;
        }

        /** One need: the run must give at least one of {@code anyOf}. */
        public Builder<C, T> requires(Trait... anyOf) {
            requires.add(Set.of(anyOf));
            return this;
        }

        public Builder<C, T> provides(Trait... traits) {
            Set<Trait> fixed = Set.of(traits);
            this.provides = v -> fixed;
            return this;
        }

        /** Traits that depend on the parameters (e.g. a split stream is task-incremental when asked to be). */
        public Builder<C, T> provides(Function<Values, Set<Trait>> traits) {
            this.provides = traits;
            return this;
        }

        /** A kind-specific property, e.g. a strategy that cannot be combined with others. */
        public Builder<C, T> tag(String tag) {
            tags.add(tag);
            return this;
        }

        public Builder<C, T> order(int order) {
            this.order = order;
            return this;
        }

        public Component<C, T> factory(Factory<C, T> factory) {
            return new Component<>(this, factory);
        }
    }
}
