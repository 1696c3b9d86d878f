package ai.perennial.cli.config;

import ai.perennial.core.PerennialException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Reads a run config from YAML, applies {@code --set key.path=value} overrides, binds it strictly and
 * validates every value, all before anything is trained. Every error names the key's dotted path.
 */
public final class ConfigLoader {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);

    private ConfigLoader() {
    }

    /**
     * @param source a YAML file, or the name of a preset (a file {@code presets/NAME.yaml})
     * @param presetsDir where presets live
     */
    public static RunConfig load(String source, Path presetsDir, List<String> overrides) {
        Path file = resolve(source, presetsDir);
        JsonNode tree;
        try {
            tree = YAML.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new PerennialException(file + ": not valid YAML (" + e.getOriginalMessage() + " at line "
                    + e.getLocation().getLineNr() + ")");
        } catch (IOException e) {
            throw new PerennialException(file + ": cannot be read (" + e.getMessage() + ")");
        }
        if (tree == null || tree.isMissingNode() || tree.isNull()) {
            tree = JsonNodeFactory.instance.objectNode();
        }
        if (!tree.isObject()) {
            throw new PerennialException(file + ": the top level must be a mapping of keys to values");
        }
        for (String override : overrides) {
            applyOverride((ObjectNode) tree, override);
        }
        RunConfig config = bind(tree, file.toString());
        ConfigValidator.validate(config);
        return config;
    }

    static RunConfig bind(JsonNode tree, String origin) {
        try {
            return YAML.treeToValue(tree, RunConfig.class);
        } catch (JsonMappingException e) {
            String path = e.getPath().stream()
                    .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                    .collect(Collectors.joining(".")).replace(".[", "[");
            String problem = e.getOriginalMessage();
            if (e instanceof com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException) {
                problem = "unknown key";
            } else if (e instanceof com.fasterxml.jackson.databind.exc.MismatchedInputException m && m.getTargetType() != null) {
                problem = "expected " + typeName(m.getTargetType());
            }
            throw new PerennialException(origin + ": " + path + ": " + problem + "; fix or remove it (see presets/ for valid configs)");
        } catch (JsonProcessingException e) {
            throw new PerennialException(origin + ": " + e.getOriginalMessage());
        }
    }

    private static String typeName(Class<?> type) {
        if (type == int.class || type == Integer.class || type == long.class || type == Long.class) {
            return "a whole number";
        }
        if (type == double.class || type == Double.class) {
            return "a number";
        }
        if (type == boolean.class || type == Boolean.class) {
            return "true or false";
        }
        if (type == String.class) {
            return "a string";
        }
        if (List.class.isAssignableFrom(type)) {
            return "a list";
        }
        return "a mapping";
    }

    /** {@code a.b.c=value}: value is parsed as YAML (so numbers, booleans and [lists] keep their type). */
    static void applyOverride(ObjectNode root, String override) {
        int eq = override.indexOf('=');
        if (eq <= 0) {
            throw new PerennialException("--set '" + override + "': expected KEY.PATH=VALUE, e.g. --set strategy.lambda=100");
        }
        String[] keys = override.substring(0, eq).trim().split("\\.");
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

    static Path resolve(String source, Path presetsDir) {
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
