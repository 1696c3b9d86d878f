package ai.perennial.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Durable runs from the command line: stop and continue, resume rules, run-directory safety, divergence, export/predict. */
class DurableRunTest {
    @TempDir
    Path dir;

    static final String CONFIG = """
            name: durable
            seed: 4
            dataset: {name: gaussian-clusters, samples: 2400, features: 16, classes: 6}
            scenario: {name: split, classes_per_experience: 2}
            model: {name: mlp, hidden: [32]}
            optimizer: {name: adam, lr: 0.01, schedule: cosine}
            training: {epochs: 2, batch_size: 64}
            strategy: {name: er, memory: 100}
            evaluation: {every_steps: 10, subset_size: 60}
            """;

    Path config() throws IOException {
        Path f = dir.resolve("c.yaml");
        Files.writeString(f, CONFIG);
        return f;
    }

    static JsonNode result(Path run) throws IOException {
        return new ObjectMapper().readTree(run.resolve("result.json").toFile());
    }

    static void assertSameRun(JsonNode a, JsonNode b) {
        for (String key : new String[] {"weights_sha256", "accuracy_matrix", "loss_curve", "continual_eval", "average_accuracy"}) {
            assertThat(b.get(key)).as(key).isEqualTo(a.get(key));
        }
    }

    /** A command that trained before failing: its log lines, then one error line last; no stack trace. */
    static void assertErrorAtTheEnd(CliTest.Outcome o, String... fragments) {
        assertThat(o.code()).isEqualTo(2);
        String[] lines = o.err().strip().split("\n");
        assertThat(lines[lines.length - 1]).startsWith("error: ").contains(fragments);
        assertThat(o.err()).doesNotContain("Exception", "\tat ");
        assertThat(java.util.Arrays.stream(lines).filter(l -> l.startsWith("error:"))).hasSize(1);
    }

    @Test
    void aRunStoppedEarlyAndContinuedEqualsOneThatNeverStopped() throws IOException {
        Path whole = dir.resolve("whole");
        assertThat(CliTest.run("run", config().toString(), "--out", whole.toString()).code()).isZero();
        Path first = dir.resolve("first");
        CliTest.Outcome stopped = CliTest.run("run", config().toString(), "--set", "training.stop_after=1", "--out", first.toString());
        assertThat(stopped.code()).as(stopped.err()).isZero();
        assertThat(stopped.out()).contains("stopped after 1 experiences");
        assertThat(result(first).get("status").asText()).isEqualTo("stopped");
        assertThat(result(first).get("accuracy_matrix")).hasSize(1);
        Path rest = dir.resolve("rest");
        CliTest.Outcome continued = CliTest.run("continue", first.toString(), "--set", "training.stop_after=0", "--out", rest.toString());
        assertThat(continued.code()).as(continued.err()).isZero();
        JsonNode r = result(rest);
        assertThat(r.get("status").asText()).isEqualTo("complete");
        assertSameRun(result(whole), r);
        try (Stream<Path> kept = Files.list(whole.resolve("checkpoints"))) {
            assertThat(kept.filter(p -> !p.getFileName().toString().equals("latest"))).hasSize(1); // only the final state stays
        }

        // on a new stream: the experiences follow the old ones and the matrix grows
        Path more = dir.resolve("more");
        CliTest.Outcome next = CliTest.run("continue", whole.toString(), "--set", "seed=9", "--out", more.toString());
        assertThat(next.code()).as(next.err()).isZero();
        JsonNode grown = result(more);
        assertThat(grown.get("accuracy_matrix")).hasSize(6);
        assertThat(grown.get("accuracy_matrix").get(5)).hasSize(6);
        assertThat(grown.get("accuracy_matrix").get(0).get(5).isNull()).isTrue(); // old rows did not measure the new experiences
        assertThat(grown.at("/scenario/name").asText()).contains("then");
        CliTest.assertOneLineError(CliTest.run("continue", whole.toString(), "--set", "strategy={name: ewc}", "--out",
                dir.resolve("x").toString()), "strategy.name: the finished run used er");
    }

