package ai.perennial.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The time to the first training step in result.json: there, consistent with its phases and with the clock outside. */
class StartupTimeTest {
    static final String CONFIG = """
            name: startup-test
            seed: 3
            dataset: {name: gaussian-clusters, samples: 600, features: 16, classes: 4}
            scenario: {name: split, classes_per_experience: 2}
            model: {name: mlp, hidden: [16]}
            training: {epochs: 1, batch_size: 32}
            strategy: {name: naive}
            evaluation: {every_steps: 0}
            """;

    @TempDir
    Path dir;

    /** A run in a process of its own: the way from the process's start to its first step, phase by phase. */
    @Test
    void aRunInItsOwnProcessRecordsItsWayToTheFirstStep() throws IOException, InterruptedException {
        Path config = dir.resolve("c.yaml");
        Files.writeString(config, CONFIG);
        Path run = dir.resolve("run");
        Instant launched = Instant.now();
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Dai.djl.offline=true",
                "-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")), Main.class.getName(),
                "run", config.toString(), "--out", run.toString()).redirectErrorStream(true).redirectOutput(dir.resolve("log.txt").toFile())
                .start();
        assertThat(child.waitFor(300, TimeUnit.SECONDS)).isTrue();
        Instant ended = Instant.now();
        assertThat(child.exitValue()).as(Files.readString(dir.resolve("log.txt"))).isZero();

        JsonNode compute = new ObjectMapper().readTree(run.resolve("result.json").toFile()).get("compute");
        double total = compute.get("time_to_first_step_seconds").asDouble();
        assertThat(total).isPositive();
        JsonNode phases = compute.get("startup").get("phases_seconds");
        List<String> names = new ArrayList<>();
        phases.fieldNames().forEachRemaining(names::add);
        // launcher (from /proc) only on Linux; every other phase is marked by the code on the way
        assertThat(names).containsSubsequence("jvm", "cli", "config", "engine", "data", "model", "baseline_eval", "first_step");
        double sum = 0;
        for (String name : names) {
            assertThat(phases.get(name).asDouble()).as(name).isGreaterThanOrEqualTo(0);
            sum += phases.get(name).asDouble();
        }
        assertThat(sum).isCloseTo(total, within(1e-6));
        // on Linux, the CPU time of each phase's thread, for the phases the JVM's threads ended
        JsonNode cpu = compute.get("startup").get("thread_cpu_seconds");
        if (cpu.size() > 0) {
            cpu.fieldNames().forEachRemaining(name -> assertThat(names).as("phases").contains(name));
            assertThat(cpu.has("first_step")).isTrue();
            cpu.elements().forEachRemaining(v -> assertThat(v.asDouble()).isGreaterThanOrEqualTo(0));
        }

        // seen from outside: the process started after it was launched, and its first step came before it ended
        Instant firstStep = Instant.parse(compute.get("startup").get("first_step_at").asText());
        assertThat(firstStep).isBetween(launched, ended);
        Instant processStart = firstStep.minusNanos((long) (total * 1e9));
        assertThat(processStart).isAfterOrEqualTo(launched.minusMillis(50)); // /proc's start time is rounded to 10 ms
    }

    /**
     * bench startup: the run is launched, stopped right after its first step, and its start-up read back; the time from
     * launch seen outside is at least the time the run measured from its own start.
     */
    @Test
    void benchStartupLaunchesStopsAndReadsBackTheRun() throws IOException {
        Path config = dir.resolve("c.yaml");
        Files.writeString(config, CONFIG.replace("training: {epochs: 1,", "training: {epochs: 50,"));
        Path out = dir.resolve("bench-startup.json");
        // two launchers (here the same): their runs alternate and each has its own summary
        CliTest.Outcome o = CliTest.run("bench", "startup", "--runs", "1", "--warmup", "0", "--launcher", "java", "--launcher", "java",
                "--config", config.toString(), "--set", "evaluation.every_steps=0", "--out", out.toString());
        assertThat(o.code()).as(o.err()).isZero();
        assertThat(o.out()).contains("time to first step", "from launch", "baseline_eval", "whole process", "CPU time of the thread");
        assertThat(o.err()).contains("launcher-1-run-1", "launcher-2-run-1");
        JsonNode bench = new ObjectMapper().readTree(out.toFile()).get("launchers");
        assertThat(bench).hasSize(2);
        bench = bench.get(1);
        JsonNode run = bench.get("runs").get(0);
        double total = run.get("time_to_first_step_seconds").asDouble();
        assertThat(total).isPositive();
        assertThat(run.get("launch_to_first_step_seconds").asDouble()).isGreaterThanOrEqualTo(total - 0.05);
        assertThat(run.get("phases_seconds").has("first_step")).isTrue();
        assertThat(bench.get("summary").get("time_to_first_step_seconds").get("median").asDouble()).isEqualTo(total);
        // stopped after its first step: 50 epochs were not trained
        JsonNode result = new ObjectMapper().readTree(dir.resolve("bench-startup-runs/launcher-2-run-1/result.json").toFile());
        assertThat(result.get("status").asText()).isEqualTo("interrupted");
        assertThat(result.get("compute").get("steps").asLong()).isLessThan(50);
    }

    /** Only a process's first run has a start-up; a later run in the same process says so with null, not a made-up time. */
    @Test
    void aLaterRunInTheSameProcessHasNoStartup() throws IOException {
        Path config = dir.resolve("c.yaml");
        Files.writeString(config, CONFIG);
        for (String name : List.of("a", "b")) {
            CliTest.Outcome o = CliTest.run("run", config.toString(), "--out", dir.resolve(name).toString());
            assertThat(o.code()).as(o.err()).isZero();
        }
        JsonNode compute = new ObjectMapper().readTree(dir.resolve("b").resolve("result.json").toFile()).get("compute");
        assertThat(compute.has("time_to_first_step_seconds")).isTrue();
        assertThat(compute.get("time_to_first_step_seconds").isNull()).isTrue();
        assertThat(compute.get("startup").isNull()).isTrue();
    }
}
