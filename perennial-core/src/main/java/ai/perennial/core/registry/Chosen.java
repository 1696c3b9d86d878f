package ai.perennial.core.registry;

import java.util.Map;

/**
 * A component picked for a run with its resolved parameters, and the config key that picked it (for messages).
 */
public record Chosen<C, T>(Component<C, T> component, Values values, String path) {

    /** Picks {@code name} of {@code kind} from {@code registry} and resolves {@code raw} against it. */
    public static <C, T> Chosen<C, T> of(Registry registry, Kind<C, T> kind, String name, Map<String, ?> raw, String path) {
        Component<C, T> c = registry.get(kind, name, path + ".name");
        return new Chosen<>(c, c.resolve(raw, path), path);
    }

    public T build(C context) {
        return component.build(values, context);
    }

    public String name() {
        return component.name();
    }

    /** What this choice gives and needs, for {@link Compatibility#check}. */
    public Compatibility.Part part() {
        return new Compatibility.Part(component.toString(), path, component.kind().id(), component.provides(values),
                component.requires());
    }
}
