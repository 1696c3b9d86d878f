package ai.perennial.cli.config;

import ai.perennial.cl.experiment.ExperimentConfig;
import ai.perennial.core.PerennialException;
import ai.perennial.core.data.DataSources;
import ai.perennial.core.registry.Param;
import ai.perennial.core.registry.Registry;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Reads a run config from YAML and applies {@code --set key.path=value} overrides; the library
 * ({@link ExperimentConfig}) checks every key and value against the registry, all before anything is trained. Every
 * error names the key's dotted path.
 */
public final class ConfigLoader {
    /** Larger files are not configs (and a huge quoted string would keep the YAML parser busy for minutes). */
    static final long MAX_BYTES = 1 << 20;

    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION));

    private ConfigLoader() {
    }

    /**
     * @param source a YAML file, or the name of a preset (a file {@code presets/NAME.yaml})
     * @param presetsDir where presets live
     */
    public static ExperimentConfig load(String source, Path presetsDir, List<String> overrides) {
        Path file = resolve(source, presetsDir);
        Map<String, Object> tree = tree(file, overrides);
        try {
            return ExperimentConfig.resolve(Registry.global(), tree);
        } catch (PerennialException e) {
            throw new PerennialException("config " + e.getMessage(), e);
        }
    }

    /** The file's config tree with the overrides applied, as plain maps, lists and scalars. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> tree(Path file, List<String> overrides) {
        JsonNode tree;
        try {
            if (Files.size(file) > MAX_BYTES) {
                throw new PerennialException(file + ": " + Files.size(file) + " bytes is too large for a run config (limit "
                        + MAX_BYTES + ")");
            }
            tree = YAML.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            String problem = e.getOriginalMessage();
            int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            java.util.regex.Matcher duplicate = java.util.regex.Pattern.compile("Duplicate field '(.*)'").matcher(problem);
            java.util.regex.Matcher number = java.util.regex.Pattern.compile("Malformed numeric value '(.*)'").matcher(problem);
            if (duplicate.find()) {
                throw new PerennialException(file + " line " + line + ": key '" + duplicate.group(1)
                        + "' is given twice in one mapping; keep one");
            }
            if (number.find()) {
                throw new PerennialException(file + " line " + line + ": " + number.group(1)
                        + " is not a finite number; every number in a run config must be finite");
            }
            throw new PerennialException(file + ": not valid YAML (" + problem + " at line " + line + ")");
        } catch (IOException e) {
            throw new PerennialException(file + ": cannot be read (" + e.getMessage() + ")");
        }
        if (tree == null || tree.isMissingNode() || tree.isNull()) {
            tree = JsonNodeFactory.instance.objectNode();
        }
        if (!tree.isObject()) {
            throw new PerennialException(file + ": the top level must be a mapping of keys to values");
        }
        resolvePaths((ObjectNode) tree, file.toAbsolutePath().getParent());
        for (String override : overrides) {
            applyOverride((ObjectNode) tree, override);
        }
        return YAML.convertValue(tree, LinkedHashMap.class);
    }

    /**
     * The dataset section's {@link Param#path path} values, when relative, made relative to {@code base} (the config file's
     * directory), so a config and the data beside it work from any working directory. Unknown names and wrong types are
     * left for the config check to report.
     */
    static void resolvePaths(ObjectNode tree, Path base) {
        if (!(tree.get("dataset") instanceof ObjectNode section)) {
            return;
        }
        JsonNode name = section.get("name");
        String component = name == null ? ExperimentConfig.DEFAULTS.get("dataset") : name.asText();
        if (!Registry.global().names(DataSources.KIND).contains(component)) {
            return;
        }
        for (Param<?> p : Registry.global().get(DataSources.KIND, component, "dataset").params()) {
            JsonNode value = section.get(p.name());
            if (p.typeName().equals(Param.PATH) && value != null && value.isTextual() && !value.asText().isBlank()) {
                try {
                    Path given = Path.of(value.asText());
                    if (!given.isAbsolute()) {
                        section.put(p.name(), base.resolve(given).normalize().toString());
                    }
                } catch (java.nio.file.InvalidPathException e) {
                    // not a path at all: left as given for the data source to report
                }
            }
        }
    }

    /** {@code tree} (e.g. a run's stored config) with {@code overrides} applied. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> withOverrides(Map<String, Object> tree, List<String> overrides) {
        ObjectNode node = YAML.valueToTree(tree);
        for (String override : overrides) {
            applyOverride(node, override);
        }
        return YAML.convertValue(node, LinkedHashMap.class);
    }

    /** {@code a.b.c=value}: value is parsed as YAML (so numbers, booleans and [lists] keep their type). */
    static void applyOverride(ObjectNode root, String override) {
        int eq = override.indexOf('=');
        if (eq <= 0) {
            throw new PerennialException("--set '" + override + "': expected KEY.PATH=VALUE, e.g. --set strategy.lambda=100");
        }
        String[] keys = override.substring(0, eq).trim().split("\\.", -1);
        for (String key : keys) {
            if (key.isBlank()) {
                throw new PerennialException("--set '" + override + "': empty key in " + override.substring(0, eq));
            }
        }
        JsonNode value;
        try {
            value = YAML.readTree(override.substring(eq + 1));
        } catch (JsonProcessingException e) {
            throw new PerennialException("--set '" + override + "': value is not valid YAML");
        }
        if (value == null || value.isMissingNode()) {
            value = JsonNodeFactory.instance.nullNode();
        }
        ObjectNode node = root;
        for (int i = 0; i < keys.length - 1; i++) {
            JsonNode child = node.get(keys[i]);
            if (child == null || child.isNull()) {
                child = node.putObject(keys[i]);
            } else if (!child.isObject()) {
                throw new PerennialException("--set " + override + ": " + String.join(".", java.util.Arrays.copyOf(keys, i + 1))
                        + " is not a mapping");
            }
            node = (ObjectNode) child;
        }
        node.set(keys[keys.length - 1], value);
    }

    public static Path resolve(String source, Path presetsDir) {
        Path file = Path.of(source);
        if (Files.isRegularFile(file)) {
            return file;
        }
        Path preset = presetsDir.resolve(source + ".yaml");
        if (!source.contains("/") && Files.isRegularFile(preset)) {
            return preset;
        }
        String known = "";
        try (var list = Files.list(presetsDir)) {
            known = list.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yaml"))
                    .map(n -> n.substring(0, n.length() - 5)).sorted().collect(Collectors.joining(", "));
        } catch (IOException ignored) {
            // no presets directory: the message below still names the missing file
        }
        throw new PerennialException("config " + source + " not found; pass a YAML file"
                + (known.isEmpty() ? "" : " or a preset: " + known));
    }
}
