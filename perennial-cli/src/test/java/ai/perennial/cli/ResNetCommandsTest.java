package ai.perennial.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.model.Model;
import ai.perennial.core.model.Parameters;
import ai.perennial.core.model.ResNet;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A ResNet trained, exported, predicted with and merged from the command line: its batch-norm statistics go along. */
class ResNetCommandsTest {
    @TempDir
    Path dir;

    @Test
    void exportPredictAndMergeCarryTheStatistics() throws IOException {
        Path data = dir.resolve("idx");
        Files.createDirectories(data);
        CliTest.writeIdx(data, "train", 200);
        CliTest.writeIdx(data, "t10k", 50);
        Path[] models = new Path[2];
        for (int s = 0; s < 2; s++) {
            Path run = dir.resolve("train" + s);
            CliTest.Outcome t = CliTest.run("train", "--dataset", "idx", "--data-dir", data.toString(), "--model", ResNet.RESNET18.name(),
                    "--width", "2", "--augment", "crop-flip", "--average", "swa:start=1,every=1", "--seed", String.valueOf(s + 1), "--out",
                    run.toString());
            assertThat(t.code()).as(t.err()).isZero();
            assertThat(t.out()).contains("test_accuracy_averaged");
            models[s] = dir.resolve("export/m" + s + ".safetensors");
            CliTest.Outcome e = CliTest.run("export", run.toString(), "--out", models[s].toString());
            assertThat(e.code()).as(e.err()).isZero();
        }
        JsonNode spec = new ObjectMapper().readTree(dir.resolve("export/m0.json").toFile());
        assertThat(spec.get("buffers")).hasSize(40);
        assertThat(spec.get("buffers").get(0).asText()).isEqualTo("bn1.running_mean");
        CliTest.Outcome p = CliTest.run("predict", models[0].toString(), "--data", data.toString(), "--out", dir.resolve("p.csv").toString());
        assertThat(p.code()).as(p.err()).isZero();

        Path merged = dir.resolve("merged/avg.safetensors");
        CliTest.Outcome avg = CliTest.run("merge", models[0].toString(), models[1].toString(), "--data", data.toString(), "--out",
                merged.toString());
        assertThat(avg.code()).as(avg.err()).isZero();
        Engines.pytorch();
        try (NDManager m = NDManager.newBaseManager()) {
            Model a = ExportedModel.open(models[0]).build(m);
            Model b = ExportedModel.open(models[1]).build(m);
            Model c = ExportedModel.open(merged).build(m);
            float[][] mean = Parameters.mean(List.of(Parameters.values(a.buffers()), Parameters.values(b.buffers())));
            assertThat(Parameters.values(c.buffers())).isDeepEqualTo(mean);
            assertThat(Parameters.values(a.buffers())).isNotEqualTo(Parameters.values(b.buffers()));
        }
        Path soup = dir.resolve("merged/soup.safetensors");
        CliTest.Outcome greedy = CliTest.run("merge", models[0].toString(), models[1].toString(), "--greedy-soup", "--validation", "50",
                "--data", data.toString(), "--out", soup.toString());
        assertThat(greedy.code()).as(greedy.err()).isZero();
        CliTest.assertOneLineError(CliTest.run("merge", models[0].toString(), models[1].toString(), "--fs-merge", "--fs-steps", "2",
                "--validation", "50", "--data", data.toString(), "--out", dir.resolve("merged/fs.safetensors").toString()), "FS-Merge");
        CliTest.Outcome line = CliTest.run("interpolate", models[0].toString(), models[1].toString(), "--data", data.toString(), "--points",
                "3", "--out", dir.resolve("interp").toString());
        assertThat(line.code()).as(line.err()).isZero();
        JsonNode curves = new ObjectMapper().readTree(dir.resolve("interp/interpolate.json").toFile()).get("curves");
        assertThat(curves.has("plain")).isTrue();
        assertThat(curves.has("rebasin")).isFalse();
    }
}
