package ai.perennial.cli;

import ai.perennial.cl.experiment.Experiment;
import ai.perennial.cl.experiment.ExperimentConfig;
import ai.perennial.cl.experiment.ExperimentResult;
import ai.perennial.cl.metrics.StabilityMetrics.EvalPoint;
import ai.perennial.cl.scenario.Scenario;
import ai.perennial.cli.config.ConfigLoader;
import ai.perennial.cli.report.CompareReport;
import ai.perennial.cli.report.RunReport;
import ai.perennial.cl.scenario.TimeOrdered;
import ai.perennial.core.PerennialException;
import ai.perennial.core.train.Scores;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.run.Provenance;
import ai.perennial.core.run.ResultWriter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code perennial compare CONFIG --strategies ... --seeds ...}: strategies side by side on the same streams. */
@Command(name = "compare", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run several strategies on the same stream for several seeds.",
            "Writes each run's results, DIR/summary.csv (mean ± std per metric) and DIR/report.html."})
public final class CompareCommand implements Callable<Integer>, UsesEngine {
    @Parameters(paramLabel = "CONFIG", description = "YAML file or preset name (see presets/)")
    String config;

    @Option(names = "--strategies", split = ",", required = true, description = "Strategies to compare, e.g. naive,joint,cumulative")
    List<String> strategies;

    @Option(names = "--seeds", split = ",", defaultValue = "1", description = "Seeds (each one stream shared by all strategies). Default: ${DEFAULT-VALUE}")
    List<Long> seeds;

