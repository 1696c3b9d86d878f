package ai.perennial.cli.theory;

import ai.perennial.theory.Band;
import ai.perennial.theory.Bounds;
import ai.perennial.theory.Checkpoints;
import ai.perennial.theory.Ordering;
import ai.perennial.theory.RateFit;
import ai.perennial.theory.SeparableClassification;
import ai.perennial.theory.TheoryException;
import ai.perennial.theory.Trajectory;
import java.awt.Color;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code perennial theory classification}: sequential max-margin projections on separable tasks. */
@Command(name = "classification", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Continual linear classification on jointly separable tasks (sequential max-margin projection).",
            "Squared-hinge forgetting over seeds (Hildreth's method), its decay exponent and the k^-1/4 bound shape."})
final class ClassificationCommand extends TheoryCommand.Experiment {
    @Option(names = "--tasks", defaultValue = "20", description = "Tasks T. Default: ${DEFAULT-VALUE}")
    int tasks;

    @Option(names = "--dim", defaultValue = "30", description = "Dimension d. Default: ${DEFAULT-VALUE}")
    int dim;

    @Option(names = "--points", defaultValue = "10", description = "Points per task. Default: ${DEFAULT-VALUE}")
    int points;

    @Option(names = "--margin", defaultValue = "0.1", description = "Minimum |uᵀx| of kept points (teacher margin). Default: ${DEFAULT-VALUE}")
    double margin;

    @Option(names = "--iterations", defaultValue = "10000", description = "Iterations k. Default: ${DEFAULT-VALUE}")
    int iterations;

    @Option(names = "--ordering", defaultValue = "random", description = "cyclic, random or without-replacement. Default: ${DEFAULT-VALUE}")
    String ordering;

    @Option(names = "--seeds", defaultValue = "10", description = "Orderings to average. Default: ${DEFAULT-VALUE}")
    int seeds;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the tasks and the first ordering. Default: ${DEFAULT-VALUE}")
    long seed;

    @Option(names = "--out", required = true, description = "Output directory")
    Path out;

    @picocli.CommandLine.Mixin
    ai.perennial.cli.TensorBoardOption tensorboard;

    @Override
    int execute() {
        if (seeds < 1) {
            throw new TheoryException("--seeds must be at least 1, got " + seeds);
        }
        SeparableClassification problem = SeparableClassification.generate(tasks, dim, points, margin, seed);
        Ordering order = Ordering.parse(ordering);
        long[] k = Checkpoints.logSpaced(iterations);
        List<Trajectory> runs = problem.runSeeds(order, seed, seeds, k);
        Band forgetting = Band.over(runs, Trajectory::forgetting);
        double[] x = TheoryOutput.toDouble(k);
        double[] bound = new double[k.length];
        for (int j = 0; j < k.length; j++) {
            bound[j] = Bounds.classification(k[j]);
        }
        TheoryOutput output = new TheoryOutput(out, tensorboard.prepared());
        Map<String, double[]> columns = new LinkedHashMap<>();
        columns.put("k", x);
        TheoryOutput.put(columns, "forgetting", forgetting);
        columns.put("bound_shape", bound);
        output.csv("curves.csv", columns);
        List<TheoryOutput.Line> lines = new ArrayList<>();
        TheoryOutput.band(lines, "squared-hinge forgetting", x, forgetting, new Color(31, 119, 180));
        lines.add(TheoryOutput.Line.bound("k^-1/4", x, bound, Color.GRAY));
        output.chart("plot.png", String.format(Locale.ROOT, "Separable classification, T=%d d=%d, %s ordering (%d seeds)", tasks, dim,
                order.id(), seeds), "iteration k", "forgetting", true, lines);
        Object fit = RegressionCommand.fit(k, runs, Trajectory::forgetting, Math.max(10, iterations / 100), iterations);
        Map<String, Object> results = new LinkedHashMap<>();
        results.put("experiment", "classification");
        results.put("tasks", tasks);
        results.put("dim", dim);
        results.put("points", points);
        results.put("margin", margin);
        results.put("ordering", order.id());
        results.put("iterations", iterations);
        results.put("seeds", seeds);
        results.put("final_forgetting", forgetting.mean()[k.length - 1]);
        results.put("fit", fit);
        output.result(Map.of("args", args()), seed, args(), results);
        System.out.printf(Locale.ROOT, "k=%d: forgetting %.4g (mean of %d seeds); slope %s -> %s%n", iterations,
                forgetting.mean()[k.length - 1], seeds, fit instanceof RateFit r
                        ? String.format(Locale.ROOT, "%.3f [%.3f, %.3f]", r.slope(), r.lower(), r.upper()) : "not fitted", out);
        return 0;
    }
}
