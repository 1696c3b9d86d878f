package ai.perennial.cli.theory;

import ai.perennial.theory.ContinualRegression;
import ai.perennial.theory.Instances;
import ai.perennial.theory.Learner;
import ai.perennial.theory.Ordering;
import ai.perennial.theory.RegularizationSchedule;
import ai.perennial.theory.StepBudget;
import ai.perennial.theory.TaskCollection;
import ai.perennial.theory.TheoryException;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code perennial theory bench}: learner iterations per second (the O(d·r) update, measures off), beside a NumPy
 * reference of the same iteration on the same instance, timed runs of both alternating so that each ratio compares runs
 * made under the same machine load.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Iterations per second of the projection, ridge (fixed λ = 1) and K-step (K = 10, η = 1/R²) learners on "
            + "Gaussian tasks, random ordering (setup timed separately).",
            "When python3 with NumPy is on the PATH, the same iterations in NumPy (scripts/theory_numpy_bench.py) run in "
                + "alternation with Perennial's, at 1 and 2 BLAS threads, and the ratio is printed."})
final class TheoryBenchCommand extends TheoryCommand.Experiment {
    private static final double LAMBDA = 1;
    private static final long STEPS = 10;
    private static final int WARM_UP = 20_000;
    private static final int CHECK_ITERATIONS = 20; // early: every learner converges to w*, where any two methods agree
    private static final String[] FORMS = {"operator", "factors"};
    private static final int[] THREADS = {1, 2};

    @Option(names = "--dim", defaultValue = "1000", description = "Dimension d. Default: ${DEFAULT-VALUE}")
    int dim;

    @Option(names = "--tasks", defaultValue = "50", description = "Gaussian tasks T. Default: ${DEFAULT-VALUE}")
    int tasks;

    @Option(names = "--rank", defaultValue = "20", description = "Rank r of each task. Default: ${DEFAULT-VALUE}")
    int rank;

    @Option(names = "--learner", defaultValue = "all", description = "projection, ridge, gd or all. Default: ${DEFAULT-VALUE}")
    String learner;

    @Option(names = "--iterations", defaultValue = "20000", description = "Iterations per timed run. Default: ${DEFAULT-VALUE}")
    int iterations;

    @Option(names = "--runs", defaultValue = "5",
            description = "Timed rounds (after a warm-up), each one run of Perennial and of every NumPy variant; medians are reported. "
                    + "Default: ${DEFAULT-VALUE}")
    int runs;

    @Option(names = "--python", defaultValue = "python3", description = "Python with NumPy for the reference. Default: ${DEFAULT-VALUE}")
    String python;

    @Option(names = "--no-numpy", description = "Time Perennial only")
    boolean noNumpy;

