package ai.perennial.cli.theory;

import ai.perennial.theory.Band;
import ai.perennial.theory.Bounds;
import ai.perennial.theory.Checkpoints;
import ai.perennial.theory.ContinualRegression;
import ai.perennial.theory.ExpectedLoss;
import ai.perennial.theory.Learner;
import ai.perennial.theory.Ordering;
import ai.perennial.theory.RateFit;
import ai.perennial.theory.RegularizationSchedule;
import ai.perennial.theory.StepBudget;
import ai.perennial.theory.TaskCollection;
import ai.perennial.theory.TheoryException;
import ai.perennial.theory.Trajectory;
import java.awt.Color;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code perennial theory regression}: forgetting and loss curves over seeds, rate fits, published bounds. */
@Command(name = "regression", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Continual linear regression on jointly realizable tasks: a learner over an ordering, for many seeds.",
            "Writes curves.csv, plot.png (log-log, with the published bound shapes) and result.json (fitted exponents)."})
final class RegressionCommand extends TheoryCommand.Experiment {
    @Mixin
    InstanceOptions instance = new InstanceOptions();

    @Option(names = "--learner", defaultValue = "projection",
            description = "projection (fit to convergence), ridge (ℓ2 to previous weights) or gd (K gradient steps). Default: ${DEFAULT-VALUE}")
    String learner;

    @Option(names = "--lambda", defaultValue = "fixed:1",
            description = "ridge strength: fixed:VALUE, sqrt[:SCALE], linear[:SCALE], harmonic[:SCALE] (scale default R²). Default: ${DEFAULT-VALUE}")
    String lambda;

    @Option(names = "--eta", description = "gd step size (default 1/R²)")
    Double eta;

    @Option(names = "--steps", defaultValue = "fixed:10", description = "gd step budget: fixed:K or decreasing:K0 (K_t = K0/√t). Default: ${DEFAULT-VALUE}")
    String steps;

    @Option(names = "--ordering", defaultValue = "random",
            description = "cyclic, random (with replacement) or without-replacement (one pass, k ≤ T). Default: ${DEFAULT-VALUE}")
    String ordering;

    @Option(names = "--iterations", defaultValue = "1000", description = "Iterations k. Default: ${DEFAULT-VALUE}")
    int iterations;

    @Option(names = "--seeds", defaultValue = "20", description = "Orderings (seeds) to average. Default: ${DEFAULT-VALUE}")
    int seeds;

    @Option(names = "--seed", defaultValue = "1", description = "First ordering seed. Default: ${DEFAULT-VALUE}")
    long seed;

    @Option(names = "--fit-from", description = "First iteration of the rate-fit window (default k/100, at least 10)")
    Long fitFrom;

    @Option(names = "--fit-to", description = "Last iteration of the rate-fit window (default k)")
    Long fitTo;

    @Option(names = "--exact", description = "Also compute the exact expected loss (with-replacement ordering; O(T·d²·r) per iteration, d ≤ 60)")
    boolean exact;

    @Option(names = "--out", required = true, description = "Output directory")
    Path out;

    @picocli.CommandLine.Mixin
    ai.perennial.cli.TensorBoardOption tensorboard;

