package ai.perennial.cli.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** report.html of a comparison: mean ± std per metric and strategy, one chart per metric, provenance. */
public final class CompareReport {
    private CompareReport() {
    }

    /** Mean and standard deviation of one metric for one strategy over seeds; NaN where not applicable. */
    public record Cell(double mean, double std, int n) {
    }

    /**
     * @param table metric → strategy → cell, in display order
     * @param curves one SVG per strategy (continual evaluation of the first seed), may be empty
     * @param plasticity strategy → the plasticity section of each seed's result.json
     */
    public static void write(Path file, String title, List<String> strategies, List<Long> seeds,
            Map<String, Map<String, Cell>> table, List<String> curves, Map<String, List<JsonNode>> plasticity, String provenanceJson) {
        StringBuilder body = new StringBuilder();
        body.append("<p class='note'>Strategies ").append(Svg.esc(String.join(", ", strategies))).append(" on the same stream for seeds ")
                .append(Svg.esc(seeds.toString())).append("; mean ± standard deviation over seeds (n/a: the metric does not ")
                .append("apply, e.g. transfer and forgetting for joint training). Definitions: docs/metrics.md.</p>");
        body.append("<h2>Summary</h2><table><tr><th class='l'>metric</th>");
        strategies.forEach(s -> body.append("<th>").append(Svg.esc(s)).append("</th>"));
        body.append("</tr>");
        for (Map.Entry<String, Map<String, Cell>> row : table.entrySet()) {
            body.append("<tr><td class='l'>").append(Svg.esc(row.getKey())).append("</td>");
            for (String s : strategies) {
                Cell c = row.getValue().get(s);
                body.append("<td>").append(Double.isNaN(c.mean()) ? "n/a" : Svg.f("%.4f ± %.4f", c.mean(), c.std())).append("</td>");
            }
            body.append("</tr>");
        }
        body.append("</table>");
        body.append("<h2>Per metric</h2>");
        for (Map.Entry<String, Map<String, Cell>> row : table.entrySet()) {
            double[] means = strategies.stream().mapToDouble(s -> row.getValue().get(s).mean()).toArray();
            double[] stds = strategies.stream().mapToDouble(s -> row.getValue().get(s).std()).toArray();
            body.append(Svg.barChart(row.getKey(), strategies, means, stds, row.getKey()));
        }
        body.append(PlasticityPanel.html(plasticity));
        if (!curves.isEmpty()) {
            body.append("<h2>Continual evaluation (first seed)</h2>");
            curves.forEach(body::append);
        }
        body.append("<h2>Provenance</h2><pre>").append(Svg.esc(provenanceJson)).append("</pre>");
        Html.write(file, Html.page(title, body.toString()));
    }
}
