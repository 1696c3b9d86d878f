package ai.perennial.cli;

import ai.perennial.core.PerennialException;
import ai.perennial.core.data.Synthetic;
import ai.perennial.core.optim.Optimizers;
import ai.perennial.core.run.ResultWriter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code perennial bench crash}: kills a run with SIGKILL at random moments (often inside a checkpoint write), resumes
 * it, and checks that it ends exactly as a run that was never killed: same weights hash, accuracy matrix, loss curve
 * and continual-evaluation curve. The run is small and synthetic, with state everywhere: {@code ewc+derpp}, SWA, a
 * warmup + cosine schedule, continual evaluation, checkpoints every 5 steps.
 */
@Command(name = "crash", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Kill -9 a small run at random moments, resume it, and compare its end with an uninterrupted run.",
            "The run has state everywhere; compared are the weights hash, accuracy matrix and loss curve.",
            "Exit 0 when every trial matches."})
final class CrashBenchmark implements Callable<Integer> {
    static final String CONFIG = """
            name: crash-test
            seed: 5
            dataset: {name: gaussian-clusters, samples: 3000, features: 32, classes: 6}
            scenario: {name: split, classes_per_experience: 2}
            model: {name: mlp, hidden: [64]}
            optimizer: {name: adamw, lr: 0.003, schedule: cosine, warmup_steps: 20}
            training: {epochs: 3, batch_size: 32, average: "swa:start=20,every=5"}
            strategy: {name: ewc+derpp, ewc: {lambda: 50, fisher_samples: 100}, derpp: {memory: 200}}
            evaluation: {every_steps: 10, subset_size: 100}
            checkpoint: {every_steps: 5, keep_last: 2}
            """;

    @Option(names = "--trials", defaultValue = "20", description = "Kills (each followed by a resume). Default: ${DEFAULT-VALUE}")
    int trials;

    @Option(names = "--command", defaultValue = "run", description = "What to kill: run (a continual run) or train. Default: ${DEFAULT-VALUE}")
    String command;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the kill times. Default: ${DEFAULT-VALUE}")
    long seed;

