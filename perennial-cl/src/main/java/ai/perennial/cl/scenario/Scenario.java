package ai.perennial.cl.scenario;

import ai.perennial.core.data.DataSources;
import ai.perennial.core.registry.Kind;
import ai.perennial.core.registry.Trait;
import java.util.List;
import java.util.Map;

/**
 * A stream of experiences and the output layout a model needs for it: {@code heads} output heads of
 * {@code outputs} units each. {@code setting} says which continual-learning setting the stream is (one of the three
 * traits below); {@code settings} records everything that defines the stream (derived from the seed where random), for
 * the run's result.
 */
public record Scenario(String name, List<Experience> experiences, int outputs, int heads, Trait setting,
        Map<String, Object> settings) {

    /** Scenarios are built over a data set's train/test split, with a seed for every random choice. */
    public static final Kind<Context, Scenario> KIND = Kind.of("scenario", "scenarios",
            "continual-learning streams built over any labelled data set");

    public record Context(DataSources.Split data, long seed) {
    }

    public static final Trait CLASS_INCREMENTAL = new Trait("setting", "class-incremental",
            "a class-incremental stream (new classes per experience, one shared head, no task id at test time)");
    public static final Trait TASK_INCREMENTAL = new Trait("setting", "task-incremental",
            "a task-incremental stream (one head per experience, task id known)");
    public static final Trait DOMAIN_INCREMENTAL = new Trait("setting", "domain-incremental",
            "a domain-incremental stream (the same classes under changing inputs, one shared head)");

    public Scenario {
        experiences = List.copyOf(experiences);
        settings = Map.copyOf(settings);
    }

    public int size() {
        return experiences.size();
    }
}