    @Override
    int execute() {
        if (seeds < 1) {
            throw new TheoryException("--seeds must be at least 1, got " + seeds);
        }
        long start = System.nanoTime();
        TaskCollection c = instance.build();
        Ordering order = Ordering.parse(ordering);
        order.check(c.size(), iterations);
        Learner l = learner(c);
        long[] k = Checkpoints.logSpaced(iterations);
        System.err.printf("%s: T=%d d=%d r=%.1f R=%.3g, %s, %s ordering, k=%d, %d seeds%n", instance.family, c.size(), c.dim(),
                c.averageRank(), c.scale(), l.describe(), order.id(), iterations, seeds);
        List<Trajectory> runs = new ContinualRegression(c, l, order).runSeeds(seed, seeds, k);
        double normalizer = c.lossScale();
        Function<Trajectory, double[]> normalizedForgetting = t -> TheoryOutput.scale(t.forgetting(), 1 / normalizer);
        Band forgetting = Band.over(runs, normalizedForgetting);
        Band loss = Band.over(runs, Trajectory::normalizedLoss);
        Band distance = Band.over(runs, Trajectory::distance);
        double[] bound = new double[k.length];
        double[] lower = new double[k.length];
        for (int j = 0; j < k.length; j++) {
            bound[j] = order == Ordering.RANDOM_WITHOUT_REPLACEMENT ? Bounds.withoutReplacement(k[j], c.dim(), c.averageRank())
                    : Bounds.withReplacement(k[j], c.dim(), c.averageRank(), c.size());
            lower[j] = Bounds.lower(k[j]);
        }
        Map<String, double[]> columns = new LinkedHashMap<>();
        columns.put("k", TheoryOutput.toDouble(k));
        TheoryOutput.put(columns, "normalized_forgetting", forgetting);
        TheoryOutput.put(columns, "normalized_loss", loss);
        TheoryOutput.put(columns, "distance", distance);
        columns.put("upper_bound_shape", bound);
        columns.put("lower_bound_shape", lower);
        double[] exactLoss = null;
        if (exact) {
            if (order != Ordering.RANDOM_WITH_REPLACEMENT || c.dim() > 60) {
                throw new TheoryException("--exact needs --ordering random and --dim ≤ 60 (it costs O(T·d²·r) per iteration)");
            }
            exactLoss = TheoryOutput.scale(ExpectedLoss.averageLoss(c, l, k), 1 / normalizer);
            columns.put("exact_normalized_loss", exactLoss);
        }
        TheoryOutput output = new TheoryOutput(out, tensorboard.prepared());
        output.csv("curves.csv", columns);

        long from = fitFrom != null ? fitFrom : Math.max(10, iterations / 100);
        long to = fitTo != null ? fitTo : iterations;
        Map<String, Object> fits = new LinkedHashMap<>();
        fits.put("normalized_forgetting", fit(k, runs, normalizedForgetting, from, to));
        fits.put("normalized_loss", fit(k, runs, Trajectory::normalizedLoss, from, to));

        double[] x = TheoryOutput.toDouble(k);
        List<TheoryOutput.Line> lines = new ArrayList<>();
        TheoryOutput.band(lines, "forgetting", x, forgetting, new Color(31, 119, 180));
        TheoryOutput.band(lines, "loss (all tasks)", x, loss, new Color(255, 127, 14));
        if (exactLoss != null) {
            lines.add(TheoryOutput.Line.of("exact E[loss]", x, exactLoss, new Color(44, 160, 44)));
        }
        lines.add(TheoryOutput.Line.bound(order == Ordering.RANDOM_WITHOUT_REPLACEMENT ? "min(k^-1/4, (d-r)/k)"
                : "min(k^-1/4, sqrt(d-r)/k, sqrt(Tr)/k)", x, bound, Color.GRAY));
        lines.add(TheoryOutput.Line.bound("1/k (lower bound)", x, lower, Color.LIGHT_GRAY));
        output.chart("plot.png", String.format(Locale.ROOT, "%s, %s, %s ordering (mean and 95%% band over %d seeds)",
                instance.family, l.describe(), order.id(), seeds), "iteration k", "loss / (R²‖w*‖²)", true, lines);

        Map<String, Object> results = new LinkedHashMap<>();
        results.put("experiment", "regression");
        results.put("instance", instance.describe(c));
        results.put("learner", l.describe());
        results.put("ordering", order.id());
        results.put("iterations", iterations);
        results.put("seeds", seeds);
        int last = k.length - 1;
        Map<String, Object> finals = new LinkedHashMap<>();
        finals.put("normalized_forgetting", forgetting.mean()[last]);
        finals.put("normalized_loss", loss.mean()[last]);
        finals.put("distance", distance.mean()[last]);
        if (exactLoss != null) {
            finals.put("exact_normalized_loss", exactLoss[last]);
        }
        results.put("final", finals);
        results.put("fits", fits);
        results.put("bound_at_k", bound[last]);
        results.put("wall_seconds", (System.nanoTime() - start) / 1e9);
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("args", args());
        output.result(config, seed, args(), results);
        System.out.printf(Locale.ROOT, "k=%d: forgetting %.4g, loss %.4g, distance %.4g (normalized, mean of %d seeds)%s; slopes %s -> %s%n",
                iterations, forgetting.mean()[last], loss.mean()[last], distance.mean()[last], seeds,
                exactLoss == null ? "" : String.format(Locale.ROOT, ", exact E[loss] %.4g", exactLoss[last]), describeFits(fits), out);
        return 0;
    }

    private Learner learner(TaskCollection c) {
        double r2 = c.scale() * c.scale();
        return switch (learner.toLowerCase(Locale.ROOT)) {
            case "projection" -> Learner.projection();
            case "ridge" -> Learner.ridge(RegularizationSchedule.parse(lambda, r2));
            case "gd" -> Learner.gradientSteps(eta != null ? eta : 1 / r2, StepBudget.parse(steps));
            default -> throw new TheoryException("unknown --learner '" + learner + "'; use projection, ridge or gd");
        };
    }

    /** The rate fit, or {@code not_fitted} with the reason (e.g. the measure reached exactly zero). */
    static Object fit(long[] k, List<Trajectory> runs, Function<Trajectory, double[]> measure, long from, long to) {
        double[][] values = new double[runs.size()][];
        for (int s = 0; s < runs.size(); s++) {
            values[s] = measure.apply(runs.get(s));
        }
        try {
            return RateFit.fit(k, values, from, to, 1);
        } catch (TheoryException e) {
            return Map.of("not_fitted", e.getMessage());
        }
    }

    private static String describeFits(Map<String, Object> fits) {
        StringBuilder b = new StringBuilder();
        fits.forEach((name, f) -> {
            b.append(b.length() == 0 ? "" : ", ").append(name.replace("normalized_", "")).append(' ');
            b.append(f instanceof RateFit r ? String.format(Locale.ROOT, "%.3f [%.3f, %.3f]", r.slope(), r.lower(), r.upper()) : "not fitted");
        });
        return b.toString();
    }
}
