package ai.perennial.cli.report;

import ai.perennial.cl.experiment.ExperimentResult;
import ai.perennial.cl.metrics.StabilityMetrics.EvalPoint;
import ai.perennial.cl.run.ContinualResult;
import ai.perennial.cl.scenario.Scenario;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** report.html of one run: metrics, accuracy-matrix heatmap, continual-evaluation curves, forgetting, provenance. */
public final class RunReport {
    /** Experiences beyond this many get no curve of their own (long streams): the chart shows the first ones. */
    private static final int MAX_CURVES = 10;

    private RunReport() {
    }

    public static void write(Path file, String title, Scenario scenario, ContinualResult r, Map<String, Object> metrics,
            String provenanceJson) {
        StringBuilder body = new StringBuilder();
        body.append("<p class='note'>Scenario: ").append(Svg.esc(scenario.name())).append(", ").append(scenario.size())
                .append(" experiences. Definitions of every metric: docs/metrics.md.</p>");
        body.append("<h2>Metrics</h2><table><tr>");
        metrics.keySet().forEach(k -> body.append("<th>").append(Svg.esc(k)).append("</th>"));
        body.append("</tr><tr>");
        metrics.values().forEach(v -> body.append("<td>").append(Html.fmt(v)).append("</td>"));
        body.append("</tr></table>");

        int t = scenario.size();
        List<String> cols = new ArrayList<>();
        for (int j = 0; j < t; j++) {
            cols.add("exp " + (j + 1));
        }
        List<String> rows = new ArrayList<>();
        for (int e : r.trainedExperiences()) {
            rows.add("after exp " + (e + 1));
        }
        String score = r.score();
        body.append("<h2>").append(Svg.esc(Character.toUpperCase(score.charAt(0)) + score.substring(1))).append(" matrix</h2>")
                .append("<p class='note'>Row i: ").append(Svg.esc(score)).append(" on each experience's test set after training on ")
                .append("experience i").append(r.higherIsBetter() ? "" : " (lower is better)").append(". Random-init ")
                .append(Svg.esc(score)).append(": ").append(Svg.esc(Arrays.toString(round(r.randomInitAccuracy())))).append("</p>");
        body.append(Svg.heatmap("R[i][j]", r.accuracyMatrix(), rows, cols, r.higherIsBetter()));

        if (!r.curve().isEmpty()) {
            body.append("<h2>Continual evaluation</h2><p class='note'>").append(Svg.esc(score))
                    .append(" on a fixed evaluation subset of each experience, ")
                    .append("measured during training; dashed lines mark the ends of experiences. A dip right after a line is the ")
                    .append("stability gap.").append(t > MAX_CURVES ? " First " + MAX_CURVES + " of " + t + " experiences shown." : "")
                    .append("</p>");
            body.append(curveChart(score + " during training", r, t));
        }
        double[] forgetting = r.forgettingPerExperience();
        if (forgetting.length > 0) {
            List<String> labels = new ArrayList<>();
            for (int j = 0; j < forgetting.length; j++) {
                labels.add("exp " + (j + 1));
            }
            body.append("<h2>Forgetting per experience</h2><p class='note'>Best ").append(Svg.esc(score))
                    .append(" before the end minus final ").append(Svg.esc(score)).append(r.higherIsBetter() ? "" : ", negated (lower is better)")
                    .append(": positive means forgotten.</p>");
            body.append(Svg.barChart("forgetting", labels, forgetting, null, "forgetting"));
        }
        body.append(PlasticityPanel.html(Map.of(title, List.of(new ObjectMapper().valueToTree(ExperimentResult.plasticity(r))))));
        body.append("<h2>Compute</h2><table><tr><th>steps</th><th>samples</th><th>train s</th><th>per-experience s</th><th>eval s</th><th>wall s</th>")
                .append("<th>peak RSS MiB</th><th>buffer bytes</th><th>optimizer state bytes</th></tr><tr>");
        ContinualResult.Compute c = r.compute();
        body.append(Svg.f("<td>%d</td><td>%d</td><td>%.1f</td><td>%.1f</td><td>%.1f</td><td>%.1f</td><td>%s</td><td>%d</td><td>%d</td></tr></table>",
                c.steps(), c.samples(), c.trainSeconds(), c.experienceSeconds(), c.evalSeconds(), c.wallSeconds(),
                c.peakRssBytes() < 0 ? "n/a" : Long.toString(c.peakRssBytes() >> 20), c.bufferBytes(), c.optimizerStateBytes()));
        body.append("<h2>Provenance</h2><pre>").append(Svg.esc(provenanceJson)).append("</pre>");
        Html.write(file, Html.page(title, body.toString()));
    }

    /** The score of each experience (the first {@value #MAX_CURVES}) against the step, with experience ends marked. */
    public static String curveChart(String title, ContinualResult r, int experiences) {
        return curveChart(title, r.curve(), r.endSteps(), experiences, r.score());
    }

    /**
     * The continual-evaluation curves of one run (each experience's {@code score} against the step), task switches marked;
     * the y axis spans 0..1 unless the values leave it (R² below 0, errors above 1).
     */
    public static String curveChart(String title, List<EvalPoint> curve, long[] endSteps, int experiences, String score) {
        double lo = 0;
        double hi = 1;
        List<Svg.Series> series = new ArrayList<>();
        int shown = Math.min(experiences, MAX_CURVES);
        for (int j = 0; j < shown; j++) {
            double[] x = new double[curve.size()];
            double[] y = new double[curve.size()];
            for (int k = 0; k < x.length; k++) {
                EvalPoint p = curve.get(k);
                x[k] = p.step();
                y[k] = p.accuracies()[j];
                if (Double.isFinite(y[k])) {
                    lo = Math.min(lo, y[k]);
                    hi = Math.max(hi, y[k]);
                }
            }
            series.add(new Svg.Series("exp " + (j + 1), x, y));
        }
        return Svg.lineChart(title, series, Arrays.copyOf(endSteps, Math.max(0, experiences - 1)), "optimizer step",
                score, lo, hi);
    }

    private static double[] round(double[] v) {
        return Arrays.stream(v).map(x -> Math.round(x * 1000) / 1000.0).toArray();
    }
}
