package ai.perennial.cli;

import ai.perennial.cl.metrics.PlasticityMetrics;
import ai.perennial.cl.run.ContinualResult;
import ai.perennial.cli.report.PlasticityPanel;
import ai.perennial.core.PerennialException;
import ai.perennial.core.run.ResultWriter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The plasticity table of {@code results --plasticity}: per strategy of one or more compare directories over a long
 * stream, the task-end accuracy of the first and last ten experiences, their difference and the least-squares slope, each
 * with a 95% percentile-bootstrap interval over seeds, the diagnostics at the end of the stream, and the time per step
 * relative to the first row.
 */
final class PlasticityTable {
    static final int RESAMPLES = 10_000;

    private PlasticityTable() {
    }

    /** One row: a strategy of one compare directory (labelled with its optimizer when the directories differ in it). */
    record Row(String label, List<Long> seeds, double[] first, double[] last, double[] drop, double[] slope, double[] dormantFirst, double[] dormantLast,
            double[] rankFirst, double[] rankLast, double msPerStep) {
    }

    /** Experiences averaged in each point of the figure. */
    static final int FIGURE_WINDOW = 10;

    /**
     * The table as markdown, and the figure (task-end accuracy per method, {@value #FIGURE_WINDOW}-experience means) in
     * {@code figure}, which the markdown shows by its file name.
     */
    static String render(List<Path> dirs, ObjectMapper json, Path figure) throws IOException {
        if (dirs == null || dirs.isEmpty()) {
            throw new PerennialException("results --plasticity: name at least one compare --out directory");
        }
        List<Row> rows = new ArrayList<>();
        Map<String, List<JsonNode>> sections = new LinkedHashMap<>();
        String firstOptimizer = null;
        StringBuilder commands = new StringBuilder();
        for (Path dir : dirs) {
            Map<String, Map<Long, JsonNode>> runs = ResultsCommand.runs(dir, json);
            for (Map.Entry<String, Map<Long, JsonNode>> e : runs.entrySet()) {
                List<JsonNode> results = List.copyOf(e.getValue().values());
                JsonNode any = results.get(0);
                String optimizer = any.at("/config/optimizer/name").asText("?");
                firstOptimizer = firstOptimizer == null ? optimizer : firstOptimizer;
                String label = e.getKey() + (optimizer.equals(firstOptimizer) ? "" : " (" + optimizer + ")");
                rows.add(row(label, List.copyOf(e.getValue().keySet()), results));
                sections.put(label, results.stream().map(r -> r.path("plasticity")).toList());
            }
            String command = runs.values().iterator().next().values().iterator().next().at("/provenance/command").asText("");
            commands.append(Text.printable(command).replace("```", "` ``")).append('\n');
        }
        StringBuilder b = new StringBuilder();
        b.append("Commands:\n\n```bash\n").append(commands).append("```\n\n");
        int w = ContinualResult.PLASTICITY_WINDOW;
        Row reference = rows.get(0);
        b.append("| method | seeds | first ").append(w).append(" | last ").append(w).append(" | drop (first − last) [95% CI] | drop − ")
                .append(Text.markdown(reference.label())).append("'s, same seeds [95% CI] | slope per 100 experiences [95% CI] | dormant units of the last hidden layer, first → last ")
                .append(w).append(" | its effective rank, first → last ").append(w).append(" | time per step / ").append(Text.markdown(reference.label()))
                .append(" |\n|---|---|---|---|---|---|---|---|---|---|\n");
        for (Row r : rows) {
            String versus;
            if (r == reference) {
                versus = "—";
            } else if (r.seeds().equals(reference.seeds())) {
                double[] difference = new double[r.drop().length];
                for (int i = 0; i < difference.length; i++) {
                    difference[i] = r.drop()[i] - reference.drop()[i];
                }
                versus = interval(PlasticityMetrics.bootstrapMean(difference, 0.95, RESAMPLES, 1));
            } else {
                versus = "n/a (other seeds)";
            }
            PlasticityMetrics.Interval drop = PlasticityMetrics.bootstrapMean(r.drop(), 0.95, RESAMPLES, 1);
            double[] per100 = Arrays.stream(r.slope()).map(s -> 100 * s).toArray();
            PlasticityMetrics.Interval slope = PlasticityMetrics.bootstrapMean(per100, 0.95, RESAMPLES, 1);
            b.append("| ").append(Text.markdown(r.label())).append(" | ").append(r.drop().length).append(" | ").append(f(PlasticityMetrics.mean(r.first())))
                    .append(" | ").append(f(PlasticityMetrics.mean(r.last()))).append(" | ").append(interval(drop)).append(" | ").append(versus).append(" | ")
                    .append(interval(slope))
                    .append(" | ").append(f(PlasticityMetrics.mean(r.dormantFirst()))).append(" → ").append(f(PlasticityMetrics.mean(r.dormantLast()))).append(" | ")
                    .append(String.format(Locale.ROOT, "%.1f → %.1f", PlasticityMetrics.mean(r.rankFirst()), PlasticityMetrics.mean(r.rankLast())))
                    .append(" | ").append(String.format(Locale.ROOT, "%.2f×", r.msPerStep() / rows.get(0).msPerStep())).append(" |\n");
        }
        ResultWriter.writeText(figure, PlasticityPanel.taskEndChart(sections, FIGURE_WINDOW));
        b.append("\n![task-end accuracy per method](").append(figure.getFileName()).append(")\n");
        return b.append('\n').toString();
    }

