package ai.perennial.theory;

import java.util.Random;

/**
 * Jointly realizable task collections: every target is y_m = X_m w̄ for one teacher w̄ ~ N(0, I/d), so w* (the
 * minimum-norm joint solution) exists and has zero loss on every task.
 */
public final class Instances {
    private Instances() {
    }

    /** T tasks of {@code rank} rows with i.i.d. N(0, 1) entries (generic; converges geometrically, a sanity check). */
    public static TaskCollection gaussian(int tasks, int dim, int rank, long seed) {
        check(tasks, dim, rank);
        Random random = new Random(seed);
        double[][][] x = new double[tasks][rank][dim];
        for (double[][] task : x) {
            for (double[] row : task) {
                fill(row, random);
            }
        }
        return realize(x, random);
    }

    /** T tasks of {@code rows} rows but rank {@code rank}: X_m = A_m B_m with Gaussian A_m (rows × r), B_m (r × d)/√r. */
    public static TaskCollection lowRank(int tasks, int dim, int rows, int rank, long seed) {
        check(tasks, dim, rank);
        if (rows < rank) {
            throw new TheoryException("a low-rank task needs rows ≥ rank, got rows " + rows + " and rank " + rank);
        }
        Random random = new Random(seed);
        double[][][] x = new double[tasks][rows][dim];
        for (double[][] task : x) {
            double[][] left = new double[rows][rank];
            double[][] right = new double[rank][dim];
            for (double[] row : left) {
                fill(row, random);
            }
            for (double[] row : right) {
                fill(row, random);
            }
            for (int n = 0; n < rows; n++) {
                for (int i = 0; i < rank; i++) {
                    for (int j = 0; j < dim; j++) {
                        task[n][j] += left[n][i] * right[i][j] / Math.sqrt(rank);
                    }
                }
            }
        }
        return realize(x, random);
    }

    /** Two rank-1 tasks in ℝ² at angle θ: x₁ = (1, 0), x₂ = (cos θ, sin θ), teacher (0.3, 1.0). */
    public static TaskCollection angle(double theta) {
        double[] teacher = {0.3, 1.0};
        double[][][] x = {{{1, 0}}, {{Math.cos(theta), Math.sin(theta)}}};
        return withTeacher(x, teacher);
    }

    /**
     * Rank-1 unit rows at angles spread evenly over [0, π/2] in the first two coordinates of ℝ^d, in that order: the
     * cyclic (sorted) ordering moves by tiny angles and keeps forgetting high, a random ordering jumps and forgets little.
     */
    public static TaskCollection staircase(int tasks, int dim) {
        if (tasks < 2 || dim < 2) {
            throw new TheoryException("the staircase family needs at least 2 tasks and dimension ≥ 2");
        }
        double[][][] x = new double[tasks][1][dim];
        for (int m = 0; m < tasks; m++) {
            double theta = m * (Math.PI / 2) / (tasks - 1);
            x[m][0][0] = Math.cos(theta);
            x[m][0][1] = Math.sin(theta);
        }
        double[] teacher = new double[dim];
        teacher[0] = 1;
        teacher[1] = 0.5;
        return withTeacher(x, teacher);
    }

    /**
     * Rank-1 unit rows in a cone around e₁: x_m = normalize(e₁ + ε_m g_m), g_m ~ N(0, I). With one ε the average projector
     * has one eigenvalue near 1 and the rest of order ε²; with ε_m log-uniform in [ε_min, 1] ({@code multiScale}) its
     * spectrum spans many scales and the loss decays polynomially over a long range of k.
     */
    public static TaskCollection cone(int tasks, int dim, double epsilon, long seed) {
        return coneFamily(tasks, dim, epsilon, epsilon, seed);
    }

    public static TaskCollection multiScale(int tasks, int dim, double epsilonMin, long seed) {
        return coneFamily(tasks, dim, epsilonMin, 1, seed);
    }

    private static TaskCollection coneFamily(int tasks, int dim, double lo, double hi, long seed) {
        check(tasks, dim, 1);
        if (!(lo > 0) || lo > hi) {
            throw new TheoryException("the cone width ε must be in (0, 1], got " + lo);
        }
        Random random = new Random(seed);
        double[][][] x = new double[tasks][1][dim];
        for (double[][] task : x) {
            double eps = lo * Math.pow(hi / lo, random.nextDouble());
            double[] row = task[0];
            fill(row, random);
            double norm = 0;
            for (int j = 0; j < dim; j++) {
                row[j] = (j == 0 ? 1 : 0) + eps * row[j];
                norm += row[j] * row[j];
            }
            norm = Math.sqrt(norm);
            for (int j = 0; j < dim; j++) {
                row[j] /= norm;
            }
        }
        return realize(x, random);
    }

    private static TaskCollection realize(double[][][] x, Random random) {
        int dim = x[0][0].length;
        double[] teacher = new double[dim];
        for (int j = 0; j < dim; j++) {
            teacher[j] = random.nextGaussian() / Math.sqrt(dim);
        }
        return withTeacher(x, teacher);
    }

    /** Targets y_m = X_m·teacher. */
    public static TaskCollection withTeacher(double[][][] x, double[] teacher) {
        double[][] y = new double[x.length][];
        for (int m = 0; m < x.length; m++) {
            y[m] = new double[x[m].length];
            for (int n = 0; n < x[m].length; n++) {
                y[m][n] = Vectors.dot(x[m][n], teacher);
            }
        }
        return new TaskCollection(x, y);
    }

    private static void fill(double[] row, Random random) {
        for (int j = 0; j < row.length; j++) {
            row[j] = random.nextGaussian();
        }
    }

    private static void check(int tasks, int dim, int rank) {
        if (tasks < 1 || dim < 1 || rank < 1) {
            throw new TheoryException("tasks, dimension and rank must be at least 1, got T=" + tasks + ", d=" + dim + ", r=" + rank);
        }
        if (rank > dim) {
            throw new TheoryException("task rank " + rank + " exceeds the dimension " + dim);
        }
    }
}
