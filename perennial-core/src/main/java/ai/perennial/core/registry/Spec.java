package ai.perennial.core.registry;

import ai.perennial.core.PerennialException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A component written as one line of text, {@code name:key=value,key=value} (e.g. {@code cosine:peak=0.1},
 * {@code ema:decay=0.999}), for command-line flags and config values that name a component inline.
 */
public record Spec(String name, Map<String, String> params) {

    /** {@code what} names the text in messages, e.g. "schedule 'cosine:pek=1'". */
    public static Spec parse(String text, String what) {
        String t = text.trim();
        int colon = t.indexOf(':');
        String name = (colon < 0 ? t : t.substring(0, colon)).trim();
        if (name.isEmpty()) {
            throw new PerennialException(what + ": missing a name before ':'");
        }
        Map<String, String> params = new LinkedHashMap<>();
        if (colon >= 0) {
            for (String pair : t.substring(colon + 1).split(",", -1)) {
                if (pair.isBlank()) {
                    throw new PerennialException(what + ": empty entry; write name:key=value,key=value");
                }
                int eq = pair.indexOf('=');
                if (eq <= 0) {
                    throw new PerennialException(what + ": expected key=value, got '" + pair.trim() + "'");
                }
                String key = pair.substring(0, eq).trim();
                if (params.put(key, pair.substring(eq + 1).trim()) != null) {
                    throw new PerennialException(what + ": " + key + " is given twice");
                }
            }
        }
        return new Spec(name, params);
    }

    /**
     * Builds the context-free component {@code text} names, of {@code kind}, from the global registry: {@code what}
     * (e.g. "weight average") names it in messages.
     */
    public static <T> T build(Kind<Void, T> kind, String text, String what) {
        String described = what + " '" + text + "'";
        Spec s = parse(text, described);
        Component<Void, T> c = Registry.global().get(kind, s.name(), described);
        return c.build(c.resolve(s.params(), described + ": " + s.name()), null);
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(name);
        String sep = ":";
        for (Map.Entry<String, String> e : params.entrySet()) {
            b.append(sep).append(e.getKey()).append('=').append(e.getValue());
            sep = ",";
        }
        return b.toString();
    }
}
