package ai.perennial.core.registry;

import ai.perennial.core.PerennialException;
import java.util.List;
import java.util.Set;

/**
 * Whether the parts of a run fit together: every need of every part (a set of alternative {@link Trait}s) must be met
 * by what some part gives. Registered components declare their needs and gifts; hand-made parts (a program's own data
 * or stream) describe themselves as a {@link Part}.
 */
public final class Compatibility {
    private Compatibility() {
    }

    /**
     * One part of a run. {@code label} names it in messages ("scenario permuted"), {@code path} is the config section
     * that chose it, {@code kind} what to suggest changing.
     */
    public record Part(String label, String path, String kind, Set<Trait> provides, List<Set<Trait>> requires) {
    }

    /**
     * The first unmet need is an error naming both sides, e.g. "strategy.name: strategy icarl needs a class-incremental
     * stream, but scenario permuted gives a domain-incremental stream".
     */
    public static void check(List<Part> parts) {
        for (Part p : parts) {
            for (Set<Trait> need : p.requires()) {
                if (parts.stream().anyMatch(q -> q.provides().stream().anyMatch(need::contains))) {
                    continue;
                }
                String wanted = String.join(" or ", need.stream().map(Trait::description).sorted().toList());
                String dimension = need.iterator().next().dimension();
                String instead = "nothing in this run gives that";
                for (Part q : parts) {
                    for (Trait t : q.provides()) {
                        if (t.dimension().equals(dimension)) {
                            instead = q.label() + " gives " + t.description();
                        }
                    }
                }
                // a section names its component by its name key; an inline spec (training.loss) is its own key
                String key = p.path().contains(".") ? p.path() : p.path() + ".name";
                throw new PerennialException(key + ": " + p.label() + " needs " + wanted + ", but " + instead
                        + "; choose another " + p.kind() + " or change the run");
            }
        }
    }
}
