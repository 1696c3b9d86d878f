package ai.perennial.cli.report;

import ai.perennial.cl.metrics.PlasticityDiagnostics;
import ai.perennial.cl.metrics.PlasticityPoint;
import ai.perennial.core.train.Scores;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The "plasticity" panel of a report: each experience's accuracy right after training on it, the online accuracy
 * during it, and the diagnostics at its end (dormant units, effective rank, weight and gradient norms), against the
 * experience index; one line per run or per strategy of a comparison (the mean over its seeds). Reads the
 * {@code plasticity} section of result.json, so finished and new runs draw alike.
 */
public final class PlasticityPanel {
    /** Names of the per-layer diagnostics, as result.json lists them. */
    public static final String DORMANT = "dormant_fraction";
    public static final String EFFECTIVE_RANK = "effective_rank";
    private static final int WEIGHT_NORM = PlasticityPoint.FIELDS.indexOf("weight_norm");

    private PlasticityPanel() {
    }

    /** The panel for {@code sections} (label → the plasticity section of each seed's result.json); empty when there is nothing to show. */
    public static String html(Map<String, List<JsonNode>> sections) {
        List<Svg.Series> taskEnd = new ArrayList<>(); // only to tell whether there is a stream to show
        List<Svg.Series> online = new ArrayList<>();
        List<Svg.Series> dormant = new ArrayList<>();
        List<Svg.Series> rank = new ArrayList<>();
        List<Svg.Series> weights = new ArrayList<>();
        List<Svg.Series> gradients = new ArrayList<>();
        double maxRank = 1;
        double maxWeight = 1e-9;
        double maxGradient = 1e-9;
        boolean diagnostics = false;
        for (Map.Entry<String, List<JsonNode>> e : sections.entrySet()) {
            String label = e.getKey();
            taskEnd.add(series(label, mean(e.getValue(), s -> values(s.get("task_end_accuracy")))));
            online.add(series(label, mean(e.getValue(), s -> values(s.get("online_accuracy")))));
            double[] d = mean(e.getValue(), s -> atExperienceEnds(s, p -> lastLayer(p, DORMANT)));
            double[] r = mean(e.getValue(), s -> atExperienceEnds(s, p -> lastLayer(p, EFFECTIVE_RANK)));
            double[] w = mean(e.getValue(), s -> atExperienceEnds(s, p -> layerNorm(p)));
            double[] g = mean(e.getValue(), s -> atExperienceEnds(s, p -> p.path("gradient_norm").asDouble(Double.NaN)));
            diagnostics |= d.length > 0;
            maxRank = Math.max(maxRank, max(r));
            maxWeight = Math.max(maxWeight, max(w));
            maxGradient = Math.max(maxGradient, max(g));
            dormant.add(series(label, d));
            rank.add(series(label, r));
            weights.add(series(label, w));
            gradients.add(series(label, g));
        }
        if (taskEnd.stream().allMatch(s -> s.x().length < 2)) {
            return "";
        }
        String score = scoreOf(sections);
        StringBuilder b = new StringBuilder("<h2>Plasticity</h2><p class='note'>Against the experience index: ").append(Svg.esc(score))
                .append(" on each experience's test set right after training on it, and the online ").append(Svg.esc(score))
                .append(" on its training batches (before each update: the prequential score). A falling line is lost plasticity. Diagnostics at the end of each experience on a probe batch of ")
                .append("its training data: dormant units and effective rank of the last hidden layer (the features the head reads), the norm ")
                .append("of all hidden weights, the mean gradient norm; definitions in docs/metrics.md.</p>");
        b.append(taskEndChart(sections, 1));
        double[] range = range(online, 0, 1);
        b.append(Svg.lineChart("online " + score + " during each experience", online, new long[0], "experience", score, range[0], range[1]));
        if (diagnostics) {
            b.append(Svg.lineChart("dormant units of the last hidden layer (τ = " + PlasticityDiagnostics.DORMANT_TAU + "), share", dormant, new long[0], "experience", "share", 0, 1));
            b.append(Svg.lineChart("effective rank of the last hidden layer's features", rank, new long[0], "experience", "effective rank", 0, maxRank * 1.05));
            b.append(Svg.lineChart("norm of the hidden weights", weights, new long[0], "experience", "‖W‖", 0, maxWeight * 1.05));
            b.append(Svg.lineChart("gradient norm (mean over the experience)", gradients, new long[0], "experience", "‖g‖", 0,
                    maxGradient * 1.05));
        }
        return b.toString();
    }

