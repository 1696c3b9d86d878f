package ai.perennial.cl.strategy;

import ai.perennial.core.PerennialException;
import ai.perennial.core.registry.Chosen;
import ai.perennial.core.registry.Compatibility;
import ai.perennial.core.registry.Component;
import ai.perennial.core.registry.Param;
import ai.perennial.core.registry.Registry;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The strategy section of a config: {@code name} is one registered strategy ({@link Strategy#KIND}) with its
 * parameters beside it, or a {@code +} combination whose members' parameters sit in a section under each member's name,
 * e.g. {@code {name: ewc+er, ewc: {lambda: 500}, er: {memory: 200}}}.
 */
public final class Strategies {
    private Strategies() {
    }

    /** A resolved strategy section: its members (one unless combined) with every parameter value. */
    public record Choice(String name, List<Chosen<Long, Strategy>> members) {
        public Choice {
            members = List.copyOf(members);
        }

        /** The strategy, with {@code seed} for its own randomness (member i of a combination gets seed + 31·i). */
        public Strategy build(long seed) {
            if (members.size() == 1) {
                return members.get(0).build(seed);
            }
            List<Strategy> parts = new ArrayList<>();
            for (int i = 0; i < members.size(); i++) {
                parts.add(members.get(i).build(seed + 31L * i));
            }
            return new Composite(parts);
        }

        /** Every value used: {@code {name, params...}}, or {@code {name, member: {params...}, ...}} for a combination. */
        public Map<String, Object> resolved() {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("name", name);
            if (members.size() == 1) {
                out.putAll(members.get(0).values().asMap());
            } else {
                for (Chosen<Long, Strategy> m : members) {
                    out.put(m.name(), m.values().asMap());
                }
            }
            return out;
        }

        public List<Compatibility.Part> parts() {
            return members.stream().map(Chosen::part).toList();
        }
    }

    /** Checks and resolves a strategy section; messages name {@code path.key}. */
    public static Choice resolve(Registry registry, Map<String, ?> section, String path) {
        Object name = section.get("name");
        if (!(name instanceof String text) || text.isBlank()) {
            throw new PerennialException(path + ".name: expected a strategy name, got " + Param.show(name) + "; choose one or a '+' "
                    + "combination of " + String.join(", ", registry.names(Strategy.KIND)));
        }
        Map<String, Object> params = new LinkedHashMap<>(section);
        params.remove("name");
        if (!text.contains("+")) {
            Component<Long, Strategy> c = registry.get(Strategy.KIND, text, path + ".name");
            return new Choice(text, List.of(new Chosen<>(c, c.resolve(params, path), path)));
        }
        List<String> names = List.of(text.split("\\+", -1));
        Set<String> distinct = new LinkedHashSet<>();
        for (String member : names) {
            if (member.isBlank()) {
                throw new PerennialException(path + ".name: '" + text + "' has an empty member; write e.g. ewc+er");
            }
            if (!distinct.add(member)) {
                throw new PerennialException(path + ".name: '" + text + "' names " + member + " twice");
            }
        }
        for (String key : params.keySet()) {
            if (!names.contains(key)) {
                throw new PerennialException(path + "." + key + ": a combined strategy takes one section per member ("
                        + String.join(", ", names) + ")");
            }
        }
        List<Chosen<Long, Strategy>> members = new ArrayList<>();
        String selector = null;
        String replay = null;
        for (String member : names) {
            Component<Long, Strategy> c = registry.get(Strategy.KIND, member, path + ".name");
            if (c.hasTag(Strategy.ALONE)) {
                throw new PerennialException(path + ".name: " + member + ("baseline".equals(c.family()) ? " is a baseline and" : "")
                        + " is not combined with other strategies; use "
                        + member + " alone");
            }
            if (c.hasTag(Strategy.SELECTS_DATA)) {
                if (selector != null) {
                    throw new PerennialException(path + ".name: " + selector + " and " + member
                            + " both choose what to train on; combine at most one of them");
                }
                selector = member;
            }
            if (Strategy.REPLAY.equals(c.family())) {
                // each keeps its own memory and adds its samples to the batch or the loss in its own way; stacked, the
                // second would read the first's memory samples as stream samples
                if (replay != null) {
                    throw new PerennialException(path + ".name: " + replay + " and " + member
                            + " are both replay methods; combine at most one with regularization or projection methods");
                }
                replay = member;
            }
            Object section2 = params.getOrDefault(member, Map.of());
            if (!(section2 instanceof Map<?, ?> map)) {
                throw new PerennialException(path + "." + member + ": expected a mapping of " + member + "'s parameters");
            }
            @SuppressWarnings("unchecked")
            Map<String, ?> memberParams = (Map<String, ?>) map;
            members.add(new Chosen<>(c, c.resolve(memberParams, path + "." + member), path));
        }
        return new Choice(text, members);
    }

    /** {@code name} with {@code params} from the global registry, built with {@code seed}. */
    public static Strategy create(String name, Map<String, ?> params, long seed) {
        Map<String, Object> section = new LinkedHashMap<>(params);
        section.put("name", name);
        return resolve(Registry.global(), section, "strategy").build(seed);
    }
}
