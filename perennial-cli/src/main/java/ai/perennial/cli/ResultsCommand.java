package ai.perennial.cli;

import ai.perennial.cl.experiment.ExperimentResult;
import ai.perennial.cl.strategy.Naive;
import ai.perennial.core.PerennialException;
import ai.perennial.core.run.ResultWriter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code perennial results DIR...}: a markdown reproduction table from {@code compare} outputs. */
@Command(name = "results", mixinStandardHelpOptions = true,
        description = "Render mean ± std of ACC, BWT and forgetting, and per-step time relative to naive, from compare output directories.")
public final class ResultsCommand implements Callable<Integer> {
    @Parameters(paramLabel = "DIR", description = "compare --out directories (summary.json, or the finished runs of an interrupted compare)")
    List<Path> dirs;

    @Option(names = "--out", required = true, description = "Markdown file to write")
    Path out;

    @Option(names = "--plasticity", description = "Render the plasticity table of long streams instead: first and last ten experiences'"
            + " accuracy, their drop and the slope with 95%% bootstrap intervals over seeds, diagnostics at the end; the accuracy figure"
            + " goes to NAME-accuracy.svg beside the markdown")
    boolean plasticity;

    @Override
    public Integer call() throws IOException {
        OutputDir.writableFile(out);
        StringBuilder md = new StringBuilder();
        ObjectMapper json = new ObjectMapper();
        if (plasticity) {
            String name = out.getFileName().toString().replaceFirst("\\.md$", "");
            md.append(PlasticityTable.render(dirs, json, out.resolveSibling(name + "-accuracy.svg")));
        }
        for (Path dir : plasticity ? List.<Path>of() : dirs) {
            Path file = dir.resolve("summary.json");
            md.append(table(Files.isRegularFile(file) ? json.readTree(file.toFile()) : fromRuns(dir, json)));
        }
        ResultWriter.writeText(out, md.toString());
        System.out.println("-> " + out);
        return 0;
    }

    static String table(JsonNode summary) {
        JsonNode metrics = summary.get("metrics");
        StringBuilder b = new StringBuilder();
        b.append("### ").append(Text.markdown(summary.get("name").asText())).append("\n\n");
        b.append("Seeds ").append(summary.get("seeds")).append(". Command:\n\n```bash\n").append(Text.printable(summary.get("command").asText()).replace("```", "` ``"))
                .append("\n```\n\n");
        if (summary.has("rebuilt_from_runs")) {
            b.append(Text.markdown(summary.get("rebuilt_from_runs").asText())).append("\n\n");
        }
        b.append("| strategy | ACC | BWT | forgetting | time per step / naive | once per experience |\n|---|---|---|---|---|---|\n");
        double naiveMs = metrics.path("ms_per_step").path(Naive.NAIVE.name()).path("mean").asDouble(Double.NaN);
        for (JsonNode s : summary.get("strategies")) {
            String name = s.asText();
            double ms = metrics.path("ms_per_step").path(name).path("mean").asDouble(Double.NaN);
            b.append("| ").append(Text.markdown(name)).append(" | ").append(cell(metrics, "average_accuracy", name)).append(" | ")
                    .append(cell(metrics, "bwt", name)).append(" | ").append(cell(metrics, "forgetting", name)).append(" | ")
                    .append(Double.isNaN(naiveMs) || Double.isNaN(ms) ? "n/a" : String.format(Locale.ROOT, "%.2f×", ms / naiveMs))
                    .append(" | ").append(String.format(Locale.ROOT, "%.1f s",
                            metrics.path("experience_seconds").path(name).path("mean").asDouble(0)))
                    .append(" |\n");
        }
        return b.append('\n').toString();
    }

    /**
     * A summary rebuilt from the per-run results of a compare directory without summary.json (an interrupted or still
     * running comparison): every DIR/STRATEGY/seed-N/result.json found, strategies in the command's order.
     */
    static JsonNode fromRuns(Path dir, ObjectMapper json) throws IOException {
        Map<String, Map<Long, JsonNode>> runs = runs(dir, json);
        Map<String, Map<Long, Map<String, Object>>> ordered = new LinkedHashMap<>();
        Set<Long> seeds = new TreeSet<>();
        int count = 0;
        for (Map.Entry<String, Map<Long, JsonNode>> e : runs.entrySet()) {
            for (Map.Entry<Long, JsonNode> run : e.getValue().entrySet()) {
                Map<String, Object> values = new LinkedHashMap<>();
                for (String metric : ExperimentResult.METRICS) {
                    if (run.getValue().path(metric).isNumber()) {
                        values.put(metric, run.getValue().get(metric).asDouble());
                    }
                }
                ordered.computeIfAbsent(e.getKey(), k -> new TreeMap<>()).put(run.getKey(), values);
                seeds.add(run.getKey());
                count++;
            }
        }
        JsonNode first = runs.values().iterator().next().values().iterator().next();
        ObjectNode summary = json.createObjectNode();
        summary.put("name", first.path("name").asText(dir.getFileName().toString()));
        summary.put("command", first.at("/provenance/command").asText(""));
        summary.set("strategies", json.valueToTree(List.copyOf(ordered.keySet())));
        summary.set("seeds", json.valueToTree(seeds));
        summary.set("metrics", ResultWriter.JSON.valueToTree(CompareCommand.summarize(ordered)));
        StringBuilder counts = new StringBuilder();
        ordered.forEach((s, bySeed) -> counts.append(counts.length() == 0 ? "" : ", ").append(s).append(' ').append(bySeed.size()));
        summary.put("rebuilt_from_runs", "Rebuilt from the " + count + " finished runs in " + dir + " (no summary.json); seeds per strategy: "
                + counts + ".");
        return summary;
    }

    /**
     * Every finished run of a compare directory, DIR/STRATEGY/seed-N/result.json: strategy → seed → result, strategies in
     * the order of the compare command (then any others by name), seeds in order.
     */
    static Map<String, Map<Long, JsonNode>> runs(Path dir, ObjectMapper json) throws IOException {
        Map<String, Map<Long, JsonNode>> found = new TreeMap<>();
        String command = "";
        if (Files.isDirectory(dir)) {
            try (DirectoryStream<Path> strategies = Files.newDirectoryStream(dir, Files::isDirectory)) {
                for (Path strategy : strategies) {
                    try (DirectoryStream<Path> seedDirs = Files.newDirectoryStream(strategy, "seed-*")) {
                        for (Path seedDir : seedDirs) {
                            Path result = seedDir.resolve("result.json");
                            if (!Files.isRegularFile(result)) {
                                continue;
                            }
                            JsonNode r = json.readTree(result.toFile());
                            long seed = Long.parseLong(seedDir.getFileName().toString().substring("seed-".length()));
                            found.computeIfAbsent(strategy.getFileName().toString(), k -> new TreeMap<>()).put(seed, r);
                            command = r.at("/provenance/command").asText("");
                        }
                    }
                }
            }
        }
        if (found.isEmpty()) {
            throw new PerennialException(dir.resolve("summary.json") + " not found and no DIR/STRATEGY/seed-N/result.json runs under " + dir
                    + "; run 'perennial compare ... --out " + dir + "' first");
        }
        Map<String, Map<Long, JsonNode>> ordered = new LinkedHashMap<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("--strategies[ =](\\S+)").matcher(command);
        if (m.find()) {
            for (String s : m.group(1).split(",")) {
                if (found.containsKey(s)) {
                    ordered.put(s, found.get(s));
                }
            }
        }
        found.forEach(ordered::putIfAbsent);
        return ordered;
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
