package ai.perennial.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs in their own processes, stopped the hard way: SIGKILL at random moments, and SIGINT. */
class CrashTest {
    @TempDir
    Path dir;

    /** A small number of kill -9 trials of the crash harness (the script's default is 20). */
    @Test
    void killedRunsResumeToTheSameEnd() throws IOException {
        CliTest.Outcome o = CliTest.run("bench", "crash", "--trials", "2", "--seed", "3", "--out", dir.resolve("run").toString());
        assertThat(o.code()).as(o.err()).isZero();
        assertThat(o.out()).contains("2/2 resumed runs identical");
        CliTest.Outcome train = CliTest.run("bench", "crash", "--command", "train", "--trials", "1", "--out", dir.resolve("train").toString());
        assertThat(train.code()).as(train.err()).isZero();
        assertThat(train.out()).contains("1/1 resumed runs identical");
    }

    /** Ctrl-C: the step finishes, a checkpoint is written, the resume command is printed, exit 130; resuming ends identically. */
    @Test
    void interruptSavesAndResumesIdentically() throws IOException, InterruptedException {
        Path config = dir.resolve("c.yaml");
        Files.writeString(config, CrashBenchmark.CONFIG.replace("checkpoint: {every_steps: 5, keep_last: 2}", "checkpoint: {every_seconds: 0}"));
        Path reference = dir.resolve("reference");
        assertThat(CliTest.run("run", config.toString(), "--out", reference.toString()).code()).isZero();

        Path run = dir.resolve("interrupted");
        Path log = dir.resolve("log.txt");
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Dai.djl.offline=true",
                "-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")), Main.class.getName(),
                "run", config.toString(), "--out", run.toString()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        // interrupt once the first experience has been saved, while the second trains
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!hasCheckpoint(run) && child.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(child.isAlive()).as("the run ended before it could be interrupted: %s", Files.readString(log)).isTrue();
        new ProcessBuilder("kill", "-INT", Long.toString(child.pid())).start().waitFor();
        assertThat(child.waitFor(120, TimeUnit.SECONDS)).isTrue();
        String printed = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(child.exitValue()).as(printed).isEqualTo(130);
        assertThat(printed).contains("stopped by SIGINT after a checkpoint", "resume with: bin/perennial run --resume " + run);
        JsonNode stopped = new ObjectMapper().readTree(run.resolve("result.json").toFile());
        assertThat(stopped.get("status").asText()).isEqualTo("interrupted");

        CliTest.Outcome resumed = CliTest.run("run", "--resume", run.toString());
        assertThat(resumed.code()).as(resumed.err()).isZero();
        JsonNode a = new ObjectMapper().readTree(reference.resolve("result.json").toFile());
        JsonNode b = new ObjectMapper().readTree(run.resolve("result.json").toFile());
        for (String key : List.of("weights_sha256", "accuracy_matrix", "loss_curve", "continual_eval")) {
            assertThat(b.get(key)).as(key).isEqualTo(a.get(key));
        }
    }

    private static boolean hasCheckpoint(Path run) throws IOException {
        Path checkpoints = run.resolve("checkpoints");
        if (!Files.isDirectory(checkpoints)) {
            return false;
        }
        try (Stream<Path> s = Files.list(checkpoints)) {
            return s.anyMatch(p -> p.getFileName().toString().matches("\\d{6}-step-\\d{12}"));
        }
    }
}
