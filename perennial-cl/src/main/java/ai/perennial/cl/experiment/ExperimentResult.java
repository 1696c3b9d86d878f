package ai.perennial.cl.experiment;

import ai.perennial.cl.metrics.PlasticityPoint;
import ai.perennial.cl.metrics.StabilityMetrics.EvalPoint;
import ai.perennial.cl.run.ContinualResult;
import ai.perennial.cl.scenario.Scenario;
import ai.perennial.core.run.Provenance;
import ai.perennial.core.run.ResultWriter;
import ai.perennial.core.train.Trainer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a continual-learning experiment measured, with the config that produced it and the records it writes.
 * {@code status} says how the run ended: {@link #COMPLETE}, {@link #STOPPED} (after {@code training.stop_after}
 * experiences), {@link #DIVERGED} or {@link #INTERRUPTED} (on request, after a checkpoint); {@code message} explains the
 * last two, {@code checkpoint} is the last one written (null without checkpoints).
 */
public record ExperimentResult(ExperimentConfig config, Scenario scenario, String strategyName, ContinualResult result, String status,
        String message, Path checkpoint) {
    public static final String COMPLETE = "complete";
    public static final String STOPPED = "stopped";
    public static final String DIVERGED = "diverged";
    public static final String INTERRUPTED = "interrupted";

    /** The keys of {@link #metrics}, in order: what comparisons summarize and rebuild from finished runs' result.json. */
    public static final List<String> METRICS = List.of("average_accuracy", "bwt", "fwt", "forgetting", "learning_accuracy", "min_acc",
            "wc_acc", "windowed_forgetting", "plasticity_drop", "plasticity_slope", "prequential", "ms_per_step", "experience_seconds");

    /** The metric summary of result.json and of comparison tables, keyed as {@link #METRICS}; not-applicable metrics (NaN) become null. */
    public Map<String, Object> metrics() {
        ContinualResult r = result;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("average_accuracy", num(r.averageAccuracy()));
        m.put("bwt", num(r.backwardTransfer()));
        m.put("fwt", num(r.forwardTransfer()));
        m.put("forgetting", num(r.averageForgetting()));
        m.put("learning_accuracy", num(r.learningAccuracy()));
        m.put("min_acc", num(r.minAccuracy()));
        m.put("wc_acc", num(r.worstCaseAccuracy()));
        m.put("windowed_forgetting", num(r.windowedForgetting()));
        m.put("plasticity_drop", num(r.plasticityDrop()));
        m.put("plasticity_slope", num(r.plasticitySlope()));
        m.put("prequential", num(r.prequentialScore()));
        ContinualResult.Compute k = r.compute();
        m.put("ms_per_step", k.steps() == 0 ? null : 1000 * k.trainSeconds() / k.steps());
        m.put("experience_seconds", k.experienceSeconds());
        if (!List.copyOf(m.keySet()).equals(METRICS)) {
            throw new IllegalStateException("metrics " + m.keySet() + " differ from METRICS " + METRICS);
        }
        return m;
    }

    /**
     * The content of result.json: the accuracy matrix, every metric, the continual-evaluation curve, compute, the
     * resolved config (every value used) and {@code provenance}.
     */
    public Map<String, Object> toJson(Object provenance) {
        ContinualResult r = result;
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", config.name());
        out.put("status", status);
        if (message != null) {
            out.put("message", message);
        }
        if (checkpoint != null) {
            out.put("checkpoint", checkpoint.toString());
        }
        out.put("strategy", strategyName);
        out.put("scenario", Map.of("name", scenario.name(), "experiences", scenario.size(), "settings", scenario.settings(),
                "classes", scenario.experiences().stream().map(e -> e.classes()).toList()));
        out.put("score", Map.of("name", r.score(), "higher_is_better", r.higherIsBetter()));
        out.put("accuracy_matrix", matrix(r.accuracyMatrix()));
        out.put("weights_sha256", r.weightsSha256());
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("trainable", r.parameters().trainable());
        parameters.put("frozen", r.parameters().frozen());
        out.put("parameters", parameters);
        out.put("trained_experiences", r.trainedExperiences());
        out.put("random_init_accuracy", r.randomInitAccuracy());
        out.putAll(metrics());
        out.put("forgetting_per_experience", r.forgettingPerExperience());
        Map<String, Object> continual = new LinkedHashMap<>();
        continual.put("every_steps", config.evaluation().get(ExperimentConfig.EVERY_STEPS));
        continual.put("subset_size", config.evaluation().get(ExperimentConfig.SUBSET_SIZE));
        continual.put("window", config.evaluation().get(ExperimentConfig.WINDOW));
        continual.put("end_steps", r.endSteps());
        List<Map<String, Object>> points = new ArrayList<>();
        for (EvalPoint p : r.curve()) {
            points.add(Map.of("step", p.step(), "training_experience", p.trainingExperience(), "accuracies", p.accuracies()));
        }
        continual.put("points", points);
        out.put("continual_eval", continual);
        out.put("plasticity", plasticity(r));
        out.put("loss_curve", Map.of("steps", r.losses().stream().mapToLong(Trainer.LossPoint::step).toArray(),
                "losses", r.losses().stream().mapToDouble(Trainer.LossPoint::loss).toArray()));
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
        compute.put("optimizer_state_bytes", k.optimizerStateBytes());
        compute.put("intra_op_threads", k.intraOpThreads());
        compute.put("time_to_first_step_seconds", k.startup() == null ? null : k.startup().toFirstStepSeconds());
        compute.put("startup", k.startup() == null ? null : k.startup().toJson());
        out.put("compute", compute);
        out.put("config", config.resolved());
        out.put("provenance", provenance);
        return out;
    }

    /**
     * Writes {@code dir/result.json} (with provenance of this process: config, seed, command line, versions, machine)
     * and {@code dir/metrics.csv}; returns the result file.
     */
    public Path write(Path dir) {
        return write(dir, Provenance.capture(config.resolved(), config.seed(),
                ProcessHandle.current().info().commandLine().orElse("java")));
    }

    /** As {@link #write(Path)}, with the caller's provenance (the command line records the command as typed). */
    public Path write(Path dir, Provenance provenance) {
        Path file = ResultWriter.write(dir, "result.json", toJson(provenance));
        writeMetricsCsv(dir.resolve("metrics.csv"));
        return file;
    }

    /**
     * Everything measured over the stream in long format, written atomically: one row per value, {@code metric} saying
     * what it is and {@code subject} what it is of. The continual-evaluation curve gives {@code accuracy} rows (subject:
     * the evaluated experience); the plasticity diagnostics give {@code online_accuracy} and {@code gradient_norm} rows
     * (no subject) and one row per layer and diagnostic (subject: the layer).
     */
    public void writeMetricsCsv(Path file) {
        StringBuilder csv = new StringBuilder("step,training_experience,metric,subject,value\n");
        for (EvalPoint p : result.curve()) {
            for (int j = 0; j < p.accuracies().length; j++) {
                row(csv, p.step(), p.trainingExperience(), "accuracy", Integer.toString(j), p.accuracies()[j]);
            }
        }
        for (PlasticityPoint p : result.diagnostics()) {
            row(csv, p.step(), p.experience(), "online_accuracy", "", p.onlineAccuracy());
            row(csv, p.step(), p.experience(), "gradient_norm", "", p.gradientNorm());
            for (PlasticityPoint.Layer l : p.layers()) {
                double[] values = l.values();
                for (int k = 0; k < values.length; k++) {
                    row(csv, p.step(), p.experience(), PlasticityPoint.FIELDS.get(k), l.name(), values[k]);
                }
            }
        }
        ResultWriter.writeText(file, csv.toString());
    }

    private static void row(StringBuilder csv, long step, int experience, String metric, String subject, double value) {
        csv.append(step).append(',').append(experience).append(',').append(metric).append(',').append(subject).append(',')
                .append(Double.isNaN(value) ? "" : Double.toString(value)).append('\n');
    }

    /**
     * The plasticity section: task-end accuracy per trained experience, online accuracy per training round (the last
     * diagnostic point of each round), and every diagnostic point.
     */
    public static Map<String, Object> plasticity(ContinualResult r) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("score", r.score()); // what the accuracy-named values below hold
        out.put("task_end_accuracy", r.taskEndAccuracy());
        out.put("online_accuracy", Arrays.stream(r.onlineAccuracy()).mapToObj(ExperimentResult::num).toList());
        out.put("first_last_window", ContinualResult.PLASTICITY_WINDOW);
        out.put("fields", PlasticityPoint.FIELDS);
        List<Map<String, Object>> points = new ArrayList<>();
        for (PlasticityPoint p : r.diagnostics()) {
            Map<String, Object> point = new LinkedHashMap<>();
            point.put("step", p.step());
            point.put("training_experience", p.experience());
            point.put("online_accuracy", num(p.onlineAccuracy()));
            point.put("gradient_norm", num(p.gradientNorm()));
            Map<String, Object> layers = new LinkedHashMap<>();
            for (PlasticityPoint.Layer l : p.layers()) {
                layers.put(l.name(), Arrays.stream(l.values()).mapToObj(ExperimentResult::num).toList());
            }
            point.put("layers", layers);
            points.add(point);
        }
        out.put("diagnostics", points);
        return out;
    }

    static Double num(double v) {
        return Double.isNaN(v) ? null : v;
    }

    static List<List<Double>> matrix(double[][] r) {
        return Arrays.stream(r).map(row -> Arrays.stream(row).mapToObj(ExperimentResult::num).toList()).toList();
    }
}
