package ai.perennial.cli;

import ai.perennial.cl.strategy.Strategies;
import ai.perennial.cl.strategy.Strategy;
import ai.perennial.core.PerennialException;
import ai.perennial.core.registry.Chosen;
import ai.perennial.core.registry.Param;
import ai.perennial.core.registry.Registry;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Per-benchmark strategy hyperparameters (as Mammoth keeps best arguments per dataset): a YAML mapping
 * from strategy name to its {@code strategy.*} values, turned into {@code --set} overrides. A file holds only values
 * that differ from the declared defaults (docs/components.md); one that repeats a default is rejected, so the defaults
 * have one home.
 */
final class Hyperparameters {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private Hyperparameters() {
    }

    /**
     * @param file a YAML file, "none", or null for presets/hparams/NAME.yaml where NAME is the config's
     *     file name without extension (when that file exists)
     */
    static List<String> overrides(String file, String config, String strategy) {
        if ("none".equals(file)) {
            return List.of();
        }
        Path path;
        if (file != null) {
            path = Path.of(file);
            if (!Files.isRegularFile(path)) {
                throw new PerennialException("--hparams " + file + ": file not found");
            }
        } else {
            String name = Path.of(config).getFileName().toString().replaceFirst("\\.ya?ml$", "");
            path = Presets.dir().resolve("hparams").resolve(name + ".yaml");
            if (!Files.isRegularFile(path)) {
                return List.of();
            }
        }
        JsonNode root;
        try {
            root = YAML.readTree(path.toFile());
        } catch (IOException e) {
            throw new PerennialException(path + ": not valid YAML (" + e.getMessage() + ")");
        }
        JsonNode section = root == null ? null : root.get(strategy);
        if (section == null || section.isNull()) {
            return List.of();
        }
        if (!section.isObject()) {
            throw new PerennialException(path + ": " + strategy + " must map hyperparameter names to values");
        }
        requireNonDefault(path, strategy, section);
        List<String> out = new ArrayList<>();
        flatten("strategy", section, out);
        return out;
    }

    /** Every value in {@code section} must differ from the default its strategy declares. */
    @SuppressWarnings("unchecked")
    static void requireNonDefault(Path file, String strategy, JsonNode section) {
        Map<String, Object> raw = new LinkedHashMap<>(YAML.convertValue(section, LinkedHashMap.class));
        raw.put("name", strategy);
        Strategies.Choice choice = Strategies.resolve(Registry.global(), raw, file + ": " + strategy);
        for (Chosen<Long, Strategy> member : choice.members()) {
            Map<String, Object> given = choice.members().size() == 1 ? raw : (Map<String, Object>) raw.getOrDefault(member.name(), Map.of());
            for (Param<?> p : member.component().params()) {
                if (given.containsKey(p.name()) && Objects.equals(member.values().asMap().get(p.name()), p.defaultValue())) {
                    throw new PerennialException(file + ": " + strategy + "." + p.name() + " = " + Param.show(p.defaultValue())
                            + " is the declared default; remove it (hparams files hold only values that differ)");
                }
            }
        }
    }

    private static void flatten(String prefix, JsonNode node, List<String> out) {
        Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            if (f.getValue().isObject()) {
                flatten(prefix + "." + f.getKey(), f.getValue(), out);
            } else {
                out.add(prefix + "." + f.getKey() + "=" + f.getValue().asText());
            }
        }
    }
}
