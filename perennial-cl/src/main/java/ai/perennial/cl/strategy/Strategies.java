package ai.perennial.cl.strategy;

import ai.perennial.cl.buffer.ReplayBuffer;
import ai.perennial.cl.strategy.projection.AGem;
import ai.perennial.cl.strategy.projection.Gem;
import ai.perennial.cl.strategy.regularization.Ewc;
import ai.perennial.cl.strategy.regularization.L2;
import ai.perennial.cl.strategy.regularization.Lwf;
import ai.perennial.cl.strategy.regularization.Mas;
import ai.perennial.cl.strategy.regularization.SpectralRegularization;
import ai.perennial.cl.strategy.regularization.SynapticIntelligence;
import ai.perennial.cl.strategy.replay.Bic;
import ai.perennial.cl.strategy.replay.DarkExperienceReplay;
import ai.perennial.cl.strategy.replay.ErAce;
import ai.perennial.cl.strategy.replay.GDumb;
import ai.perennial.cl.strategy.replay.Icarl;
import ai.perennial.cl.strategy.replay.ExperienceReplay;
import ai.perennial.core.PerennialException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Strategies by name, each built from its hyperparameters (which are checked by name). */
public final class Strategies {
    private static final Map<String, Function<Params, Strategy>> REGISTRY = new LinkedHashMap<>();

    static {
        REGISTRY.put("naive", p -> new Naive());
        REGISTRY.put("joint", p -> new Joint());
        REGISTRY.put("cumulative", p -> new Cumulative());
        REGISTRY.put("ewc", p -> new Ewc(p.positive("lambda", 100), null, p.integer("fisher_samples", 500), p.seed()));
        REGISTRY.put("online-ewc", p -> new Ewc(p.positive("lambda", 100), p.nonNegative("gamma", 1.0),
                p.integer("fisher_samples", 500), p.seed()));
        REGISTRY.put("si", p -> new SynapticIntelligence(p.positive("c", 0.5), p.positive("xi", 0.1)));
        REGISTRY.put("mas", p -> new Mas(p.positive("lambda", 1.0), p.nonNegative("alpha", 0.5), p.integer("samples", 500),
                p.seed()));
        REGISTRY.put("l2", p -> new L2(p.positive("lambda", 1.0)));
        REGISTRY.put("spectral", p -> new SpectralRegularization(p.positive("lambda", 1e-3), Math.max(1, p.integer("power", 2)),
                p.seed()));
        REGISTRY.put("lwf", p -> new Lwf(p.positive("alpha", 1.0), p.positive("temperature", 2.0)));
        REGISTRY.put("er", p -> new ExperienceReplay(p.integer("memory", 500),
                p.choice("policy", "reservoir", "reservoir", "class-balanced").equals("reservoir")
                        ? ReplayBuffer.Policy.RESERVOIR : ReplayBuffer.Policy.CLASS_BALANCED,
                p.integer("replay_batch", 0), p.seed()));
        REGISTRY.put("der", p -> new DarkExperienceReplay(p.integer("memory", 500), p.positive("alpha", 0.3), 0,
                p.integer("replay_batch", 0), p.seed()));
        REGISTRY.put("derpp", p -> new DarkExperienceReplay(p.integer("memory", 500), p.positive("alpha", 0.1),
                p.positive("beta", 0.5), p.integer("replay_batch", 0), p.seed()));
        REGISTRY.put("er-ace", p -> new ErAce(p.integer("memory", 500), p.integer("replay_batch", 0), p.seed()));
        REGISTRY.put("gdumb", p -> new GDumb(p.integer("memory", 500), Math.max(1, p.integer("passes", 20)), p.seed()));
        REGISTRY.put("icarl", p -> new Icarl(p.integer("memory", 500)));
        REGISTRY.put("bic", p -> new Bic(p.integer("memory", 500), p.positive("temperature", 2.0),
                p.integer("validation_per_class", 20), p.seed()));
        REGISTRY.put("gem", p -> new Gem(p.integer("patterns_per_experience", 256), p.nonNegative("margin", 0.5), p.seed()));
        REGISTRY.put("agem", p -> new AGem(p.integer("patterns_per_experience", 256), p.integer("sample_size", 256), p.seed()));
    }

    private Strategies() {
    }

    public static List<String> names() {
        return List.copyOf(REGISTRY.keySet());
    }

    /**
     * @param params hyperparameters from the config ({@code strategy.<key>}); every key must be consumed
     *     by the strategy, so a typo is an error naming the key
     */
    public static Strategy create(String name, Map<String, Object> params) {
        return create(name, params, 0);
    }

