package ai.perennial.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train --lora}: trainable and frozen counts in the result, the export folds the adapters into the base (predict
 * reproduces the run's test accuracy), and bad settings are one error line naming the key.
 */
class LoraCommandsTest {
    @TempDir
    Path dir;

    @Test
    void aReLoraTrainRunExportsItsFoldedWeights() throws IOException {
        Path data = dir.resolve("idx");
        Files.createDirectories(data);
        CliTest.writeIdx(data, "train", 300);
        CliTest.writeIdx(data, "t10k", 100);
        Path run = dir.resolve("train");
        // 20 steps: restarts after steps 7 and 14, so the base holds two merged updates and the adapter six steps of training
        CliTest.Outcome o = CliTest.run("train", "--dataset", "idx", "--data-dir", data.toString(), "--hidden", "16", "--epochs", "2",
                "--batch-size", "32", "--lora", "rank=4,alpha=8,restart_every=7,rewarm_steps=1", "--out", run.toString());
        assertThat(o.code()).as(o.err()).isZero();
        assertThat(o.err()).contains("trained,", "frozen");
        JsonNode r = new ObjectMapper().readTree(run.resolve("result.json").toFile());
        // 28×28 inputs: A 4×784 and B 16×4 trained with the 10×16 head; the 16×784 weight and its bias frozen
        assertThat(r.get("parameters").asLong()).isEqualTo(4 * 784 + 16 * 4 + 10 * 16 + 10);
        assertThat(r.get("frozen_parameters").asLong()).isEqualTo(16 * 784 + 16);
        assertThat(r.get("lora").asText()).contains("ReLoRA restart every 7 steps");
        Path model = dir.resolve("export/model.safetensors");
        CliTest.Outcome e = CliTest.run("export", run.toString(), "--out", model.toString());
        assertThat(e.code()).as(e.err()).isZero();
        JsonNode spec = new ObjectMapper().readTree(dir.resolve("export/model.json").toFile());
        assertThat(spec.get("parameters").toString()).contains("layer0.weight", "head.weight").doesNotContain("lora");
        // the exported weight is W0 + (8/4)·B·A of the final checkpoint, summed here in double
        ai.perennial.core.state.StateDict state = new ai.perennial.core.state.Checkpoints(run, 1).latest(w -> { }).state();
        float[] w0 = state.floats("model_frozen.layer0.weight");
        float[] a = state.floats("model.layer0.lora_a");
        float[] b = state.floats("model.layer0.lora_b");
        assertThat(b).as("the last adapter has trained").isNotEqualTo(new float[b.length]);
        try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager()) {
            float[] exported = ExportedModel.open(model).build(m).parameters().get(0).array().toFloatArray();
            for (int row = 0; row < 16; row++) {
                for (int i = 0; i < 784; i++) {
                    double sum = w0[row * 784 + i];
                    for (int k = 0; k < 4; k++) {
                        sum += 2.0 * b[row * 4 + k] * a[k * 784 + i];
                    }
                    assertThat((double) exported[row * 784 + i]).isCloseTo(sum, org.assertj.core.api.Assertions.within(1e-6));
                }
            }
        }
        CliTest.Outcome p = CliTest.run("predict", model.toString(), "--data", data.toString(), "--out", dir.resolve("p.csv").toString());
        assertThat(p.code()).as(p.err()).isZero();
        assertThat(p.out()).contains(String.format(java.util.Locale.ROOT, "accuracy %.4f", r.get("test_accuracy").asDouble()));
    }

    @Test
    void badLoraSettingsAreOneErrorLine() {
        CliTest.assertOneLineError(CliTest.run("train", "--dataset", "gaussian-clusters", "--lora", "rank=0", "--out",
                dir.resolve("a").toString()), "rank", "must be >= 1");
        CliTest.assertOneLineError(CliTest.run("train", "--dataset", "gaussian-clusters", "--lora", "rnk=3", "--out",
                dir.resolve("b").toString()), "rnk", "unknown parameter");
    }
}
