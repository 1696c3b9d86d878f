package ai.perennial.cl.strategy;

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
        Function<Params, Strategy> factory = REGISTRY.get(name);
        if (factory == null) {
            throw new PerennialException("strategy.name: unknown strategy '" + name + "'; choose one of "
                    + String.join(", ", REGISTRY.keySet()));
        }
        Params p = new Params(name, params);
        Strategy s = factory.apply(p);
        p.requireAllUsed();
        return s;
    }

    /** Typed access to a strategy's hyperparameters that remembers which keys were read. */
    public static final class Params {
        private final String strategy;
        private final Map<String, Object> values;
        private final java.util.Set<String> used = new java.util.HashSet<>();

        Params(String strategy, Map<String, Object> values) {
            this.strategy = strategy;
            this.values = values;
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
