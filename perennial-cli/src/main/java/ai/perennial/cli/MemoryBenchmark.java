package ai.perennial.cli;

import ai.perennial.cl.strategy.Naive;
import ai.perennial.cl.strategy.replay.ExperienceReplay;
import ai.perennial.core.PerennialException;
import ai.perennial.core.run.ResultWriter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code perennial bench memory}: peak resident memory of whole runs, each in its own JVM (a peak is per process):
 * permuted Fashion-MNIST with 5, 20 and 100 tasks, whose memory must not grow with the number of tasks, and split
 * class-incremental Fashion-MNIST with experience-balanced ER. The training settings are the PyTorch comparison's
 * (momentum SGD, lr 0.01, batch 128, one epoch, no continual evaluation, no plasticity probe); {@code --max-steps} caps
 * the steps per experience so 100 tasks stay affordable, and the table says what ran.
 */
@Command(name = "memory", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Peak RSS of whole runs, each in a child JVM: permuted Fashion-MNIST with 5/20/100 tasks and split class-IL with ER.",
            "Settings as in the PyTorch comparison (momentum SGD lr 0.01, batch 128, 1 epoch, no continual evaluation)."})
final class MemoryBenchmark implements Callable<Integer> {
    /** The presets permuted-fmnist and split-fmnist-class-il as they are run here (the rest comes from --set). */
    static final Map<String, String> CONFIGS = Map.of("permuted-fmnist", """
            name: permuted-fmnist
            seed: 1
            dataset: {name: fashion-mnist}
            scenario: {name: permuted, tasks: 5}
            model: {name: mlp, hidden: [400, 400]}
            """, "split-fmnist-class-il", """
            name: split-fmnist-class-il
            seed: 1
            dataset: {name: fashion-mnist}
            scenario: {name: split, classes_per_experience: 2, task_incremental: false}
            model: {name: mlp, hidden: [400, 400]}
            """);

    @Option(names = "--tasks", split = ",", defaultValue = "5,20,100", description = "Task counts of the permuted runs. Default: ${DEFAULT-VALUE}")
    List<Integer> tasks;

    @Option(names = "--strategies", split = ",",
            description = "Strategies of the permuted runs (e.g. naive,ewc). Default: naive")
    List<String> strategies = List.of(Naive.NAIVE.name());

    @Option(names = "--split-strategies", split = ",",
            description = "Strategies of the split class-IL runs (er: experience-balanced, 500 samples); none for no split run. Default: er")
    List<String> splitStrategies = List.of(ExperienceReplay.ER.name());

    @Option(names = "--max-steps", defaultValue = "50",
            description = "Optimizer steps per experience (training.max_steps); 0 for every batch of the epoch. Default: ${DEFAULT-VALUE}")
    int maxSteps;

    @Option(names = "--matrix", defaultValue = "diagonal",
            description = "evaluation.matrix: diagonal (each experience after its training) or full (every experience after each). Default: ${DEFAULT-VALUE}")
    String matrix;

    @Option(names = "--set", description = "A config override for every run, e.g. --set dataset.name=idx (repeatable)")
    List<String> sets = new ArrayList<>();

    @Option(names = "--java-options", description = "JVM options of the child runs (default: this JVM's own)")
    String javaOptions;

    @Option(names = "--out", description = "Directory of the runs and memory-bench.json (default: a new temporary one)")
    Path out;

    record Row(String scenario, String strategy, int tasks, long peakRssBytes, double msPerStep, long steps, double wallSeconds) {
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (tasks.stream().anyMatch(t -> t < 1) || maxSteps < 0 || !(matrix.equals("full") || matrix.equals("diagonal"))) {
            throw new PerennialException("--tasks must be positive, --max-steps at least 0 and --matrix full or diagonal");
        }
        Path dir = out != null ? out : Files.createTempDirectory("perennial-memory");
        Files.createDirectories(dir);
        List<Row> rows = new ArrayList<>();
        for (String strategy : strategies) {
            for (int t : tasks) {
                List<String> settings = new ArrayList<>(List.of("scenario.tasks=" + t));
                settings.addAll(strategySettings(strategy));
                rows.add(measure(dir, "permuted-fmnist", strategy, t, settings));
            }
        }
        for (String strategy : splitStrategies) {
            if (strategy.equals("none")) {
                continue;
            }
            rows.add(measure(dir, "split-fmnist-class-il", strategy, 0, strategySettings(strategy)));
        }
        String steps = maxSteps == 0 ? "every batch of 1 epoch" : "at most " + maxSteps + " steps";
        System.out.printf(Locale.ROOT, "peak RSS per run, each in its own JVM (momentum SGD lr 0.01, batch 128, %s per experience,"
                + " accuracy matrix %s, no continual evaluation%s):%n", steps, matrix, sets.isEmpty() ? "" : ", " + String.join(", ", sets));
        System.out.printf(Locale.ROOT, "  %-22s %-10s %6s %12s %9s %7s %8s%n", "scenario", "strategy", "tasks", "peak RSS MB", "ms/step",
                "steps", "wall s");
        for (Row r : rows) {
            System.out.printf(Locale.ROOT, "  %-22s %-10s %6d %12.0f %9.2f %7d %8.1f%n", r.scenario(), r.strategy(), r.tasks(),
                    r.peakRssBytes() / 1e6, r.msPerStep(), r.steps(), r.wallSeconds());
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("max_steps_per_experience", maxSteps);
        summary.put("matrix", matrix);
        summary.put("sets", sets);
        summary.put("java_options", childJavaOptions());
        summary.put("runs", rows.stream().map(r -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("scenario", r.scenario());
            m.put("strategy", r.strategy());
            m.put("tasks", r.tasks());
            m.put("peak_rss_bytes", r.peakRssBytes());
            m.put("ms_per_step", r.msPerStep());
            m.put("steps", r.steps());
            m.put("wall_seconds", r.wallSeconds());
            return m;
        }).toList());
        ResultWriter.write(dir, "memory-bench.json", summary);
        System.out.println("-> " + dir.resolve("memory-bench.json"));
        return 0;
    }