    @Option(names = "--out", required = true, description = "Output directory")
    Path out;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a config value for every run (repeatable)")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--hparams", paramLabel = "FILE",
            description = "Per-strategy hyperparameters (YAML: strategy -> {key: value}); default presets/hparams/<config name>.yaml when present, 'none' for none")
    String hparams;

    @Option(names = "--resume", description = "Keep the finished runs in --out and resume the others from their checkpoints")
    boolean resume;

    @Option(names = "--force", description = "Replace the outputs of an earlier comparison in --out")
    boolean force;

    @Mixin
    TensorBoardOption tensorboard;

    /** What a comparison writes in its directory: the per-strategy run directories and the summaries. */
    private List<String> outputs(Path dir) {
        List<String> ours = new ArrayList<>(SUMMARIES);
        ours.addAll(strategies);
        return ours;
    }

    /** Written when every run has finished; a resumed comparison removes the old ones until then. */
    private static final List<String> SUMMARIES = List.of("summary.csv", "summary.json", "report.html");

    /** The result of a finished run in {@code dir}, or null. */
    private static JsonNode finishedRun(Path dir) {
        Path file = dir.resolve("result.json");
        if (!java.nio.file.Files.isRegularFile(file)) {
            return null;
        }
        try {
            JsonNode r = new ObjectMapper().readTree(file.toFile());
            return ExperimentResult.COMPLETE.equals(r.path("status").asText()) ? r : null;
        } catch (java.io.IOException e) {
            return null; // unreadable: the run is redone from its checkpoints
        }
    }

    /** The summary metrics of a result.json (the keys of {@link ExperimentResult#metrics}). */
    private static Map<String, Object> metricsOf(JsonNode result) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (String key : ExperimentResult.METRICS) {
            JsonNode v = result.get(key);
            m.put(key, v == null || v.isNull() ? null : v.asDouble());
        }
        return m;
    }

    private static String curveOf(String name, JsonNode result) {
        List<EvalPoint> curve = new ArrayList<>();
        for (JsonNode p : result.at("/continual_eval/points")) {
            double[] acc = new double[p.get("accuracies").size()];
            for (int j = 0; j < acc.length; j++) {
                acc[j] = p.get("accuracies").get(j).asDouble();
            }
            curve.add(new EvalPoint(p.get("step").asLong(), p.get("training_experience").asInt(), acc));
        }
        JsonNode ends = result.at("/continual_eval/end_steps");
        long[] endSteps = new long[ends.size()];
        for (int i = 0; i < endSteps.length; i++) {
            endSteps[i] = ends.get(i).asLong();
        }
        return RunReport.curveChart(name, curve, endSteps, result.at("/scenario/experiences").asInt(),
                result.at("/score/name").asText(Scores.ACCURACY.name()));
    }

    @Override
    public Integer call() throws IOException {
        // Validate every (strategy, seed) config before training anything.
        Map<String, Map<Long, ExperimentConfig>> configs = new LinkedHashMap<>();
        for (String s : strategies) {
            if (configs.containsKey(s)) {
                throw new PerennialException("--strategies: " + s + " is listed twice");
            }
            Map<Long, ExperimentConfig> bySeed = new LinkedHashMap<>();
            for (long seed : seeds) {
                // each strategy starts from its declared defaults (the config's own strategy section is replaced)
                List<String> all = new ArrayList<>(List.of("strategy={name: " + s + "}"));
                all.addAll(Hyperparameters.overrides(hparams, config, s));
                all.addAll(overrides);
                all.add("seed=" + seed);
                try {
                    bySeed.put(seed, ConfigLoader.load(config, Presets.dir(), all));
                } catch (PerennialException e) {
                    // a bad name from --strategies surfaces as the config's strategy section: say where it came from
                    throw e.getMessage().startsWith("config strategy") ? new PerennialException("--strategies " + s + ": " + e.getMessage(), e) : e;
                }
            }
            configs.put(s, bySeed);
        }
        OutputDir.prepare(out, resume, force, outputs(out));
        Path events = tensorboard.prepared();
        if (resume) {
            // until this comparison finishes, 'results' must rebuild its table from the runs, not read a stale summary
            for (String name : SUMMARIES) {
                OutputDir.deleteTree(out.resolve(name));
            }
        }
        Engines.pytorch();
        Map<String, Map<Long, Map<String, Object>>> metrics = new LinkedHashMap<>();
        List<String> curves = new ArrayList<>();
        Map<String, List<JsonNode>> plasticity = new LinkedHashMap<>();
        Map<String, Object> provenanceConfig = new LinkedHashMap<>();
        Experiment[] current = new Experiment[1];
        RunsProgress progress = new RunsProgress(seeds.size() * strategies.size(), System.nanoTime());
        try (Signals signals = Signals.install(() -> {
            if (current[0] != null) {
                current[0].requestStop();
            }
        })) {
            for (long seed : seeds) {
                Scenario scenario = null; // one stream per seed, shared by every strategy (their scenario sections are equal)
                for (String s : strategies) {
                    ExperimentConfig c = configs.get(s).get(seed);
                    provenanceConfig.put(s, c.resolved());
                    Path dir = out.resolve(s).resolve("seed-" + seed);
                    JsonNode finished = resume ? finishedRun(dir) : null;
                    if (finished != null) {
                        RunCommand.resumedConfig(dir, null, List.of()).differences(c).stream().findFirst().ifPresent(k -> {
                            throw new PerennialException("--resume: " + dir + " was run with another config (" + k + ")");
                        });
                        System.err.printf("%s seed %d: finished earlier, kept%n", s, seed);
                        progress.kept();
                        metrics.computeIfAbsent(s, k -> new LinkedHashMap<>()).put(seed, metricsOf(finished));
                        plasticity.computeIfAbsent(s, k -> new ArrayList<>()).add(finished.path("plasticity"));
                        if (seed == seeds.get(0) && finished.at("/continual_eval/points").size() > 0) {
                            curves.add(curveOf(s, finished));
                        }
                        continue;
                    }
                    boolean resumeThis = resume && java.nio.file.Files.isDirectory(dir.resolve("checkpoints"));
                    if (resumeThis) {
                        RunCommand.resumedConfig(dir, null, List.of()).differences(c).stream().findFirst().ifPresent(k -> {
                            throw new PerennialException("--resume: " + dir + " was run with another config (" + k + ")");
                        });
                    }
                    if (scenario == null) {
                        scenario = Experiment.of(configs.get(strategies.get(0)).get(seed)).buildScenario();
                    }
                    System.err.printf("%s seed %d: %s%s%n", s, seed, scenario.name(), resumeThis ? " (resuming)" : "");
                    Experiment experiment = Experiment.of(c);
                    current[0] = experiment;
                    Provenance p = Provenance.capture(c.resolved(), seed, commandLine());
                    ExperimentResult result = experiment.runDurably(scenario, dir, resumeThis, label -> new Progress(s + " " + label),
                            System.err::println, Map.of("provenance", p), new Experiment.Recording("compare",
                                    events == null ? null : events.resolve(s).resolve("seed-" + seed)));
                    current[0] = null;
                    Map<String, Object> json = result.toJson(p);
                    ResultWriter.write(dir, "result.json", json);
                    plasticity.computeIfAbsent(s, k -> new ArrayList<>()).add(new ObjectMapper().valueToTree(json.get("plasticity")));
                    result.writeMetricsCsv(dir.resolve("metrics.csv"));
                    if (result.status().equals(ExperimentResult.INTERRUPTED)) {
                        System.err.println("stopped by SIG" + signals.received() + " during " + s + " seed " + seed + " (checkpoint "
                                + result.checkpoint() + ")");
                        System.err.println("resume with: " + commandLine() + " --resume");
                        return signals.exitCode();
                    }
                    if (result.status().equals(ExperimentResult.DIVERGED)) {
                        throw new PerennialException(s + " seed " + seed + ": " + result.message() + "; its result.json has what was measured;"
                                + " fix the config and rerun with --resume to keep the finished runs");
                    }
                    Map<String, Object> m = result.metrics();
                    metrics.computeIfAbsent(s, k -> new LinkedHashMap<>()).put(seed, m);
                    if (seed == seeds.get(0) && !result.result().curve().isEmpty()) {
                        curves.add(RunReport.curveChart(s, result.result(), scenario.size()));
                    }
                    System.err.printf("%s seed %d: %s %s BWT %s %s%n", s, seed, RunCommand.scoreLabel(result.result()),
                            RunCommand.f(m.get("average_accuracy")), RunCommand.f(m.get("bwt")), progress.trained(System.nanoTime()));
                }
            }
        }
        Map<String, Map<String, CompareReport.Cell>> table = summarize(metrics);
        writeSummaryCsv(out.resolve("summary.csv"), table);
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("name", configs.get(strategies.get(0)).get(seeds.get(0)).name());
        summary.put("command", commandLine());
        summary.put("strategies", strategies);
        summary.put("seeds", seeds);
        summary.put("metrics", table);
        ResultWriter.write(out, "summary.json", summary);
        Provenance provenance = Provenance.capture(provenanceConfig, seeds.get(0), commandLine());
        CompareReport.write(out.resolve("report.html"), configs.get(strategies.get(0)).get(seeds.get(0)).name() + " — comparison",
                strategies, seeds, table, curves, plasticity, ResultWriter.toJson(provenance));
        System.out.println(renderTable(table));
        ExperimentConfig first = configs.get(strategies.get(0)).get(seeds.get(0));
        if (first.scenario() != null && first.scenario().name().equals(TimeOrdered.TIME_ORDERED.name())) {
            System.out.println();
            System.out.println("prequential score per window (each window's incoming batches scored before learning them; mean over seeds)");
            System.out.println(renderTable(prequentialByWindow(plasticity)));
        }
        System.out.println("-> " + out.resolve("report.html"));
        return 0;
    }

    /** window → strategy → mean ± std over seeds of the window's online (test-then-train) score. */
    static Map<String, Map<String, CompareReport.Cell>> prequentialByWindow(Map<String, List<JsonNode>> plasticity) {
        Map<String, Map<String, CompareReport.Cell>> table = new LinkedHashMap<>();
        for (Map.Entry<String, List<JsonNode>> e : plasticity.entrySet()) {
            int windows = e.getValue().stream().mapToInt(p -> p.path("online_accuracy").size()).max().orElse(0);
            for (int w = 0; w < windows; w++) {
                List<Double> values = new ArrayList<>();
                for (JsonNode p : e.getValue()) {
                    JsonNode v = p.path("online_accuracy").path(w);
                    if (v.isNumber()) {
                        values.add(v.asDouble());
                    }
                }
                table.computeIfAbsent("window " + (w + 1), k -> new LinkedHashMap<>()).put(e.getKey(), cell(values));
            }
        }
        return table;
    }

    /** metric → strategy → mean ± sample std over seeds (NaN when a metric is not applicable). */
    static Map<String, Map<String, CompareReport.Cell>> summarize(Map<String, Map<Long, Map<String, Object>>> metrics) {
        Map<String, Map<String, CompareReport.Cell>> table = new LinkedHashMap<>();
        for (Map.Entry<String, Map<Long, Map<String, Object>>> byStrategy : metrics.entrySet()) {
            for (Map<String, Object> run : byStrategy.getValue().values()) {
                for (String metric : run.keySet()) {
                    table.computeIfAbsent(metric, k -> new LinkedHashMap<>());
                }
            }
        }
        for (String metric : table.keySet()) {
            for (Map.Entry<String, Map<Long, Map<String, Object>>> byStrategy : metrics.entrySet()) {
                List<Double> values = new ArrayList<>();
                for (Map<String, Object> run : byStrategy.getValue().values()) {
                    Object v = run.get(metric);
                    if (v != null) {
                        values.add((Double) v);
                    }
                }
                table.get(metric).put(byStrategy.getKey(), cell(values));
            }
        }
        return table;
    }

    static CompareReport.Cell cell(List<Double> values) {
        int n = values.size();
        if (n == 0) {
            return new CompareReport.Cell(Double.NaN, Double.NaN, 0);
        }
        double mean = values.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        double ss = values.stream().mapToDouble(v -> (v - mean) * (v - mean)).sum();
        return new CompareReport.Cell(mean, n > 1 ? Math.sqrt(ss / (n - 1)) : 0, n);
    }

    private static void writeSummaryCsv(Path file, Map<String, Map<String, CompareReport.Cell>> table) {
        StringBuilder w = new StringBuilder("metric,strategy,mean,std,n\n");
        for (var row : table.entrySet()) {
            for (var cell : row.getValue().entrySet()) {
                CompareReport.Cell c = cell.getValue();
                w.append(row.getKey()).append(',').append(cell.getKey()).append(',').append(Double.isNaN(c.mean()) ? "" : c.mean())
                        .append(',').append(Double.isNaN(c.std()) ? "" : c.std()).append(',').append(c.n()).append('\n');
            }
        }
        ResultWriter.writeText(file, w.toString());
    }

    private String renderTable(Map<String, Map<String, CompareReport.Cell>> table) {
        StringBuilder b = new StringBuilder(String.format("%-20s", "metric"));
        strategies.forEach(s -> b.append(String.format("%22s", s)));
        b.append('\n');
        for (var row : table.entrySet()) {
            b.append(String.format("%-20s", row.getKey()));
            for (String s : strategies) {
                CompareReport.Cell c = row.getValue().get(s);
                b.append(String.format(java.util.Locale.ROOT, "%22s", Double.isNaN(c.mean()) ? "n/a" : String.format(java.util.Locale.ROOT,
                        "%.4f ± %.4f", c.mean(), c.std())));
            }
            b.append('\n');
        }
        return b.toString();
    }

    private String commandLine() {
        return "bin/perennial compare " + config + " --strategies " + String.join(",", strategies) + " --seeds "
                + seeds.stream().map(String::valueOf).reduce((a, b) -> a + "," + b).orElse("")
                + overrides.stream().map(o -> " --set " + o).reduce("", String::concat);
    }
}