    /** As {@link #create(String, Map)}, with {@code seed} for the strategy's own randomness. */
    public static Strategy create(String name, Map<String, Object> params, long seed) {
        if (name.contains("+")) {
            return combined(name, params, seed);
        }
        Function<Params, Strategy> factory = REGISTRY.get(name);
        if (factory == null) {
            throw new PerennialException("strategy.name: unknown strategy '" + name + "'; choose one of "
                    + String.join(", ", REGISTRY.keySet()));
        }
        Params p = new Params(name, params, seed);
        Strategy s = factory.apply(p);
        p.requireAllUsed();
        return s;
    }

    /**
     * {@code a+b+...}: each member's hyperparameters sit under its own name, e.g.
     * {@code strategy: {name: ewc+er, ewc: {lambda: 500}, er: {memory: 200}}}.
     */
    private static Strategy combined(String name, Map<String, Object> params, long seed) {
        List<String> members = List.of(name.split("\\+"));
        for (String key : params.keySet()) {
            if (!members.contains(key)) {
                throw new PerennialException("strategy." + key + ": a combined strategy takes one section per member ("
                        + String.join(", ", members) + ")");
            }
        }
        List<Strategy> parts = new java.util.ArrayList<>();
        for (int i = 0; i < members.size(); i++) {
            String member = members.get(i);
            Object section = params.getOrDefault(member, Map.of());
            if (!(section instanceof Map<?, ?> map)) {
                throw new PerennialException("strategy." + member + ": expected a mapping of " + member + "'s hyperparameters");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> memberParams = (Map<String, Object>) map;
            try {
                parts.add(create(member, memberParams, seed + 31L * i));
            } catch (PerennialException e) {
                throw new PerennialException(e.getMessage().replace("strategy.", "strategy." + member + "."));
            }
        }
        return new Composite(parts);
    }

    /** True when {@code name} is a registered strategy or a '+' combination of them. */
    public static boolean exists(String name) {
        for (String member : name.split("\\+")) {
            if (!REGISTRY.containsKey(member)) {
                return false;
            }
        }
        return true;
    }

    /** Typed access to a strategy's hyperparameters that remembers which keys were read. */
    public static final class Params {
        private final String strategy;
        private final Map<String, Object> values;
        private final java.util.Set<String> used = new java.util.HashSet<>();

        private final long seed;

        Params(String strategy, Map<String, Object> values, long seed) {
            this.strategy = strategy;
            this.values = values;
            this.seed = seed;
        }

        public double number(String key, double defaultValue) {
            used.add(key);
            Object v = values.get(key);
            if (v == null) {
                return defaultValue;
            }
            if (v instanceof Number n) {
                return n.doubleValue();
            }
            throw new PerennialException("strategy." + key + ": expected a number, got '" + v + "'");
        }

        public int integer(String key, int defaultValue) {
            double v = number(key, defaultValue);
            if (v != Math.rint(v) || v < 0) {
                throw new PerennialException("strategy." + key + ": expected a whole number >= 0, got " + values.get(key));
            }
            return (int) v;
        }

        /** A positive number; {@code strategy.KEY} is named when it is not. */
        public double positive(String key, double defaultValue) {
            double v = number(key, defaultValue);
            if (!(v > 0) || Double.isInfinite(v)) {
                throw new PerennialException("strategy." + key + ": must be a positive number, got " + v);
            }
            return v;
        }

        public double nonNegative(String key, double defaultValue) {
            double v = number(key, defaultValue);
            if (!(v >= 0) || Double.isInfinite(v)) {
                throw new PerennialException("strategy." + key + ": must be >= 0, got " + v);
            }
            return v;
        }

        public String choice(String key, String defaultValue, String... options) {
            used.add(key);
            Object v = values.get(key);
            String s = v == null ? defaultValue : String.valueOf(v);
            if (!java.util.List.of(options).contains(s)) {
                throw new PerennialException("strategy." + key + ": must be one of " + String.join(", ", options) + ", got '" + s + "'");
            }
            return s;
        }

        /** Seed for the strategy's own randomness (buffers), derived from the run seed. */
        public long seed() {
            return seed;
        }

        void requireAllUsed() {
            for (String key : values.keySet()) {
                if (!used.contains(key)) {
                    throw new PerennialException("strategy." + key + ": unknown parameter for strategy " + strategy
                            + (used.isEmpty() ? " (it takes none)" : "; it takes " + String.join(", ", used)));
                }
            }
        }
    }
}
