package ai.perennial.cli;

import ai.perennial.core.PerennialException;
import ai.perennial.core.registry.Component;
import ai.perennial.core.registry.Param;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * Command-line flags derived from the registry: {@code --NAME} picks a section's component and every declared parameter
 * of that kind becomes {@code --key-name} (e.g. {@code weight_decay} → {@code --weight-decay}), with its doc and default
 * in the help. Only the flags given on the command line enter the section, so everything else keeps its declared
 * default, and a flag the chosen component does not take is an error naming the key.
 */
final class DeclaredOptions {
    private record Flag(String section, String key) {
    }

    private final Map<String, Flag> flags = new LinkedHashMap<>();

    /**
     * Adds {@code selector} (the component's name, default {@code defaultName}) and one flag per parameter of
     * {@code components} plus {@code shared} ones, all belonging to config section {@code section}.
     */
    DeclaredOptions section(CommandSpec spec, String section, String selector, String defaultName, String selectorDoc,
            List<? extends Component<?, ?>> components, List<Param<?>> shared) {
        return section(spec, section, selector, defaultName, selectorDoc, components, shared, "");
    }

    /** As above, with {@code prefix} before every parameter flag (e.g. "checkpoint-" gives --checkpoint-every-steps). */
    DeclaredOptions section(CommandSpec spec, String section, String selector, String defaultName, String selectorDoc,
            List<? extends Component<?, ?>> components, List<Param<?>> shared, String prefix) {
        if (selector != null) {
            spec.addOption(OptionSpec.builder(selector).paramLabel("NAME").type(String.class).defaultValue(defaultName)
                    .description(selectorDoc + ": " + String.join(", ", components.stream().map(Component::name).toList())
                            + ". Default: " + defaultName).build());
            flags.put(selector, new Flag(section, "name"));
        }
        // parameter name -> its default as shown -> the components with that default ("" for shared parameters)
        Map<String, Map<String, List<String>>> defaults = new LinkedHashMap<>();
        Map<String, Param<?>> first = new LinkedHashMap<>();
        for (Param<?> p : shared) {
            first.putIfAbsent(p.name(), p);
            defaults.computeIfAbsent(p.name(), k -> new LinkedHashMap<>()).computeIfAbsent(shown(p), k -> new ArrayList<>());
        }
        for (Component<?, ?> c : components) {
            for (Param<?> p : c.params()) {
                first.putIfAbsent(p.name(), p);
                defaults.computeIfAbsent(p.name(), k -> new LinkedHashMap<>()).computeIfAbsent(shown(p), k -> new ArrayList<>())
                        .add(c.name());
            }
        }
        for (Param<?> p : first.values()) {
            String flag = "--" + prefix + p.name().replace('_', '-');
            if (flags.containsKey(flag) || spec.findOption(flag) != null) {
                throw new IllegalStateException(flag + " is declared by two sections of '" + spec.name() + "'");
            }
            Map<String, List<String>> byDefault = defaults.get(p.name());
            String def = byDefault.size() == 1 ? byDefault.keySet().iterator().next()
                    : String.join("; ", byDefault.entrySet().stream().map(d -> d.getKey() + " (" + String.join(", ", d.getValue()) + ")")
                            .toList());
            OptionSpec.Builder b = OptionSpec.builder(flag).paramLabel(label(p)).type(String.class)
                    .description(p.doc() + (p.rangeText().isEmpty() ? "" : "; " + p.rangeText()) + ". Default: " + def);
            if (p.typeName().equals("true or false")) {
                b.arity("0..1").fallbackValue("true");
            }
            spec.addOption(b.build());
            flags.put(flag, new Flag(section, p.name()));
        }
        return this;
    }

    private static String shown(Param<?> p) {
        return p.isRequired() ? "required" : p.defaultValue() == null ? "unset" : Param.display(p.defaultValue());
    }

    private static String label(Param<?> p) {
        return switch (p.typeName()) {
            case "number" -> "NUMBER";
            case "whole number" -> "N";
            case "true or false" -> "BOOL";
            case "list of whole numbers" -> "N,N...";
            case "list of numbers" -> "X,X...";
            default -> "VALUE";
        };
    }

    /** Rewrites a message about {@code section.key} to name the flag the user typed, e.g. "--lr: must be > 0". */
    PerennialException explain(PerennialException e) {
        String message = e.getMessage();
        for (Map.Entry<String, Flag> f : flags.entrySet()) {
            String key = f.getValue().section() + "." + f.getValue().key() + ":";
            if (message.startsWith(key)) {
                return new PerennialException(f.getKey() + message.substring(key.length() - 1), e);
            }
        }
        return e;
    }

    /** The flags of {@code section} the user typed, with their values, as typed (e.g. "--weight-decay 1e12"). */
    List<String> typed(ParseResult parsed, String section) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, Flag> e : flags.entrySet()) {
            if (e.getValue().section().equals(section) && parsed.hasMatchedOption(e.getKey())) {
                out.add(e.getKey() + " " + parsed.matchedOptionValue(e.getKey(), (String) null));
            }
        }
        return out;
    }

    /** The given flags of {@code section} as a config section (with the selector's value, given or default, as name). */
    Map<String, Object> values(ParseResult parsed, String section) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, Flag> e : flags.entrySet()) {
            Flag f = e.getValue();
            if (!f.section().equals(section)) {
                continue;
            }
            if (f.key().equals("name")) {
                out.put("name", parsed.matchedOptionValue(e.getKey(), parsed.commandSpec().findOption(e.getKey()).defaultValue()));
            } else if (parsed.hasMatchedOption(e.getKey())) {
                out.put(f.key(), parsed.matchedOptionValue(e.getKey(), (String) null));
            }
        }
        return out;
    }
}