    @Override
    int execute() {
        if (iterations < 1 || runs < 1) {
            throw new TheoryException("--iterations and --runs must be positive");
        }
        List<String> names = switch (learner.toLowerCase(Locale.ROOT)) {
            case "all" -> List.of("projection", "ridge", "gd");
            case "projection", "ridge", "gd" -> List.of(learner.toLowerCase(Locale.ROOT));
            default -> throw new TheoryException("unknown --learner '" + learner + "'; use projection, ridge, gd or all");
        };
        long start = System.nanoTime();
        TaskCollection c = Instances.gaussian(tasks, dim, rank, 1);
        double setup = (System.nanoTime() - start) / 1e9;
        double eta = 1 / (c.scale() * c.scale());
        Map<String, ContinualRegression> sims = new LinkedHashMap<>();
        for (String name : names) {
            Learner l = switch (name) {
                case "projection" -> Learner.projection();
                case "ridge" -> Learner.ridge(RegularizationSchedule.fixed(LAMBDA));
                default -> Learner.gradientSteps(eta, StepBudget.fixed(STEPS));
            };
            sims.put(name, new ContinualRegression(c, l, Ordering.RANDOM_WITH_REPLACEMENT));
        }
        System.out.printf(Locale.ROOT, "theory bench: d=%d T=%d r=%.0f, random ordering; one iteration visits a task and applies the "
                + "learner's update to w: r row products with w, then w minus a combination of the rows (2·d·r = %,.0f multiply-adds)%n",
                c.dim(), c.size(), c.averageRank(), 2 * c.dim() * c.averageRank());
        System.out.printf(Locale.ROOT, "Perennial: kernels %s; setup (generation, %d SVDs, w*) %.2f s%n", ContinualRegression.kernels(),
                c.size(), setup);

        int[] shared = Ordering.RANDOM_WITH_REPLACEMENT.sequence(c.size(), Math.max(iterations, CHECK_ITERATIONS), new Random(0));
        NumPyReference numpy = noNumpy ? null : startNumPy(c, shared, eta);
        try {
            if (numpy != null && !checkAgreement(numpy, sims, shared)) {
                numpy.close();
                numpy = null;
            }
            int[] warmUp = Ordering.RANDOM_WITH_REPLACEMENT.sequence(c.size(), WARM_UP, new Random(-1));
            for (Map.Entry<String, ContinualRegression> e : sims.entrySet()) { // JIT compilation; NumPy's first touch of its arrays
                e.getValue().fitOnly(warmUp);
                if (numpy != null && !timeNumPy(numpy, e.getKey(), Math.min(iterations, 2000), 0, null)) {
                    numpy.close();
                    numpy = null;
                }
            }
            ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
            Map<String, Rates> perennial = new LinkedHashMap<>();
            Map<String, Rates> reference = new LinkedHashMap<>(); // "learner form threads"
            double sink = 0;
            for (int round = 0; round < runs; round++) {
                for (Map.Entry<String, ContinualRegression> e : sims.entrySet()) {
                    int[] order = Ordering.RANDOM_WITH_REPLACEMENT.sequence(c.size(), iterations, new Random(round + 1));
                    long c0 = cpu.getCurrentThreadCpuTime();
                    long t0 = System.nanoTime();
                    double[] w = e.getValue().fitOnly(order);
                    long wall = System.nanoTime() - t0;
                    perennial.computeIfAbsent(e.getKey(), k -> new Rates(runs)).set(round, iterations / (wall / 1e9),
                            iterations / ((cpu.getCurrentThreadCpuTime() - c0) / 1e9));
                    sink += w[0];
                    if (numpy != null && !timeNumPy(numpy, e.getKey(), iterations, round, reference)) {
                        numpy.close();
                        numpy = null;
                        reference.clear();
                    }
                }
            }
            System.out.printf(Locale.ROOT, "%d rounds of %,d iterations%s; iterations/s of wall-clock time, median [min–max]:%n", runs,
                    iterations, reference.isEmpty() ? "" : ", Perennial's and NumPy's runs alternating");
            for (String name : sims.keySet()) {
                report(name, perennial.get(name), reference, c.dim() * c.averageRank());
            }
            if (Double.isNaN(sink)) {
                System.out.println("warning: a run diverged (NaN weights)");
            }
        } finally {
            if (numpy != null) {
                numpy.close();
            }
        }
        return 0;
    }

    /** One NumPy run per worker and form, its rates kept in {@code into} (discarded when null); false when NumPy failed. */
    private boolean timeNumPy(NumPyReference numpy, String name, int n, int round, Map<String, Rates> into) {
        try {
            for (NumPyReference.Worker worker : numpy.workers()) {
                for (String form : FORMS) {
                    double[] rate = NumPyReference.time(worker, name, form, n);
                    if (into != null) {
                        into.computeIfAbsent(name + " " + form + " " + worker.threads, k -> new Rates(runs)).set(round, rate[0], rate[1]);
                    }
                }
            }
            return true;
        } catch (NumPyReference.Failure f) {
            System.out.println("NumPy reference: stopped (" + f.getMessage() + "); Perennial only from here");
            return false;
        }
    }

    private NumPyReference startNumPy(TaskCollection c, int[] order, double eta) {
        String missing = NumPyReference.unavailable(python);
        if (missing != null) {
            System.out.println("NumPy reference: skipped (" + missing + ")");
            return null;
        }
        try {
            NumPyReference ref = NumPyReference.start(python, c, order, LAMBDA, STEPS, eta, THREADS);
            System.out.printf(Locale.ROOT, "%s, same instance and ordering, OPENBLAS_NUM_THREADS=1 and =2 in two workers; "
                    + "'operator': w ← w − A_m(X_m w − y_m) with a precomputed d×r gain A_m (the pseudo-inverse X_m⁺ for projection), "
                    + "'factors': w ← w − (φ⊙(V_m w − b_m))V_m on NumPy's SVD of X_m, as Perennial%n", ref.describe());
            return ref;
        } catch (IOException | NumPyReference.Failure e) {
            System.out.println("NumPy reference: skipped (" + e.getMessage() + ")");
            return null;
        }
    }