    @Option(names = "--out", description = "Working directory (default: a new temporary one)")
    Path out;

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (trials < 1 || !(command.equals("run") || command.equals("train"))) {
            throw new PerennialException("need --trials >= 1 and --command run or train");
        }
        Path dir = out != null ? out : Files.createTempDirectory("perennial-crash");
        Files.createDirectories(dir);
        Path config = dir.resolve("crash-test.yaml");
        ResultWriter.writeText(config, CONFIG);
        Path reference = dir.resolve("reference");
        OutputDir.deleteTree(reference);
        long start = System.nanoTime();
        Process p = child(reference, config, false).start();
        if (p.waitFor() != 0) {
            throw new PerennialException("the reference run failed; see " + dir.resolve("reference.log"));
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        JsonNode expected = read(reference);
        System.err.printf(Locale.ROOT, "reference run: %.1f s, weights %s%n", seconds, expected.get("weights_sha256").asText().substring(0, 16));
        SplittableRandom rng = new SplittableRandom(seed);
        int same = 0;
        int duringWrite = 0;
        int beforeFirst = 0;
        List<String> failures = new ArrayList<>();
        for (int t = 1; t <= trials; t++) {
            Path run = dir.resolve("trial-" + t);
            OutputDir.deleteTree(run);
            Process child = child(run, config, false).start();
            long killAt = (long) (1000 * seconds * (0.15 + 0.8 * rng.nextDouble()));
            boolean ended = child.waitFor(killAt, TimeUnit.MILLISECONDS);
            String moment = "after " + killAt + " ms";
            if (!ended) {
                child.destroyForcibly(); // SIGKILL: no shutdown hooks, no flushing
                child.waitFor();
                boolean inWrite = hasPartialWrite(run.resolve("checkpoints"));
                boolean anyCheckpoint = Files.isDirectory(run.resolve("checkpoints")) && hasCheckpoint(run.resolve("checkpoints"));
                duringWrite += inWrite ? 1 : 0;
                beforeFirst += anyCheckpoint ? 0 : 1;
                moment += inWrite ? ", inside a checkpoint write" : anyCheckpoint ? "" : ", before the first checkpoint";
                Process resumed = child(run, config, anyCheckpoint).start();
                if (resumed.waitFor() != 0) {
                    failures.add("trial " + t + " (" + moment + "): the resumed run failed; see " + dir.resolve("trial-" + t + ".log"));
                    continue;
                }
            } else {
                moment += ", the run had already finished";
            }
            JsonNode actual = read(run);
            List<String> differences = new ArrayList<>();
            for (String key : new String[] {"weights_sha256", "accuracy_matrix", "loss_curve", "continual_eval", "test_accuracy"}) {
                if (expected.has(key) && !expected.get(key).equals(actual.get(key))) {
                    differences.add(key);
                }
            }
            if (differences.isEmpty()) {
                same++;
            } else {
                failures.add("trial " + t + " (" + moment + "): differs in " + differences);
            }
            System.err.printf("trial %d/%d: killed %s -> %s%n", t, trials, moment, differences.isEmpty() ? "identical" : "DIFFERENT " + differences);
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("command", command);
        summary.put("trials", trials);
        summary.put("identical", same);
        summary.put("killed_inside_a_checkpoint_write", duringWrite);
        summary.put("killed_before_the_first_checkpoint", beforeFirst);
        summary.put("reference_seconds", seconds);
        summary.put("failures", failures);
        ResultWriter.write(dir, "crash-test.json", summary);
        System.out.printf("%d/%d resumed runs identical to the uninterrupted one (%d kills inside a checkpoint write, %d before the first"
                + " checkpoint) -> %s%n", same, trials, duringWrite, beforeFirst, dir.resolve("crash-test.json"));
        if (!failures.isEmpty()) {
            throw new PerennialException(failures.size() + " of " + trials + " trials differ: " + failures.get(0));
        }
        return 0;
    }

    /** A child JVM running the command on {@code dir} (or resuming it), its output in dir/log.txt. */
    private ProcessBuilder child(Path dir, Path config, boolean resume) throws IOException {
        Files.createDirectories(dir);
        List<String> args = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dai.djl.offline=true", "-Dai.djl.default_engine=PyTorch", "-cp",
                System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")), Main.class.getName()));
        if (command.equals("run")) {
            args.addAll(resume ? List.of("run", "--resume", dir.toString()) : List.of("run", config.toString(), "--out", dir.toString(), "--force"));
        } else {
            args.addAll(resume ? List.of("train", "--resume", dir.toString()) : List.of("train", "--dataset", Synthetic.GAUSSIAN_CLUSTERS.name(), "--samples",
                    "12000", "--hidden", "64", "--optimizer", Optimizers.ADAMW.name(), "--schedule", "cosine", "--warmup-steps", "20", "--epochs", "3",
                    "--batch-size", "32", "--average", "swa:start=20,every=5", "--log-grad-norms", "--checkpoint-every-steps", "5",
                    "--seed", "5", "--out", dir.toString(), "--force"));
        }
        ProcessBuilder b = new ProcessBuilder(args).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolveSibling(dir.getFileName() + ".log").toFile()));
        b.environment().put("DJL_OFFLINE", "true");
        return b;
    }

    private static boolean hasPartialWrite(Path checkpoints) throws IOException {
        if (!Files.isDirectory(checkpoints)) {
            return false;
        }
        try (Stream<Path> s = Files.list(checkpoints)) {
            return s.anyMatch(p -> p.getFileName().toString().startsWith(".tmp-") || p.getFileName().toString().endsWith(".tmp"));
        }
    }

    private static boolean hasCheckpoint(Path checkpoints) throws IOException {
        try (Stream<Path> s = Files.list(checkpoints)) {
            return s.anyMatch(p -> p.getFileName().toString().matches("\\d{6}-step-\\d{12}"));
        }
    }

    private static JsonNode read(Path run) throws IOException {
        return new ObjectMapper().readTree(run.resolve("result.json").toFile());
    }
}
