package ai.perennial.cli.theory;

import ai.perennial.theory.Band;
import ai.perennial.theory.GaussianTeachers;
import ai.perennial.theory.TheoryException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code perennial theory gaussian}: the closed-form expected errors against Monte Carlo. */
@Command(name = "gaussian", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Gaussian over-parameterized continual regression with distinct teachers and label noise.",
            "Closed-form E[‖w_t − w*_i‖²], forgetting and generalization against Monte Carlo (z = (MC − exact)/s.e.)."})
final class GaussianCommand extends TheoryCommand.Experiment {
    @Option(names = "--features", defaultValue = "40", description = "Parameters p (≥ n + 2). Default: ${DEFAULT-VALUE}")
    int features;

    @Option(names = "--samples", defaultValue = "10", description = "Samples n per task. Default: ${DEFAULT-VALUE}")
    int samples;

    @Option(names = "--tasks", defaultValue = "4", description = "Tasks T. Default: ${DEFAULT-VALUE}")
    int tasks;

    @Option(names = "--noise", defaultValue = "0.5", description = "Label noise σ. Default: ${DEFAULT-VALUE}")
    double noise;

    @Option(names = "--similarity", defaultValue = "0.5", description = "Teacher similarity ρ in [0, 1]. Default: ${DEFAULT-VALUE}")
    double similarity;

    @Option(names = "--trials", defaultValue = "4000", description = "Monte Carlo trials. Default: ${DEFAULT-VALUE}")
    int trials;

    @Option(names = "--seed", defaultValue = "1", description = "Seed (teachers and data). Default: ${DEFAULT-VALUE}")
    long seed;

    @Option(names = "--out", required = true, description = "Output directory")
    Path out;

    @picocli.CommandLine.Mixin
    ai.perennial.cli.TensorBoardOption tensorboard;

    @Override
    int execute() {
        if (tasks < 1 || trials < 2) {
            throw new TheoryException("--tasks must be ≥ 1 and --trials ≥ 2, got " + tasks + " and " + trials);
        }
        GaussianTeachers model = new GaussianTeachers(GaussianTeachers.teachers(tasks, features, similarity, seed), samples, noise);
        double[][] exact = model.expectedErrors();
        double[][] sum = new double[tasks][tasks];
        double[][] sumSq = new double[tasks][tasks];
        double[] forgetting = new double[2];
        double[] generalization = new double[2];
        Random random = new Random(seed + 1);
        for (int n = 0; n < trials; n++) {
            double[][] e = model.sample(random);
            for (int t = 0; t < tasks; t++) {
                for (int i = 0; i < tasks; i++) {
                    sum[t][i] += e[t][i];
                    sumSq[t][i] += e[t][i] * e[t][i];
                }
            }
            accumulate(forgetting, GaussianTeachers.forgetting(e));
            accumulate(generalization, GaussianTeachers.generalization(e));
        }
        int cells = tasks * tasks;
        double[] step = new double[cells];
        double[] task = new double[cells];
        double[] closed = new double[cells];
        double[] mc = new double[cells];
        double[] se = new double[cells];
        double[] z = new double[cells];
        double maxZ = 0;
        for (int t = 0; t < tasks; t++) {
            for (int i = 0; i < tasks; i++) {
                int c = t * tasks + i;
                step[c] = t + 1;
                task[c] = i + 1;
                closed[c] = exact[t][i];
                mc[c] = sum[t][i] / trials;
                se[c] = Band.standardError(sum[t][i], sumSq[t][i], trials);
                z[c] = (mc[c] - closed[c]) / se[c];
                maxZ = Math.max(maxZ, Math.abs(z[c]));
            }
        }
        TheoryOutput output = new TheoryOutput(out, tensorboard.prepared());
        Map<String, double[]> columns = new LinkedHashMap<>();
        columns.put("t", step);
        columns.put("task", task);
        columns.put("closed_form", closed);
        columns.put("monte_carlo_mean", mc);
        columns.put("monte_carlo_standard_error", se);
        columns.put("z", z);
        output.csv("errors.csv", columns);
        Map<String, Object> results = new LinkedHashMap<>();
        results.put("experiment", "gaussian");
        results.put("features", features);
        results.put("samples", samples);
        results.put("tasks", tasks);
        results.put("noise", noise);
        results.put("similarity", similarity);
        results.put("trials", trials);
        results.put("final_errors_closed_form", exact[tasks - 1]);
        results.put("final_errors_monte_carlo", java.util.Arrays.copyOfRange(mc, (tasks - 1) * tasks, cells));
        results.put("forgetting", summary(GaussianTeachers.forgetting(exact), forgetting, trials));
        results.put("generalization", summary(GaussianTeachers.generalization(exact), generalization, trials));
        results.put("max_abs_z", maxZ);
        output.result(Map.of("args", args()), seed, args(), results);
        System.out.printf(Locale.ROOT, "final errors: closed form %s, Monte Carlo %s; forgetting %.4g vs %.4g ± %.2g; max |z| %.2f over %d cells -> %s%n",
                format(exact[tasks - 1]), format(java.util.Arrays.copyOfRange(mc, (tasks - 1) * tasks, cells)),
                GaussianTeachers.forgetting(exact), forgetting[0] / trials, Band.standardError(forgetting[0], forgetting[1], trials), maxZ, cells, out);
        return 0;
    }

    private static void accumulate(double[] sums, double value) {
        sums[0] += value;
        sums[1] += value * value;
    }

    private static Map<String, Double> summary(double closed, double[] sums, int n) {
        return Map.of("closed_form", closed, "monte_carlo_mean", sums[0] / n, "monte_carlo_standard_error", Band.standardError(sums[0], sums[1], n));
    }

    private static String format(double[] v) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < v.length; i++) {
            b.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.2f", v[i]));
        }
        return b.append(']').toString();
    }
}
