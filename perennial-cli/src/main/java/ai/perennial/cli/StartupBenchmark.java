package ai.perennial.cli;

import ai.perennial.core.PerennialException;
import ai.perennial.core.run.Provenance;
import ai.perennial.core.run.ResultWriter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code perennial bench startup}: the time from the command to the first training step. Launches a run several times as
 * a child process, through the launcher as a user would, and reads the start-up phases each run recorded in its
 * result.json; the clock of this process gives the time from launch to the first step as seen from outside. Each run is
 * asked to stop (SIGTERM) as soon as it has begun, so it ends right after its first step, saving a checkpoint.
 */
@Command(name = "startup", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Time from command to first training step: launch a run several times as a child process and report the median"
                + " and spread of the total and of each start-up phase.",
            "Each run is stopped (SIGTERM) right after its first step unless --whole is given."})
final class StartupBenchmark implements Callable<Integer> {
    /** The line a run prints once its stream is built ("NAME: SCENARIO, N experiences, strategy S"), after its signal handlers. */
    static final Pattern RUN_BEGUN = Pattern.compile(".*: .*, \\d+ experiences, strategy .*");

    @Option(names = "--runs", defaultValue = "5", description = "Timed runs. Default: ${DEFAULT-VALUE}")
    int runs;

    @Option(names = "--warmup", defaultValue = "1", description = "Runs before the timed ones, not counted (file cache, a build or the"
            + " start-up archive). Default: ${DEFAULT-VALUE}")
    int warmup;

    @Option(names = "--config", defaultValue = "split-fmnist-class-il", description = "The run's config or preset. Default: ${DEFAULT-VALUE}")
    String config;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Config overrides for the run (repeatable). Default: evaluation.every_steps=0")
    List<String> overrides = new ArrayList<>(List.of("evaluation.every_steps=0"));

    @Option(names = "--launcher", description = "What starts a run: a launcher script, or 'java' for java -cp with this process's class"
            + " path; given more than once, their runs alternate (A/B on a busy machine) and each gets its own summary."
            + " Default: $PERENNIAL_HOME/bin/perennial when set (as by bin/perennial), else java")
    List<String> launchers;

    @Option(names = "--whole", description = "Let every run finish instead of stopping it after its first step")
    boolean whole;

    @Option(names = "--out", defaultValue = "bench-startup.json", description = "JSON output file; the runs go in a folder beside it."
            + " Default: ${DEFAULT-VALUE}")
    Path out;

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (runs < 1 || warmup < 0) {
            throw new PerennialException("--runs must be at least 1 and --warmup at least 0");
        }
        List<String> names = launchers == null || launchers.isEmpty() ? List.of(defaultLauncher()) : launchers;
        Path file = out.toAbsolutePath();
        Path work = file.resolveSibling(file.getFileName().toString().replaceFirst("\\.json$", "") + "-runs");
        Files.createDirectories(work);
        List<List<Map<String, Object>>> timed = new ArrayList<>();
        names.forEach(n -> timed.add(new ArrayList<>()));
        for (int i = -warmup; i < runs; i++) {
            for (int l = 0; l < names.size(); l++) {
                String tag = (names.size() > 1 ? "launcher-" + (l + 1) + "-" : "") + (i < 0 ? "warmup" : "run-" + (i + 1));
                Map<String, Object> r = runOnce(launcherCommand(names.get(l)), work.resolve(tag));
                if (i >= 0) {
                    timed.get(l).add(r);
                    System.err.printf(Locale.ROOT, "%s: %.3f s to the first step (%.3f s from launch), process %.2f s%n", tag,
                            (Double) r.get("time_to_first_step_seconds"), (Double) r.get("launch_to_first_step_seconds"),
                            (Double) r.get("process_seconds"));
                }
            }
        }
        List<Map<String, Object>> results = new ArrayList<>();
        for (int l = 0; l < names.size(); l++) {
            Map<String, Object> summary = summarize(timed.get(l));
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("launcher", names.get(l));
            result.put("command", String.join(" ", command(launcherCommand(names.get(l)), work.resolve("run-N"))));
            result.put("summary", summary);
            result.put("runs", timed.get(l));
            results.add(result);
            System.out.print((names.size() > 1 ? names.get(l) + "\n" : "") + table(summary, timed.get(l).size()));
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("stopped_after_first_step", !whole);
        result.put("launchers", results);
        result.put("provenance", Provenance.capture(Map.of("config", config, "overrides", overrides, "runs", runs, "warmup", warmup),
                1, "perennial bench startup", false));
        ResultWriter.write(file.getParent(), file.getFileName().toString(), result);
        System.out.println("-> " + out);
        return 0;
    }

