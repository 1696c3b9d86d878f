package ai.perennial.core.registry;

import java.util.Objects;

/**
 * A kind of component (data source, model, strategy, ...): components of kind {@code Kind<C, T>} build a {@code T}
 * from their resolved parameters and a context {@code C} that the assembling code supplies (a seed, the input shape,
 * the learning-rate schedule, ...). Each kind is declared once, next to the type it produces.
 *
 * @param id singular name, also the config section that selects it (e.g. {@code strategy})
 * @param plural for listings ({@code bin/perennial list strategies})
 * @param doc one line on what components of this kind are
 */
public record Kind<C, T>(String id, String plural, String doc) {
    public Kind {
        Objects.requireNonNull(id);
        Objects.requireNonNull(plural);
    }

    public static <C, T> Kind<C, T> of(String id, String plural, String doc) {
        return new Kind<>(id, plural, doc);
    }
}
