package ai.perennial.cl.scenario;

import java.util.List;
import java.util.Map;

/**
 * A stream of experiences and the output layout a model needs for it: {@code heads} output heads of
 * {@code outputs} units each. {@code settings} records everything that defines the stream (derived
 * from the seed where random), for the run's result.
 */
public record Scenario(String name, List<Experience> experiences, int outputs, int heads, Map<String, Object> settings) {
    public Scenario {
        experiences = List.copyOf(experiences);
        settings = Map.copyOf(settings);
    }

    public int size() {
        return experiences.size();
    }
}