    /** $PERENNIAL_HOME/bin/perennial when it is there (this process was started by it), else java. */
    private static String defaultLauncher() {
        String home = System.getenv("PERENNIAL_HOME");
        return home != null && Files.isExecutable(Path.of(home, "bin", "perennial")) ? Path.of(home, "bin", "perennial").toString() : "java";
    }

    /** The launcher's command line up to the command: the script, or java with this process's class path. */
    private static List<String> launcherCommand(String chosen) {
        if (!chosen.equals("java")) {
            if (!Files.isExecutable(Path.of(chosen))) {
                throw new PerennialException("--launcher " + chosen + ": not an executable file; give bin/perennial of a build, or java");
            }
            return List.of(chosen);
        }
        return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Dai.djl.offline=true",
                "-Dai.djl.default_engine=PyTorch", "-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
                Main.class.getName());
    }

    private List<String> command(List<String> start, Path runDir) {
        List<String> c = new ArrayList<>(start);
        c.addAll(List.of("run", config));
        for (String o : overrides) {
            c.addAll(List.of("--set", o));
        }
        c.addAll(List.of("--out", runDir.toString(), "--force"));
        return c;
    }

    /** One run: launched, stopped once begun (unless --whole), and its start-up read back. */
    private Map<String, Object> runOnce(List<String> start, Path runDir) throws IOException, InterruptedException {
        Path log = runDir.resolveSibling(runDir.getFileName() + ".log");
        ProcessBuilder b = new ProcessBuilder(command(start, runDir)).redirectErrorStream(true);
        b.environment().put("DJL_OFFLINE", "true");
        long launchNanos = System.nanoTime();
        Instant launched = Instant.now();
        Process p = b.start();
        boolean stopped = false;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                Writer logged = Files.newBufferedWriter(log)) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                logged.write(line + "\n");
                if (!whole && !stopped && RUN_BEGUN.matcher(line).matches()) {
                    // SIGTERM: the run saves a checkpoint after its current step, here its first, and ends (Process.destroy
                    // would also close our end of its output)
                    p.toHandle().destroy();
                    stopped = true;
                }
            }
        }
        int code = p.waitFor();
        double processSeconds = (System.nanoTime() - launchNanos) / 1e9;
        if (code != 0 && !(stopped && code == 143)) {
            throw new PerennialException("the run failed (exit " + code + "); see " + log);
        }
        JsonNode compute = new ObjectMapper().readTree(runDir.resolve("result.json").toFile()).get("compute");
        JsonNode startup = compute.get("startup");
        if (startup == null || startup.isNull()) {
            throw new PerennialException("the run recorded no start-up (it trained no step?); see " + log);
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("time_to_first_step_seconds", compute.get("time_to_first_step_seconds").asDouble());
        Instant firstStep = Instant.parse(startup.get("first_step_at").asText());
        r.put("launch_to_first_step_seconds", Duration.between(launched, firstStep).toNanos() / 1e9);
        r.put("process_seconds", processSeconds);
        r.put("cpu_seconds", startup.get("cpu_seconds").isNull() ? null : startup.get("cpu_seconds").asDouble());
        r.put("phases_seconds", doubles(startup.get("phases_seconds")));
        r.put("thread_cpu_seconds", startup.has("thread_cpu_seconds") ? doubles(startup.get("thread_cpu_seconds")) : Map.of());
        r.put("concurrent_seconds", doubles(startup.get("concurrent_seconds")));
        if (whole) {
            r.put("ms_per_step", compute.get("ms_per_step").isNull() ? null : compute.get("ms_per_step").asDouble());
        }
        return r;
    }

    private static Map<String, Double> doubles(JsonNode node) {
        Map<String, Double> out = new LinkedHashMap<>();
        node.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asDouble()));
        return out;
    }

    /** Median, minimum and maximum of every figure over the runs (a phase missing from a run counts as 0 there). */
    @SuppressWarnings("unchecked")
    static Map<String, Object> summarize(List<Map<String, Object>> runs) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String key : List.of("time_to_first_step_seconds", "launch_to_first_step_seconds", "process_seconds", "cpu_seconds", "ms_per_step")) {
            if (runs.stream().allMatch(r -> r.get(key) != null)) {
                out.put(key, spread(runs.stream().mapToDouble(r -> (Double) r.get(key)).toArray()));
            }
        }
        for (String group : List.of("phases_seconds", "thread_cpu_seconds", "concurrent_seconds")) {
            Set<String> names = new LinkedHashSet<>();
            runs.forEach(r -> names.addAll(((Map<String, Double>) r.get(group)).keySet()));
            Map<String, Object> g = new LinkedHashMap<>();
            for (String name : names) {
                g.put(name, spread(runs.stream().mapToDouble(r -> ((Map<String, Double>) r.get(group)).getOrDefault(name, 0.0)).toArray()));
            }
            out.put(group, g);
        }
        out.put("thread_cpu_total_seconds", spread(runs.stream()
                .mapToDouble(r -> ((Map<String, Double>) r.get("thread_cpu_seconds")).values().stream().mapToDouble(Double::doubleValue).sum())
                .toArray()));
        return out;
    }

    private static Map<String, Double> spread(double[] values) {
        return Map.of("median", StepBenchmark.median(values), "min", java.util.Arrays.stream(values).min().orElseThrow(), "max",
                java.util.Arrays.stream(values).max().orElseThrow());
    }

    @SuppressWarnings("unchecked")
    static String table(Map<String, Object> summary, int runs) {
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "%-32s %8s %8s %8s   (seconds, %d runs)%n", "", "median", "min", "max", runs));
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("time_to_first_step_seconds", "time to first step");
        labels.put("launch_to_first_step_seconds", "  from launch (outside clock)");
        labels.put("cpu_seconds", "  CPU time by then");
        for (var e : labels.entrySet()) {
            if (summary.containsKey(e.getKey())) {
                row(s, e.getValue(), (Map<String, Double>) summary.get(e.getKey()));
            }
        }
        ((Map<String, Object>) summary.get("phases_seconds")).forEach((name, v) -> row(s, "  " + name, (Map<String, Double>) v));
        ((Map<String, Object>) summary.get("concurrent_seconds")).forEach((name, v) -> row(s, "  alongside: " + name, (Map<String, Double>) v));
        Map<String, Object> cpu = (Map<String, Object>) summary.get("thread_cpu_seconds");
        if (!cpu.isEmpty()) {
            s.append("CPU time of the thread that ended each phase, in it:\n");
            cpu.forEach((name, v) -> row(s, "  " + name, (Map<String, Double>) v));
            row(s, "  all phases", (Map<String, Double>) summary.get("thread_cpu_total_seconds"));
        }
        row(s, "whole process", (Map<String, Double>) summary.get("process_seconds"));
        if (summary.containsKey("ms_per_step")) {
            row(s, "ms per step", (Map<String, Double>) summary.get("ms_per_step"));
        }
        return s.toString();
    }

    private static void row(StringBuilder s, String label, Map<String, Double> v) {
        s.append(String.format(Locale.ROOT, "%-32s %8.3f %8.3f %8.3f%n", label, v.get("median"), v.get("min"), v.get("max")));
    }
}
