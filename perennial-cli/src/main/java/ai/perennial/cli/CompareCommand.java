package ai.perennial.cli;

import ai.perennial.cl.experiment.Experiment;
import ai.perennial.cl.experiment.ExperimentConfig;
import ai.perennial.cl.experiment.ExperimentResult;
import ai.perennial.cl.scenario.Scenario;
import ai.perennial.cli.config.ConfigLoader;
import ai.perennial.cli.report.CompareReport;
import ai.perennial.cli.report.RunReport;
import ai.perennial.core.PerennialException;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.run.Provenance;
import ai.perennial.core.run.ResultWriter;
import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code perennial compare CONFIG --strategies ... --seeds ...}: strategies side by side on the same streams. */
@Command(name = "compare", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run several strategies on the same stream for several seeds; write per-run results,",
            "DIR/summary.csv (mean ± std per metric) and DIR/report.html."})
public final class CompareCommand implements Callable<Integer> {
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

    @Override
    public Integer call() {
        // Validate every (strategy, seed) config before training anything.
        Map<String, Map<Long, ExperimentConfig>> configs = new LinkedHashMap<>();
        for (String s : strategies) {
            if (configs.containsKey(s)) {
                throw new PerennialException("--strategies: " + s + " is listed twice");
            }
            Map<Long, ExperimentConfig> bySeed = new LinkedHashMap<>();
            for (long seed : seeds) {
                List<String> all = new ArrayList<>(Hyperparameters.overrides(hparams, config, s));
                all.addAll(overrides);
                all.add("strategy.name=" + s);
                all.add("seed=" + seed);
                bySeed.put(seed, ConfigLoader.load(config, Presets.dir(), all));
            }
            configs.put(s, bySeed);
        }
        Engines.pytorch();
        Map<String, Map<Long, Map<String, Object>>> metrics = new LinkedHashMap<>();
        List<String> curves = new ArrayList<>();
        Map<String, Object> provenanceConfig = new LinkedHashMap<>();
        for (long seed : seeds) {
            // one stream per seed, shared by every strategy (the scenario section is the same in all their configs)
            Scenario scenario = Experiment.of(configs.get(strategies.get(0)).get(seed)).buildScenario();
            for (String s : strategies) {
                ExperimentConfig c = configs.get(s).get(seed);
                provenanceConfig.put(s, c.resolved());
                System.err.printf("%s seed %d: %s%n", s, seed, scenario.name());
                ExperimentResult result = Experiment.of(c).run(scenario, label -> new Progress(s + " " + label));
                Path dir = out.resolve(s).resolve("seed-" + seed);
                Provenance p = Provenance.capture(c.resolved(), seed, commandLine());
                ResultWriter.write(dir, "result.json", result.toJson(p));
                result.writeMetricsCsv(dir.resolve("metrics.csv"));
                Map<String, Object> m = result.metrics();
                metrics.computeIfAbsent(s, k -> new LinkedHashMap<>()).put(seed, m);
                if (seed == seeds.get(0) && !result.result().curve().isEmpty()) {
                    curves.add(RunReport.curveChart(s, result.result(), scenario.size()));
                }
                System.err.printf("%s seed %d: ACC %s BWT %s%n", s, seed, RunCommand.f(m.get("average_accuracy")), RunCommand.f(m.get("bwt")));
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
                strategies, seeds, table, curves, ResultWriter.toJson(provenance));
        System.out.println(renderTable(table));
        System.out.println("-> " + out.resolve("report.html"));
        return 0;
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
        try {
            Files.createDirectories(file.getParent());
            try (Writer w = Files.newBufferedWriter(file)) {
                w.write("metric,strategy,mean,std,n\n");
                for (var row : table.entrySet()) {
                    for (var cell : row.getValue().entrySet()) {
                        CompareReport.Cell c = cell.getValue();
                        w.write(row.getKey() + "," + cell.getKey() + "," + (Double.isNaN(c.mean()) ? "" : c.mean()) + ","
                                + (Double.isNaN(c.std()) ? "" : c.std()) + "," + c.n() + "\n");
                    }
                }
            }
        } catch (IOException e) {
            throw new PerennialException("cannot write " + file + " (" + e.getMessage() + ")");
        }
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
