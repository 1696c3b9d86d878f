package ai.perennial.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bench memory} runs each configuration in its own JVM and reports that process's peak RSS. */
class MemoryBenchmarkTest {
    @TempDir
    Path dir;

    @Test
    void reportsPeakRssPerChildRun() throws IOException {
        CliTest.Outcome o = CliTest.run("bench", "memory", "--tasks", "2,4", "--strategies", "naive", "--split-strategies", "er",
                "--max-steps", "2", "--set", "dataset.name=gaussian-clusters", "--set", "dataset.samples=600", "--set", "dataset.features=20",
                "--out", dir.toString());
        assertThat(o.code()).as(o.err()).isZero();
        assertThat(o.out()).contains("peak RSS MB", "at most 2 steps per experience", "permuted", "split class-IL");
        JsonNode runs = new ObjectMapper().readTree(dir.resolve("memory-bench.json").toFile()).get("runs");
        assertThat(runs).hasSize(3);
        assertThat(runs.get(0).get("tasks").asInt()).isEqualTo(2);
        assertThat(runs.get(1).get("tasks").asInt()).isEqualTo(4);
        assertThat(runs.get(1).get("steps").asInt()).isEqualTo(8);
        assertThat(runs.get(2).get("strategy").asText()).isEqualTo("er");
        for (JsonNode r : runs) {
            assertThat(r.get("peak_rss_bytes").asLong()).isGreaterThan(50L << 20); // a JVM with the engine loaded
        }
    }
}