    /**
     * Task-end accuracy against the experience index, one line per label (mean over its seeds), each point the mean of
     * the {@code window} experiences ending there (1: the raw values): the figure of a long-stream comparison.
     */
    public static String taskEndChart(Map<String, List<JsonNode>> sections, int window) {
        List<Svg.Series> lines = new ArrayList<>();
        double low = 1;
        double high = 0;
        for (Map.Entry<String, List<JsonNode>> e : sections.entrySet()) {
            double[] y = mean(e.getValue(), s -> values(s.get("task_end_accuracy")));
            double[] smooth = new double[y.length];
            double sum = 0;
            for (int i = 0; i < y.length; i++) {
                sum += y[i] - (i >= window ? y[i - window] : 0);
                smooth[i] = sum / Math.min(i + 1, window);
                low = Math.min(low, smooth[i]);
                high = Math.max(high, smooth[i]);
            }
            lines.add(series(e.getKey(), smooth));
        }
        String score = scoreOf(sections);
        String title = score + " at the end of each experience" + (window > 1 ? " (mean of the last " + window + ")" : "");
        // the axis spans the data to the next tenth, so differences of a few points stay visible (within 0..1 for accuracy)
        boolean unit = score.equals(Scores.ACCURACY.name());
        double bottom = low > high ? 0 : Math.floor(low * 10) / 10;
        double top = low > high ? 1 : Math.ceil(high * 10) / 10;
        bottom = unit ? Math.max(0, bottom) : bottom;
        top = unit ? Math.min(1, top) : top;
        return Svg.lineChart(title, lines, new long[0], "experience", score, bottom, top > bottom ? top : bottom + 0.1);
    }

    /** The score the sections' values are (result.json's plasticity.score; accuracy for results written before scores). */
    private static String scoreOf(Map<String, List<JsonNode>> sections) {
        return sections.values().stream().flatMap(List::stream).map(s -> s.path("score").asText("")).filter(t -> !t.isEmpty())
                .findFirst().orElse(Scores.ACCURACY.name());
    }

    /** {@code [min, max]} of the series' finite values, widened to take in {@code [lo, hi]}. */
    private static double[] range(List<Svg.Series> series, double lo, double hi) {
        for (Svg.Series s : series) {
            for (double y : s.y()) {
                if (Double.isFinite(y)) {
                    lo = Math.min(lo, y);
                    hi = Math.max(hi, y);
                }
            }
        }
        return new double[] {lo, hi};
    }

    private static Svg.Series series(String label, double[] y) {
        double[] x = new double[y.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = i + 1;
        }
        return new Svg.Series(label, x, y);
    }

    /** The numbers of a JSON array (null or non-numeric entries as NaN; a missing array as none). */
    public static double[] values(JsonNode array) {
        if (array == null) {
            return new double[0];
        }
        double[] out = new double[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).isNumber() ? array.get(i).asDouble() : Double.NaN;
        }
        return out;
    }

    /** One value per training round of a result.json plasticity section: from the last diagnostic point of each round. */
    public static double[] atExperienceEnds(JsonNode section, ToDoubleFunction<JsonNode> value) {
        List<Double> out = new ArrayList<>();
        for (JsonNode p : section.path("diagnostics")) {
            int round = p.path("training_experience").asInt();
            while (out.size() <= round) {
                out.add(Double.NaN);
            }
            out.set(round, value.applyAsDouble(p));
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /**
     * One diagnostic (a name of {@link PlasticityPoint#FIELDS}) of the last hidden layer at a point: the features the
     * output head reads, where the literature reports dormancy and rank collapse.
     */
    public static double lastLayer(JsonNode point, String name) {
        JsonNode layers = point.path("layers");
        JsonNode last = null;
        for (JsonNode layer : layers) {
            last = layer;
        }
        JsonNode value = last == null ? null : last.get(PlasticityPoint.FIELDS.indexOf(name));
        return value == null || !value.isNumber() ? Double.NaN : value.asDouble();
    }

    /** √(Σ over layers of ‖W_l‖²). */
    private static double layerNorm(JsonNode point) {
        double sum = 0;
        for (JsonNode layer : point.path("layers")) {
            sum += Math.pow(layer.get(WEIGHT_NORM).asDouble(), 2);
        }
        return Math.sqrt(sum);
    }

    /** Element-wise mean over seeds, as long as the shortest. */
    private static double[] mean(List<JsonNode> sections, java.util.function.Function<JsonNode, double[]> extract) {
        List<double[]> all = sections.stream().map(extract).toList();
        int n = all.stream().mapToInt(a -> a.length).min().orElse(0);
        double[] out = new double[n];
        for (double[] a : all) {
            for (int i = 0; i < n; i++) {
                out[i] += a[i] / all.size();
            }
        }
        return out;
    }

    private static double max(double[] v) {
        double m = 0;
        for (double x : v) {
            if (!Double.isNaN(x)) {
                m = Math.max(m, x);
            }
        }
        return m;
    }
}
