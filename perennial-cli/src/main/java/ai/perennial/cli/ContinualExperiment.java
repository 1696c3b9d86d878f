package ai.perennial.cli;

import ai.perennial.cl.metrics.StabilityMetrics.EvalPoint;
import ai.perennial.cl.run.ContinualResult;
import ai.perennial.cl.run.ContinualRunner;
import ai.perennial.cl.scenario.Scenario;
import ai.perennial.cl.scenario.Scenarios;
import ai.perennial.cl.strategy.Strategies;
import ai.perennial.cl.strategy.Strategy;
import ai.perennial.cli.config.RunConfig;
import ai.perennial.core.PerennialException;
import ai.perennial.core.data.DataSources;
import ai.perennial.core.model.ModelSpec;
import ai.perennial.core.optim.OptimizerSpec;
import ai.perennial.core.run.Seeds;
import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Turns a {@link RunConfig} into data, scenario, model, optimizer and strategy, runs it and shapes the results. */
final class ContinualExperiment {
    private ContinualExperiment() {
    }

    static DataSources.Split data(RunConfig c) {
        return DataSources.load(c.dataset.name, c.dataset.dataDir == null ? null : Path.of(c.dataset.dataDir),
                Seeds.derive(c.seed, "data"));
    }

    /** The stream for this config; every random choice is derived from {@code c.seed}. */
    static Scenario scenario(RunConfig c, DataSources.Split data) {
        RunConfig.ScenarioConfig s = c.scenario;
        long seed = Seeds.derive(c.seed, "scenario");
        return switch (s.type) {
            case "split" -> Scenarios.split(data.train(), data.test(), or(s.classesPerExperience, 2),
                    classOrder(s, data.train().numClasses(), seed), Boolean.TRUE.equals(s.taskIncremental));
            case "online" -> Scenarios.blurry(Scenarios.split(data.train(), data.test(), or(s.classesPerExperience, 2),
                    classOrder(s, data.train().numClasses(), seed), false), s.overlap == null ? 0.1 : s.overlap, seed);
            case "permuted" -> Scenarios.permuted(data.train(), data.test(), or(s.tasks, 5), seed);
            case "rotated" -> Scenarios.rotated(data.train(), data.test(), s.angles != null
                    ? s.angles.stream().mapToDouble(Double::doubleValue).toArray()
                    : Scenarios.evenAngles(or(s.tasks, 5), s.maxDegrees == null ? 180 : s.maxDegrees));
            case "long" -> Scenarios.longStream(data.train(), data.test(), s.kind == null ? "permuted" : s.kind, or(s.tasks, 100),
                    or(s.samplesPerTask, 500), seed);
            default -> throw new PerennialException("config scenario.type: unknown '" + s.type + "'");
        };
    }

    static ContinualResult run(RunConfig c, Scenario scenario, Strategy strategy, ContinualRunner.ProgressFactory progress) {
        RunConfig.OptimizerConfig o = c.optimizer;
        OptimizerSpec defaults = OptimizerSpec.defaults(o.name, o.lr);
        OptimizerSpec optimizer = new OptimizerSpec(o.name, o.lr, o.momentum != null ? o.momentum : defaults.momentum(),
                o.weightDecay != null ? o.weightDecay : defaults.weightDecay(), o.beta1, o.beta2, o.eps, o.schedule, o.warmupSteps,
                OptimizerSpec.Extras.of(o.clipNorm, o.samRho, o.temperature, o.noise, o.decayMask, Seeds.derive(c.seed, "optimizer-noise")));
        ModelSpec model = new ModelSpec(c.model.kind, c.model.hidden.stream().mapToInt(Integer::intValue).toArray(), scenario.heads());
        RunConfig.EvaluationConfig e = c.evaluation;
        ContinualRunner.Options options = new ContinualRunner.Options(c.training.epochs, c.training.batchSize,
                new ContinualRunner.EvalOptions(e.everySteps, e.subsetSize, e.batchSize, e.matrix.equals("full"), e.window), c.seed,
                c.training.average);
        return ContinualRunner.run(scenario, model, optimizer, strategy, options, progress);
    }

    static Strategy strategy(RunConfig c) {
        return Strategies.create(c.strategy.name, c.strategy.params(), Seeds.derive(c.seed, "strategy"));
    }

