package ai.perennial.core.registry;

/**
 * Something a chosen component gives the run (image inputs, a class-incremental stream) or needs from it. Traits of
 * one {@code dimension} are alternatives ("inputs": images or vectors; "setting": class-, task- or
 * domain-incremental), so an unmet need can be explained by what the run gives instead.
 */
public record Trait(String dimension, String id, String description) {
    @Override
    public String toString() {
        return id;
    }
}
