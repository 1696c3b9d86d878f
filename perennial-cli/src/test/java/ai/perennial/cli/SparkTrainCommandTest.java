package ai.perennial.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** spark-train end to end on local[2] (Spark in this JVM), and its bad input as one error line each. */
class SparkTrainCommandTest {
    @TempDir
    Path dir;

    Path config() throws IOException {
        Path f = dir.resolve("synthetic.yaml");
        Files.writeString(f, RunCompareTest.CONFIG.replace("every_steps: 10", "every_steps: 0"));
        return f;
    }

    @Test
    void trainsWritesTheRunsOutputsAndAnExportableCheckpoint() throws IOException {
        Path out = dir.resolve("run");
        CliTest.Outcome o = CliTest.run("spark-train", config().toString(), "--master", "local[2]", "--workers", "2", "--local-steps", "3",
                "--out", out.toString());
        assertThat(o.code()).as(o.err()).isZero();
        assertThat(o.out()).contains("ACC ");
        JsonNode r = new ObjectMapper().readTree(out.resolve("result.json").toFile());
        JsonNode d = r.get("distributed");
        assertThat(d.get("workers").asInt()).isEqualTo(2);
        assertThat(d.get("local_steps").asInt()).isEqualTo(3);
        assertThat(d.get("master").asText()).isEqualTo("local[2]");
        assertThat(d.get("communication").get("rounds").asLong()).isPositive();
        assertThat(d.get("communication").get("bytes_from_workers").asLong()).isPositive();
        assertThat(r.get("accuracy_matrix")).hasSize(2);
        assertThat(out.resolve("report.html")).exists();
        // the dashboard's log: a start line, loss reports, a matrix per experience, the end
        List<String> log = Files.readAllLines(out.resolve("metrics.jsonl"));
        assertThat(log.get(0)).contains("\"kind\":\"start\"", "\"command\":\"spark-train\"");
        assertThat(log).filteredOn(l -> l.contains("\"tag\":\"train/loss\"")).isNotEmpty();
        assertThat(log).filteredOn(l -> l.contains("\"kind\":\"matrix\"")).hasSize(2);
        assertThat(log.get(log.size() - 1)).contains("\"kind\":\"end\"", "\"status\":\"finished\"");
        // the final checkpoint is a continual run's: export reads it
        CliTest.Outcome export = CliTest.run("export", out.toString(), "--out", dir.resolve("model.safetensors").toString());
        assertThat(export.code()).as(export.err()).isZero();
        assertThat(dir.resolve("model.safetensors")).exists();
    }

    @Test
    void aStoppedRunResumesWithItsOwnDistributedSettings() throws IOException {
        Path out = dir.resolve("run");
        Path config = config();
        Files.writeString(config, Files.readString(config) + "checkpoint:\n  every_steps: 10\n  keep_last: 20\n");
        CliTest.Outcome whole = CliTest.run("spark-train", config.toString(), "--master", "local[2]", "--workers", "2", "--local-steps", "3",
                "--out", dir.resolve("whole").toString());
        assertThat(whole.code()).as(whole.err()).isZero();
        CliTest.Outcome first = CliTest.run("spark-train", config.toString(), "--master", "local[2]", "--workers", "2", "--local-steps", "3",
                "--out", out.toString());
        assertThat(first.code()).as(first.err()).isZero();
        // keep only the checkpoint at step 30 of 80, as if the driver had died there
        try (var saved = Files.list(out.resolve("checkpoints"))) {
            for (Path p : saved.filter(p -> !p.getFileName().toString().contains("step-000000000030")).toList()) {
                try (var tree = Files.walk(p)) {
                    tree.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
                }
            }
        }
        Files.delete(out.resolve("result.json"));
        // no distributed flags: two workers and H = 3 come from the checkpoint
        CliTest.Outcome resumed = CliTest.run("spark-train", "--resume", out.toString(), "--master", "local[2]");
        assertThat(resumed.code()).as(resumed.err()).isZero();
        assertThat(resumed.err()).contains("resuming from", "round 10, step 30");
        ObjectMapper json = new ObjectMapper();
        assertThat(json.readTree(out.resolve("result.json").toFile()).get("weights_sha256"))
                .isEqualTo(json.readTree(dir.resolve("whole").resolve("result.json").toFile()).get("weights_sha256"));
    }

    @Test
    void badDistributedSettingsAreOneErrorLineNamingTheFlag() throws IOException {
        String c = config().toString();
        String o = dir.resolve("o").toString();
        CliTest.assertOneLineError(CliTest.run("spark-train", c, "--out", o, "--sync", "qsr"), "--qsr-alpha: sync qsr needs alpha");
        CliTest.assertOneLineError(CliTest.run("spark-train", c, "--out", o, "--workers", "0"), "--workers");
        CliTest.assertOneLineError(CliTest.run("spark-train", c, "--out", o, "--sync", "sometimes"), "--sync", "every, constant, qsr");
        CliTest.assertOneLineError(CliTest.run("spark-train", c, "--out", o, "--workers", "3", "--master", "local[2]"),
                "--workers: 3 workers need 3 task slots");
        CliTest.assertOneLineError(CliTest.run("spark-train", c, "--out", o, "--workers", "4000"), "--workers: experience 1 has",
                "fewer than the 4000 workers");
    }
}