    /** The strategy settings of the PyTorch comparison: experience-balanced ER with 500 samples. */
    private static List<String> strategySettings(String strategy) {
        List<String> s = new ArrayList<>(List.of("strategy.name=" + strategy));
        if (strategy.equals(ExperienceReplay.ER.name())) {
            s.addAll(List.of("strategy.policy=experience-balanced", "strategy.memory=500"));
        }
        return s;
    }

    /** Runs one preset in a child JVM; its peak RSS is the larger of what the run recorded and what /proc showed last. */
    private Row measure(Path dir, String preset, String strategy, int t, List<String> settings) throws IOException, InterruptedException {
        String name = preset + "-" + strategy + (t > 0 ? "-" + t : "");
        Path config = dir.resolve(preset + ".yaml");
        ResultWriter.writeText(config, CONFIGS.get(preset));
        Path run = dir.resolve(name);
        OutputDir.deleteTree(run);
        List<String> args = new ArrayList<>();
        args.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        args.addAll(childJavaOptions());
        args.addAll(List.of("-Dai.djl.offline=true", "-Dai.djl.default_engine=PyTorch"));
        args.addAll(List.of("-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")), Main.class.getName(),
                "run", config.toString()));
        List<String> all = new ArrayList<>(List.of("optimizer.name=momentum", "optimizer.lr=0.01", "training.batch_size=128",
                "training.epochs=1", "training.max_steps=" + maxSteps, "evaluation.every_steps=0", "evaluation.probe_size=0",
                "evaluation.matrix=" + matrix));
        all.addAll(settings);
        all.addAll(sets);
        for (String s : all) {
            args.add("--set");
            args.add(s);
        }
        args.addAll(List.of("--out", run.toString(), "--force"));
        Path log = dir.resolve(name + ".log");
        ProcessBuilder b = new ProcessBuilder(args).redirectErrorStream(true).redirectOutput(log.toFile());
        b.environment().put("DJL_OFFLINE", "true");
        System.err.printf(Locale.ROOT, "%s%s, %s ...%n", preset, t > 0 ? ", " + t + " tasks" : "", strategy);
        Process p = b.start();
        Path status = Path.of("/proc", Long.toString(p.pid()), "status");
        long polled = -1;
        while (!p.waitFor(200, TimeUnit.MILLISECONDS)) {
            polled = Math.max(polled, highWaterMark(status));
        }
        if (p.exitValue() != 0) {
            List<String> lines = Files.readAllLines(log);
            throw new PerennialException(name + " failed (exit " + p.exitValue() + (lines.isEmpty() ? "" : ": " + lines.get(lines.size() - 1))
                    + "); see " + log);
        }
        JsonNode result = new ObjectMapper().readTree(run.resolve("result.json").toFile());
        JsonNode compute = result.get("compute");
        long recorded = compute.path("peak_rss_bytes").asLong(-1);
        int experiences = result.path("random_init_accuracy").size();
        return new Row(preset.replace("-fmnist", "").replace("-class-il", " class-IL"), strategy, experiences, Math.max(recorded, polled),
                compute.path("ms_per_step").asDouble(Double.NaN), compute.path("steps").asLong(), compute.path("wall_seconds").asDouble());
    }

    /** VmHWM of a running process in bytes, -1 when it cannot be read (not Linux, or the process just ended). */
    private static long highWaterMark(Path status) {
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** {@code --java-options}, or this JVM's own options without agents and debuggers. */
    private List<String> childJavaOptions() {
        if (javaOptions != null) {
            return javaOptions.isBlank() ? List.of() : List.of(javaOptions.trim().split("\\s+"));
        }
        return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> !a.startsWith("-agentlib") && !a.startsWith("-javaagent") && !a.startsWith("-Xrunjdwp")).toList();
    }
}