    /** NumPy's weights after the same first iterations, per learner and form, against Perennial's; false if they differ. */
    private static boolean checkAgreement(NumPyReference numpy, Map<String, ContinualRegression> sims, int[] shared) {
        int[] order = Arrays.copyOf(shared, CHECK_ITERATIONS);
        double worst = 0;
        try {
            for (Map.Entry<String, ContinualRegression> e : sims.entrySet()) {
                double[] ours = e.getValue().fitOnly(order);
                double scale = 0;
                for (double v : ours) {
                    scale = Math.max(scale, Math.abs(v));
                }
                for (String form : FORMS) {
                    double[] theirs = numpy.check(e.getKey(), form, CHECK_ITERATIONS);
                    if (theirs.length != ours.length) {
                        throw new NumPyReference.Failure("NumPy returned " + theirs.length + " weights, not " + ours.length);
                    }
                    for (int j = 0; j < ours.length; j++) {
                        worst = Math.max(worst, Math.abs(ours[j] - theirs[j]) / scale);
                    }
                }
            }
        } catch (NumPyReference.Failure f) {
            System.out.println("NumPy reference: skipped (" + f.getMessage() + ")");
            return false;
        }
        boolean agree = worst < 1e-9;
        System.out.printf(Locale.ROOT, "same computation: after %,d iterations NumPy's weights %s Perennial's to %.1e (largest difference "
                + "relative to max |w|, every learner and form)%s%n", CHECK_ITERATIONS, agree ? "equal" : "DIFFER from", worst,
                agree ? "" : "; NumPy left out");
        return agree;
    }

    /** Per-round rates of one configuration: wall-clock and CPU time of the timing thread(s). */
    private static final class Rates {
        final double[] wall;
        final double[] cpu;

        Rates(int runs) {
            wall = new double[runs];
            cpu = new double[runs];
        }

        void set(int round, double wallRate, double cpuRate) {
            wall[round] = wallRate;
            cpu[round] = cpuRate;
        }
    }

    private static void report(String name, Rates ours, Map<String, Rates> reference, double dr) {
        double median = median(ours.wall);
        System.out.printf(Locale.ROOT, "%-10s Perennial %s (%.2f µs/iteration, %.3f ns per d·r; CPU time %,.0f/s)%n", name,
                spread(ours.wall), 1e6 / median, 1e9 / median / dr, median(ours.cpu));
        if (reference.isEmpty()) {
            return;
        }
        List<String> parts = new ArrayList<>();
        for (String form : FORMS) {
            for (int threads : THREADS) {
                parts.add(String.format(Locale.ROOT, "%s %d thread%s %s", form, threads, threads == 1 ? "" : "s",
                        spread(reference.get(name + " " + form + " " + threads).wall)));
            }
        }
        System.out.printf(Locale.ROOT, "%-10s NumPy %s%n", "", String.join("; ", parts));
        System.out.printf(Locale.ROOT, "%-10s ratio vs NumPy's fastest %s; vs the operator form %s%n", "",
                ratio(ours, reference, name, FORMS), ratio(ours, reference, name, "operator"));
    }

    /**
     * Against the NumPy configuration (among {@code forms}, both thread counts) with the highest median: the ratio of
     * wall-clock medians with the range of per-round ratios (each from runs made back to back), then the ratio of CPU-time
     * medians, which other jobs on a shared machine disturb less (NumPy's CPU time counts all its BLAS threads, so its
     * best configuration is chosen separately).
     */
    private static String ratio(Rates ours, Map<String, Rates> reference, String learner, String... forms) {
        String wall = null;
        String cpu = null;
        for (String form : forms) {
            for (int threads : THREADS) {
                String key = learner + " " + form + " " + threads;
                if (wall == null || median(reference.get(key).wall) > median(reference.get(wall).wall)) {
                    wall = key;
                }
                if (cpu == null || median(reference.get(key).cpu) > median(reference.get(cpu).cpu)) {
                    cpu = key;
                }
            }
        }
        Rates theirs = reference.get(wall);
        double[] rounds = new double[ours.wall.length];
        for (int i = 0; i < rounds.length; i++) {
            rounds[i] = ours.wall[i] / theirs.wall[i];
        }
        Arrays.sort(rounds);
        return String.format(Locale.ROOT, "%.2f× (%s; per round %.2f–%.2f), CPU time %.2f× (%s)", median(ours.wall) / median(theirs.wall),
                label(wall), rounds[0], rounds[rounds.length - 1], median(ours.cpu) / median(reference.get(cpu).cpu), label(cpu));
    }

    private static String label(String key) {
        String[] p = key.split(" ");
        return p[1] + ", " + p[2] + " thread" + (p[2].equals("1") ? "" : "s");
    }

    private static String spread(double[] rates) {
        double[] s = rates.clone();
        Arrays.sort(s);
        return String.format(Locale.ROOT, "%,.0f [%,.0f–%,.0f]", median(rates), s[0], s[s.length - 1]);
    }

    private static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }
}
