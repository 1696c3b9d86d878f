package ai.perennial.theory;

import java.util.List;
import java.util.Random;

/**
 * Continual linear classification on jointly separable tasks: each task is fitted by the sequential max-margin
 * projection w_t = argmin ‖w − w_{t−1}‖² s.t. y_i x_iᵀw ≥ 1 for the task's points (the weak-regularization limit;
 * projection onto a polyhedron, POCS), solved by Hildreth's dual coordinate ascent. Forgetting is the squared hinge
 * (1 − y xᵀw)₊² averaged over each seen task's points and over the seen tasks with multiplicity.
 */
public final class SeparableClassification {
    /** Up to this margin points are drawn by rejection (acceptance ≥ 4.5%); beyond it, from the exact tail. */
    static final double REJECTION_MARGIN = 2.0;

    private final double[][][] points; // task → point → y·x (labels folded in)
    private final int dim;

    /** {@code signedPoints[m][i]} = y_i·x_i for task m. */
    public SeparableClassification(double[][][] signedPoints) {
        if (signedPoints.length == 0 || signedPoints[0].length == 0) {
            throw new TheoryException("classification needs at least one task with at least one point");
        }
        this.points = signedPoints;
        this.dim = signedPoints[0][0].length;
    }

    /**
     * T tasks of n points x ~ N(0, I_d) labelled by a random unit teacher u, keeping points with |uᵀx| ≥ margin, so
     * u/margin satisfies every constraint (jointly separable).
     */
    public static SeparableClassification generate(int tasks, int dim, int perTask, double margin, long seed) {
        if (tasks < 1 || dim < 2 || perTask < 1) {
            throw new TheoryException("classification needs T ≥ 1, d ≥ 2 and n ≥ 1, got T=" + tasks + ", d=" + dim + ", n=" + perTask);
        }
        if (!(margin > 0) || Double.isInfinite(margin)) {
            throw new TheoryException("the margin must be positive and finite, got " + margin);
        }
        Random random = new Random(seed);
        double[] teacher = new double[dim];
        for (int j = 0; j < dim; j++) {
            teacher[j] = random.nextGaussian();
        }
        double norm = Math.sqrt(Vectors.squaredNorm(teacher));
        for (int j = 0; j < dim; j++) {
            teacher[j] /= norm;
        }
        double[][][] signed = new double[tasks][perTask][dim];
        for (double[][] task : signed) {
            for (double[] point : task) {
                double score;
                if (margin <= REJECTION_MARGIN) {
                    do {
                        for (int j = 0; j < dim; j++) {
                            point[j] = random.nextGaussian();
                        }
                        score = Vectors.dot(point, teacher);
                    } while (Math.abs(score) < margin);
                } else {
                    // rejection would almost never accept: draw the teacher component from the tail directly
                    for (int j = 0; j < dim; j++) {
                        point[j] = random.nextGaussian();
                    }
                    double along = Vectors.dot(point, teacher);
                    score = gaussianTail(margin, random);
                    for (int j = 0; j < dim; j++) {
                        point[j] += (score - along) * teacher[j];
                    }
                }
                if (score < 0) {
                    for (int j = 0; j < dim; j++) {
                        point[j] = -point[j];
                    }
                }
            }
        }
        return new SeparableClassification(signed);
    }

    /**
     * A standard normal conditioned on {@code z ≥ a} (a > 0), by Robert's (1995) exponential proposal, whose acceptance
     * rate exceeds 0.9 for a ≥ 1 and tends to 1.
     */
    static double gaussianTail(double a, Random random) {
        double rate = (a + Math.sqrt(a * a + 4)) / 2;
        while (true) {
            double z = a - Math.log(1 - random.nextDouble()) / rate;
            if (random.nextDouble() <= Math.exp(-(z - rate) * (z - rate) / 2)) {
                return z;
            }
        }
    }

    public int tasks() {
        return points.length;
    }

    /** Task m's signed points y_i·x_i (copies). */
    public double[][] signedPoints(int m) {
        double[][] out = new double[points[m].length][];
        for (int i = 0; i < out.length; i++) {
            out[i] = points[m][i].clone();
        }
        return out;
    }

    /** Projects w (in place) onto {v : aᵢᵀv ≥ 1 for every signed point aᵢ of task m}; returns the dual multipliers. */
    public double[] project(int m, double[] w) {
        double[][] a = points[m];
        int n = a.length;
        double[] alpha = new double[n];
        double[] norms = new double[n];
        for (int i = 0; i < n; i++) {
            norms[i] = Vectors.squaredNorm(a[i]);
            if (norms[i] == 0) {
                throw new TheoryException("task " + (m + 1) + " has a zero point, which no weight vector can classify with margin 1");
            }
        }
        for (int sweep = 0; sweep < 100_000; sweep++) {
            double change = 0;
            for (int i = 0; i < n; i++) {
                double gap = 1 - Vectors.dot(a[i], w);
                double updated = Math.max(0, alpha[i] + gap / norms[i]);
                double delta = updated - alpha[i];
                if (delta != 0) {
                    Vectors.axpy(delta, a[i], 0, w);
                    alpha[i] = updated;
                    change = Math.max(change, Math.abs(delta) * Math.sqrt(norms[i]));
                }
            }
            if (change < 1e-13 * (1 + Math.sqrt(Vectors.squaredNorm(w)))) {
                return alpha;
            }
        }
        throw new TheoryException("Hildreth's projection on task " + (m + 1) + " did not converge in 100,000 sweeps; "
                + "the tasks may not be jointly separable");
    }

    /** Mean squared hinge (1 − aᵢᵀw)₊² over task m's points. */
    public double hinge(int m, double[] w) {
        double sum = 0;
        for (double[] a : points[m]) {
            double gap = Math.max(0, 1 - Vectors.dot(a, w));
            sum += gap * gap;
        }
        return sum / points[m].length;
    }

    /** Forgetting at each checkpoint of one run from w₀ = 0. */
    public double[] run(Ordering ordering, long seed, long[] checkpoints) {
        int horizon = Math.toIntExact(checkpoints[checkpoints.length - 1]);
        int[] order = ordering.sequence(points.length, horizon, new Random(seed));
        double[] w = new double[dim];
        int[] seen = new int[points.length];
        double[] forgetting = new double[checkpoints.length];
        int next = 0;
        for (int t = 1; t <= horizon; t++) {
            int m = order[t - 1];
            seen[m]++;
            project(m, w);
            if (t == checkpoints[next]) {
                double sum = 0;
                for (int i = 0; i < points.length; i++) {
                    if (seen[i] > 0) {
                        sum += seen[i] * hinge(i, w);
                    }
                }
                forgetting[next++] = sum / t;
            }
        }
        return forgetting;
    }

    /** Runs seeds first, first + 1, … as trajectories (forgetting only; the other measures are regression-specific). */
    public List<Trajectory> runSeeds(Ordering ordering, long firstSeed, int seeds, long[] checkpoints) {
        java.util.ArrayList<Trajectory> out = new java.util.ArrayList<>();
        for (int s = 0; s < seeds; s++) {
            double[] f = run(ordering, firstSeed + s, checkpoints);
            double[] none = new double[f.length];
            out.add(new Trajectory(checkpoints.clone(), f, none, none, none));
        }
        return out;
    }
}
