package ai.perennial.cli.dashboard;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;

/** Writes a metrics.jsonl as a run does: one JSON object per line, appended, each line whole when written. */
final class MetricsFixture {
    private static final ObjectMapper JSON = new ObjectMapper();
    final Path file;
    private double time = 1_764_500_000.0;

    MetricsFixture(Path runDir) {
        this.file = runDir.resolve(MetricsLog.FILE);
        try {
            Files.createDirectories(runDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    MetricsFixture start(String command, String name, Map<String, Object> config, Long totalSteps) {
        ObjectNode line = line("start").put("command", command).put("name", name);
        line.set("config", JSON.valueToTree(config));
        line.put("total_steps", totalSteps);
        return append(line);
    }

    MetricsFixture scalar(String tag, long step, Double value) {
        return append(line("scalar").put("tag", tag).put("step", step).put("value", value));
    }

    MetricsFixture matrix(long step, List<List<Double>> rows, List<Integer> trained) {
        ObjectNode line = line("matrix").put("step", step);
        line.set("rows", JSON.valueToTree(rows));
        line.set("trained", JSON.valueToTree(trained));
        line.put("score", "accuracy");
        return append(line);
    }

    MetricsFixture end(String status, String error) {
        ObjectNode line = line("end").put("status", status);
        if (error != null) {
            line.put("error", error);
        }
        return append(line);
    }

    /** Text without its newline: a line a run is caught in the middle of writing. */
    MetricsFixture partial(String text) {
        return write(text);
    }

    private ObjectNode line(String kind) {
        time += 0.5;
        return JSON.createObjectNode().put("time", time).put("kind", kind);
    }

    private MetricsFixture append(ObjectNode line) {
        try {
            return write(JSON.writeValueAsString(line) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private MetricsFixture write(String text) {
        try {
            Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }
}
