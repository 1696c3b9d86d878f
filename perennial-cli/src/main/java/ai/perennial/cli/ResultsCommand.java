package ai.perennial.cli;

import ai.perennial.core.PerennialException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code perennial results DIR...}: a markdown reproduction table from {@code compare} outputs. */
@Command(name = "results", mixinStandardHelpOptions = true,
        description = "Render mean ± std of ACC, BWT and forgetting, and per-step time relative to naive, from compare output directories.")
public final class ResultsCommand implements Callable<Integer> {
    @Parameters(paramLabel = "DIR", description = "compare --out directories (each with summary.json)")
    List<Path> dirs;

    @Option(names = "--out", required = true, description = "Markdown file to write")
    Path out;

    @Override
    public Integer call() throws IOException {
        StringBuilder md = new StringBuilder();
        ObjectMapper json = new ObjectMapper();
        for (Path dir : dirs) {
            Path file = dir.resolve("summary.json");
            if (!Files.isRegularFile(file)) {
                throw new PerennialException(file + " not found; run 'perennial compare ... --out " + dir + "' first");
            }
            md.append(table(json.readTree(file.toFile())));
        }
        Files.writeString(out, md.toString());
        System.out.println("-> " + out);
        return 0;
    }

    static String table(JsonNode summary) {
        JsonNode metrics = summary.get("metrics");
        StringBuilder b = new StringBuilder();
        b.append("### ").append(summary.get("name").asText()).append("\n\n");
        b.append("Seeds ").append(summary.get("seeds")).append(". Command:\n\n```bash\n").append(summary.get("command").asText())
                .append("\n```\n\n");
        b.append("| strategy | ACC | BWT | forgetting | time per step / naive | once per experience |\n|---|---|---|---|---|---|\n");
        double naiveMs = metrics.path("ms_per_step").path("naive").path("mean").asDouble(Double.NaN);
        for (JsonNode s : summary.get("strategies")) {
            String name = s.asText();
            double ms = metrics.path("ms_per_step").path(name).path("mean").asDouble(Double.NaN);
            b.append("| ").append(name).append(" | ").append(cell(metrics, "average_accuracy", name)).append(" | ")
                    .append(cell(metrics, "bwt", name)).append(" | ").append(cell(metrics, "forgetting", name)).append(" | ")
                    .append(Double.isNaN(naiveMs) || Double.isNaN(ms) ? "n/a" : String.format(Locale.ROOT, "%.2f×", ms / naiveMs))
                    .append(" | ").append(String.format(Locale.ROOT, "%.1f s",
                            metrics.path("experience_seconds").path(name).path("mean").asDouble(0)))
                    .append(" |\n");
        }
        return b.append('\n').toString();
    }

    private static String cell(JsonNode metrics, String metric, String strategy) {
        JsonNode c = metrics.path(metric).path(strategy);
        JsonNode mean = c.path("mean");
        if (mean.isMissingNode() || mean.isNull() || !mean.isNumber() || Double.isNaN(mean.asDouble())) {
            return "n/a";
        }
        return String.format(Locale.ROOT, "%.3f ± %.3f", mean.asDouble(), c.path("std").asDouble());
    }
}