    @Test
    void outputDirectoriesAreCheckedBeforeTraining() throws IOException {
        Path run = dir.resolve("run");
        assertThat(CliTest.run("run", config().toString(), "--out", run.toString()).code()).isZero();
        String before = result(run).get("weights_sha256").asText();
        CliTest.assertOneLineError(CliTest.run("run", config().toString(), "--out", run.toString()),
                "is not empty", "--resume", "--force");
        Path file = dir.resolve("afile");
        Files.writeString(file, "x");
        CliTest.assertOneLineError(CliTest.run("run", config().toString(), "--out", file.toString()), "is a file");
        CliTest.assertOneLineError(CliTest.run("train", "--dataset", "gaussian-clusters", "--out", file.toString()), "is a file");
        // resuming a finished run changes nothing; a config that differs is refused, operational keys may change
        assertThat(CliTest.run("run", "--resume", run.toString(), "--set", "checkpoint.keep_last=3").code()).isZero();
        assertThat(result(run).get("weights_sha256").asText()).isEqualTo(before);
        CliTest.assertOneLineError(CliTest.run("run", "--resume", run.toString(), "--set", "optimizer.lr=0.5"),
                "the config differs from the run's in optimizer.lr (0.01 → 0.5)");
        CliTest.assertOneLineError(CliTest.run("run", "--resume", dir.resolve("none").toString()), "no valid checkpoint");
        assertThat(CliTest.run("run", config().toString(), "--out", run.toString(), "--force", "--set", "seed=5").code()).isZero();
        assertThat(result(run).get("weights_sha256").asText()).isNotEqualTo(before);
        Files.writeString(run.resolve("notes.txt"), "mine");
        CliTest.assertOneLineError(CliTest.run("run", config().toString(), "--out", run.toString(), "--force"), "did not write");
        assertThat(run.resolve("notes.txt")).exists();
    }

    @Test
    void divergenceKeepsWhatWasMeasuredAndTheLastGoodCheckpoint() throws IOException {
        Path run = dir.resolve("diverged");
        CliTest.Outcome o = CliTest.run("run", config().toString(), "--set", "optimizer={name: sgd, lr: 1e6}", "--set",
                "checkpoint.every_steps=1", "--out", run.toString());
        assertErrorAtTheEnd(o, "became", "lower the learning rate", "status diverged");
        JsonNode r = result(run);
        assertThat(r.get("status").asText()).isEqualTo("diverged");
        assertThat(r.get("message").asText()).contains("by step");
        Path kept = Path.of(r.get("checkpoint").asText());
        assertThat(kept).exists();
        assertThat(o.err()).contains(kept.toString());
        Path train = dir.resolve("train-diverged");
        assertErrorAtTheEnd(CliTest.run("train", "--dataset", "gaussian-clusters", "--optimizer", "sgd", "--lr", "1e6", "--out",
                train.toString()), "became", "status diverged");
        assertThat(result(train).get("status").asText()).isEqualTo("diverged");
    }

    /** The exported weights rebuild the model elsewhere: predict on the test set reproduces the run's test accuracy. */
    @Test
    void exportedModelPredictsTheRunsTestAccuracy() throws IOException {
        Path data = dir.resolve("idx");
        Files.createDirectories(data);
        CliTest.writeIdx(data, "train", 300);
        CliTest.writeIdx(data, "t10k", 100);
        Path run = dir.resolve("train");
        CliTest.Outcome o = CliTest.run("train", "--dataset", "idx", "--data-dir", data.toString(), "--hidden", "16", "--epochs", "2", "--out",
                run.toString());
        assertThat(o.code()).as(o.err()).isZero();
        Path model = dir.resolve("export/model.safetensors");
        assertThat(CliTest.run("export", run.toString(), "--out", model.toString()).code()).isZero();
        assertThat(dir.resolve("export/model.json")).exists();
        Path csv = dir.resolve("pred.csv");
        CliTest.Outcome p = CliTest.run("predict", model.toString(), "--data", data.toString(), "--out", csv.toString());
        assertThat(p.code()).as(p.err()).isZero();
        assertThat(p.out()).contains(String.format(java.util.Locale.ROOT, "accuracy %.4f", result(run).get("test_accuracy").asDouble()));
        assertThat(Files.readAllLines(csv)).hasSize(101).first().isEqualTo("index,predicted,label");
        CliTest.assertOneLineError(CliTest.run("export", dir.resolve("nothing").toString(), "--out", model.toString()),
                "no valid checkpoint");
    }

    @Test
    void compareResumesOnlyWhatIsNotFinished() throws IOException {
        Path out = dir.resolve("cmp");
        String[] args = {"compare", config().toString(), "--strategies", "naive,er", "--seeds", "1,2", "--set", "evaluation.every_steps=0",
            "--out", out.toString()};
        CliTest.Outcome first = CliTest.run(args);
        assertThat(first.code()).as(first.err()).isZero();
        String summary = Files.readString(out.resolve("summary.csv"));
        Files.delete(out.resolve("er/seed-2/result.json"));
        CliTest.assertOneLineError(CliTest.run(args), "is not empty", "--resume");
        String[] resume = java.util.Arrays.copyOf(args, args.length + 1);
        resume[args.length] = "--resume";
        CliTest.Outcome o = CliTest.run(resume);
        assertThat(o.code()).as(o.err()).isZero();
        assertThat(o.err()).contains("naive seed 1: finished earlier, kept").contains("er seed 2: ").contains("(resuming)");
        assertThat(Files.readString(out.resolve("summary.csv"))).isEqualTo(summary);
    }
}
