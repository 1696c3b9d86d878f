package ai.perennial.cli.theory;

import ai.perennial.theory.TwoTaskModel;
import java.awt.Color;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code perennial theory two-task}: forgetting against task similarity in the orthogonal-transform model. */
@Command(name = "two-task", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Mean forgetting ‖X₁w₂ − y₁‖²/n of two tasks against their similarity α, over many trials.",
            "The second task is a random orthogonal transform of the first, identity on a fraction α of the coordinates."})
final class TwoTaskCommand extends TheoryCommand.Experiment {
    @Option(names = "--features", defaultValue = "200", description = "Parameters p. Default: ${DEFAULT-VALUE}")
    int features;

    @Option(names = "--samples", defaultValue = "2", description = "Samples n per task (n ≪ p: highly over-parameterized). Default: ${DEFAULT-VALUE}")
    int samples;

    @Option(names = "--similarities", split = ",", defaultValue = "0,0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,1",
            description = "Similarities α to evaluate. Default: ${DEFAULT-VALUE}")
    double[] similarities;

    @Option(names = "--trials", defaultValue = "300", description = "Trials per α. Default: ${DEFAULT-VALUE}")
    int trials;

    @Option(names = "--transform", defaultValue = "permutation", description = "haar or permutation. Default: ${DEFAULT-VALUE}")
    String transform;

    @Option(names = "--seed", defaultValue = "1", description = "Seed. Default: ${DEFAULT-VALUE}")
    long seed;

    @Option(names = "--out", required = true, description = "Output directory")
    Path out;

    @picocli.CommandLine.Mixin
    ai.perennial.cli.TensorBoardOption tensorboard;

    @Override
    int execute() {
        List<TwoTaskModel.Point> points = TwoTaskModel.sweep(features, samples, similarities, trials,
                TwoTaskModel.Transform.parse(transform), seed);
        int n = points.size();
        double[] alpha = new double[n];
        double[] mean = new double[n];
        double[] se = new double[n];
        int peak = 0;
        for (int i = 0; i < n; i++) {
            alpha[i] = points.get(i).similarity();
            mean[i] = points.get(i).mean();
            se[i] = points.get(i).standardError();
            if (mean[i] > mean[peak]) {
                peak = i;
            }
        }
        TheoryOutput output = new TheoryOutput(out, tensorboard.prepared());
        Map<String, double[]> columns = new LinkedHashMap<>();
        columns.put("similarity", alpha);
        columns.put("forgetting_mean", mean);
        columns.put("forgetting_standard_error", se);
        output.csv("forgetting.csv", columns);
        double[] lo = new double[n];
        double[] hi = new double[n];
        for (int i = 0; i < n; i++) {
            lo[i] = mean[i] - 1.96 * se[i];
            hi[i] = mean[i] + 1.96 * se[i];
        }
        Color blue = new Color(31, 119, 180);
        output.chart("plot.png", String.format(Locale.ROOT, "Two-task forgetting, p=%d, n=%d (%s, %d trials)", features, samples,
                transform, trials), "task similarity α", "forgetting", false,
                List.of(TheoryOutput.Line.of("forgetting", alpha, mean, blue), TheoryOutput.Line.edge("lower", alpha, lo, blue),
                        TheoryOutput.Line.edge("upper", alpha, hi, blue)));
        boolean interior = peak > 0 && peak < n - 1;
        Map<String, Object> results = new LinkedHashMap<>();
        results.put("experiment", "two-task");
        results.put("features", features);
        results.put("samples", samples);
        results.put("overparameterization", 1 - samples / (double) features);
        results.put("transform", transform);
        results.put("trials", trials);
        results.put("points", points);
        results.put("peak_similarity", alpha[peak]);
        results.put("peak_is_interior", interior);
        output.result(Map.of("args", args()), seed, args(), results);
        System.out.printf(Locale.ROOT, "p=%d n=%d: forgetting peaks at α=%.2f (%.4g ± %.2g)%s -> %s%n", features, samples,
                alpha[peak], mean[peak], se[peak], interior ? ", an intermediate similarity" : "", out);
        return 0;
    }
}