    private static Row row(String label, List<Long> seedNumbers, List<JsonNode> seeds) {
        int n = seeds.size();
        double[] first = new double[n];
        double[] last = new double[n];
        double[] drop = new double[n];
        double[] slope = new double[n];
        double[] dormantFirst = new double[n];
        double[] dormantLast = new double[n];
        double[] rankFirst = new double[n];
        double[] rankLast = new double[n];
        double ms = 0;
        int w = ContinualResult.PLASTICITY_WINDOW;
        for (int i = 0; i < n; i++) {
            JsonNode r = seeds.get(i);
            double[] acc = PlasticityPanel.values(r.at("/plasticity/task_end_accuracy"));
            if (acc.length < 2) {
                throw new PerennialException("results --plasticity: " + r.path("name").asText() + " trained " + acc.length
                        + " experience(s); the plasticity table needs a long stream");
            }
            first[i] = PlasticityMetrics.headMean(acc, w);
            last[i] = PlasticityMetrics.tailMean(acc, w);
            drop[i] = PlasticityMetrics.firstLastDrop(acc, w);
            slope[i] = PlasticityMetrics.slope(acc);
            double[] dormant = PlasticityPanel.atExperienceEnds(r.path("plasticity"), p -> PlasticityPanel.lastLayer(p, PlasticityPanel.DORMANT));
            double[] rank = PlasticityPanel.atExperienceEnds(r.path("plasticity"), p -> PlasticityPanel.lastLayer(p, PlasticityPanel.EFFECTIVE_RANK));
            dormantFirst[i] = PlasticityMetrics.headMean(dormant, w);
            dormantLast[i] = PlasticityMetrics.tailMean(dormant, w);
            rankFirst[i] = PlasticityMetrics.headMean(rank, w);
            rankLast[i] = PlasticityMetrics.tailMean(rank, w);
            ms += r.at("/compute/ms_per_step").asDouble(Double.NaN) / n;
        }
        return new Row(label, seedNumbers, first, last, drop, slope, dormantFirst, dormantLast, rankFirst, rankLast, ms);
    }

    private static String f(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.3f", v);
    }

    private static String interval(PlasticityMetrics.Interval i) {
        return String.format(Locale.ROOT, "%.3f [%.3f, %.3f]", i.estimate(), i.low(), i.high());
    }
}
