package ai.perennial.cli;

import ai.perennial.cl.experiment.Experiment;
import ai.perennial.cl.experiment.ExperimentConfig;
import ai.perennial.cl.experiment.ExperimentResult;
import ai.perennial.cl.scenario.Scenario;
import ai.perennial.cli.config.ConfigLoader;
import ai.perennial.cli.report.RunReport;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.run.Provenance;
import ai.perennial.core.run.ResultWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code perennial run CONFIG}: one strategy on one continual-learning stream, with report. */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run a continual-learning experiment described by a YAML config (or a preset name) and write",
            "DIR/result.json, DIR/metrics.csv and DIR/report.html."})
public final class RunCommand implements Callable<Integer> {
    @Parameters(paramLabel = "CONFIG", description = "YAML file or preset name (see presets/)")
    String config;

    @Option(names = "--out", required = true, description = "Output directory")
    Path out;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a config value, e.g. --set strategy.name=cumulative (repeatable)")
    List<String> overrides = new ArrayList<>();

    @Override
    public Integer call() {
        ExperimentConfig c = ConfigLoader.load(config, Presets.dir(), overrides);
        Experiment experiment = Experiment.of(c);
        Engines.pytorch();
        Scenario scenario = experiment.buildScenario();
        Provenance provenance = Provenance.capture(c.resolved(), c.seed(),
                "perennial run " + config + overrides.stream().map(o -> " --set " + o).reduce("", String::concat));
        System.err.printf("%s: %s, %d experiences, strategy %s%n", c.name(), scenario.name(), scenario.size(), c.strategy().name());
        ExperimentResult result = experiment.run(scenario, label -> new Progress(label));
        ResultWriter.write(out, "result.json", result.toJson(provenance));
        result.writeMetricsCsv(out.resolve("metrics.csv"));
        Map<String, Object> m = result.metrics();
        var r = result.result();
        RunReport.write(out.resolve("report.html"), c.name() + " — " + result.strategyName(), scenario, r, m,
                ResultWriter.toJson(provenance));
        System.out.printf("ACC %s  BWT %s  FWT %s  forgetting %s  min-ACC %s  WC-ACC %s  (%d steps, %.1f s) -> %s%n",
                f(m.get("average_accuracy")), f(m.get("bwt")), f(m.get("fwt")), f(m.get("forgetting")), f(m.get("min_acc")),
                f(m.get("wc_acc")), r.compute().steps(), r.compute().wallSeconds(), out.resolve("report.html"));
        return 0;
    }

    static String f(Object v) {
        return v == null ? "n/a" : String.format(java.util.Locale.ROOT, "%.4f", (Double) v);
    }
}
