package ai.perennial.cli.theory;

import ai.perennial.theory.ContinualRegression;
import ai.perennial.theory.Instances;
import ai.perennial.theory.Learner;
import ai.perennial.theory.Ordering;
import ai.perennial.theory.TaskCollection;
import ai.perennial.theory.TheoryException;
import java.util.Arrays;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code perennial theory bench}: learner iterations per second (the O(d·r) update, measures off). */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Iterations per second of the projection learner on Gaussian tasks, random ordering (setup timed separately).")
final class TheoryBenchCommand extends TheoryCommand.Experiment {
    @Option(names = "--dim", defaultValue = "1000", description = "Dimension d. Default: ${DEFAULT-VALUE}")
    int dim;

    @Option(names = "--tasks", defaultValue = "50", description = "Gaussian tasks T. Default: ${DEFAULT-VALUE}")
    int tasks;

    @Option(names = "--rank", defaultValue = "20", description = "Rank r of each task. Default: ${DEFAULT-VALUE}")
    int rank;

    @Option(names = "--iterations", defaultValue = "200000", description = "Iterations per timed run. Default: ${DEFAULT-VALUE}")
    int iterations;

    @Option(names = "--runs", defaultValue = "5", description = "Timed runs (after one warm-up); the median is reported. Default: ${DEFAULT-VALUE}")
    int runs;

    @Override
    int execute() {
        if (iterations < 1 || runs < 1) {
            throw new TheoryException("--iterations and --runs must be positive");
        }
        long start = System.nanoTime();
        TaskCollection c = Instances.gaussian(tasks, dim, rank, 1);
        double setup = (System.nanoTime() - start) / 1e9;
        ContinualRegression sim = new ContinualRegression(c, Learner.projection(), Ordering.RANDOM_WITH_REPLACEMENT);
        sim.fitOnly(0, Math.min(iterations, 20_000));
        double[] rates = new double[runs];
        double sink = 0;
        for (int r = 0; r < runs; r++) {
            long t0 = System.nanoTime();
            double[] w = sim.fitOnly(r + 1, iterations);
            rates[r] = iterations / ((System.nanoTime() - t0) / 1e9);
            sink += w[0];
        }
        Arrays.sort(rates);
        double median = rates[runs / 2];
        double perIteration = 1e9 / median;
        double dr = c.dim() * c.averageRank();
        System.out.printf(Locale.ROOT, "d=%d T=%d r=%.0f: %,.0f iterations/s (median of %d runs of %,d; range %,.0f–%,.0f), "
                + "%.2f µs/iteration = %.2f ns per d·r; setup (generation, SVDs, w*) %.2f s%s%n", c.dim(), c.size(), c.averageRank(),
                median, runs, iterations, rates[0], rates[runs - 1], perIteration / 1e3, perIteration / dr, setup,
                Double.isNaN(sink) ? " (diverged)" : "");
        return 0;
    }
}
