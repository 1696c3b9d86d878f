package ai.perennial.cli;

import ai.perennial.core.PerennialException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Per-benchmark strategy hyperparameters (as Mammoth keeps best arguments per dataset): a YAML mapping
 * from strategy name to its {@code strategy.*} values, turned into {@code --set} overrides.
 */
final class Hyperparameters {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

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
        List<String> out = new ArrayList<>();
        flatten("strategy", section, out);
        return out;
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