    /** The metric summary used by result.json and by compare tables; NaN (not applicable) becomes null. */
    static Map<String, Object> metrics(ContinualResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("average_accuracy", num(r.averageAccuracy()));
        m.put("bwt", num(r.backwardTransfer()));
        m.put("fwt", num(r.forwardTransfer()));
        m.put("forgetting", num(r.averageForgetting()));
        m.put("learning_accuracy", num(r.learningAccuracy()));
        m.put("min_acc", num(r.minAccuracy()));
        m.put("wc_acc", num(r.worstCaseAccuracy()));
        m.put("windowed_forgetting", num(r.windowedForgetting()));
        ContinualResult.Compute k = r.compute();
        m.put("ms_per_step", k.steps() == 0 ? null : 1000 * k.trainSeconds() / k.steps());
        m.put("experience_seconds", k.experienceSeconds());
        return m;
    }

    static Map<String, Object> resultJson(RunConfig c, Scenario scenario, ContinualResult r, Object provenance) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", c.name);
        out.put("strategy", c.strategy.name);
        out.put("scenario", Map.of("name", scenario.name(), "experiences", scenario.size(), "settings", scenario.settings(),
                "classes", scenario.experiences().stream().map(e -> e.classes()).toList()));
        out.put("accuracy_matrix", matrix(r.accuracyMatrix()));
        out.put("trained_experiences", r.trainedExperiences());
        out.put("random_init_accuracy", r.randomInitAccuracy());
        out.putAll(metrics(r));
        out.put("forgetting_per_experience", r.forgettingPerExperience());
        Map<String, Object> continual = new LinkedHashMap<>();
        continual.put("every_steps", c.evaluation.everySteps);
        continual.put("subset_size", c.evaluation.subsetSize);
        continual.put("window", c.evaluation.window);
        continual.put("end_steps", r.endSteps());
        List<Map<String, Object>> points = new ArrayList<>();
        for (EvalPoint p : r.curve()) {
            points.add(Map.of("step", p.step(), "training_experience", p.trainingExperience(), "accuracies", p.accuracies()));
        }
        continual.put("points", points);
        out.put("continual_eval", continual);
        ContinualResult.Compute k = r.compute();
        Map<String, Object> compute = new LinkedHashMap<>();
        compute.put("steps", k.steps());
        compute.put("samples", k.samples());
        compute.put("train_seconds", k.trainSeconds());
        compute.put("experience_seconds", k.experienceSeconds());
        compute.put("eval_seconds", k.evalSeconds());
        compute.put("wall_seconds", k.wallSeconds());
        compute.put("ms_per_step", k.steps() == 0 ? null : 1000 * k.trainSeconds() / k.steps());
        compute.put("peak_rss_bytes", k.peakRssBytes() < 0 ? null : k.peakRssBytes());
        compute.put("buffer_bytes", k.bufferBytes());
        out.put("compute", compute);
        out.put("provenance", provenance);
        return out;
    }

    /** Continual-evaluation curve in long format: one row per (point, experience). */
    static void writeMetricsCsv(Path file, ContinualResult r) {
        try (Writer w = Files.newBufferedWriter(file)) {
            w.write("step,training_experience,eval_experience,accuracy\n");
            for (EvalPoint p : r.curve()) {
                for (int j = 0; j < p.accuracies().length; j++) {
                    w.write(p.step() + "," + p.trainingExperience() + "," + j + "," + p.accuracies()[j] + "\n");
                }
            }
        } catch (IOException e) {
            throw new PerennialException("cannot write " + file + " (" + e.getMessage() + ")");
        }
    }

    static Double num(double v) {
        return Double.isNaN(v) ? null : v;
    }

    static List<List<Double>> matrix(double[][] r) {
        return Arrays.stream(r).map(row -> Arrays.stream(row).mapToObj(ContinualExperiment::num).toList()).toList();
    }

    private static int[] classOrder(RunConfig.ScenarioConfig s, int numClasses, long seed) {
        if (s.classOrder == null) {
            return null;
        }
        if (s.classOrder.isTextual()) {
            return Scenarios.randomClassOrder(numClasses, seed);
        }
        int[] order = new int[s.classOrder.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = s.classOrder.get(i).asInt();
        }
        return order;
    }

    private static int or(Integer value, int fallback) {
        return value == null ? fallback : value;
    }
}
