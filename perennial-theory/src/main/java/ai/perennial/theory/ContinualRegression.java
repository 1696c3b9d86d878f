package ai.perennial.theory;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Runs a learner over a task collection in a given ordering and measures forgetting, loss and distance to w*. */
public final class ContinualRegression {
    private final TaskCollection collection;
    private final Learner learner;
    private final Ordering ordering;

    public ContinualRegression(TaskCollection collection, Learner learner, Ordering ordering) {
        this.collection = collection;
        this.learner = learner;
        this.ordering = ordering;
    }

    /** One run from w₀ = 0 with the ordering drawn from {@code seed}; measures at {@code checkpoints} (ascending). */
    public Trajectory run(long seed, long[] checkpoints) {
        int horizon = Math.toIntExact(checkpoints[checkpoints.length - 1]);
        int[] order = ordering.sequence(collection.size(), horizon, new Random(seed));
        List<LinearTask> tasks = collection.tasks();
        double[] optimum = collection.optimum();
        double optimumNorm = Vectors.squaredNorm(optimum);
        double normalizer = collection.lossScale();
        double[] w = new double[collection.dim()];
        double[] scratch = new double[maxRank()];
        double[][] fixed = stationaryFilters(horizon);
        int[] seen = new int[collection.size()];
        int n = checkpoints.length;
        double[] forgetting = new double[n];
        double[] loss = new double[n];
        double[] normalized = new double[n];
        double[] distance = new double[n];
        int next = 0;
        for (int t = 1; t <= horizon; t++) {
            int m = order[t - 1];
            seen[m]++;
            fit(tasks.get(m), fixed, m, w, t, horizon, scratch);
            if (t == checkpoints[next]) {
                double seenLoss = 0;
                double allLoss = 0;
                for (int i = 0; i < tasks.size(); i++) {
                    double l = tasks.get(i).loss(w);
                    allLoss += l;
                    seenLoss += seen[i] * l;
                }
                forgetting[next] = seenLoss / t;
                loss[next] = allLoss / tasks.size();
                normalized[next] = normalizer > 0 ? loss[next] / normalizer : 0;
                distance[next] = optimumNorm > 0 ? Vectors.squaredDistance(w, optimum) / optimumNorm : 0;
                next++;
            }
        }
        return new Trajectory(checkpoints.clone(), forgetting, loss, normalized, distance);
    }

    /** Runs seeds first, first + 1, …; one trajectory per seed. */
    public List<Trajectory> runSeeds(long firstSeed, int seeds, long[] checkpoints) {
        List<Trajectory> out = new ArrayList<>();
        for (int s = 0; s < seeds; s++) {
            out.add(run(firstSeed + s, checkpoints));
        }
        return out;
    }

    /** Learner updates only (no measures): the iteration cost the O(d·r) claim is about. Returns the final weights. */
    public double[] fitOnly(long seed, int iterations) {
        return fitOnly(ordering.sequence(collection.size(), iterations, new Random(seed)));
    }

    /** Learner updates only, visiting the tasks {@code order} (0-based indices) from w₀ = 0; returns the final weights. */
    public double[] fitOnly(int[] order) {
        int iterations = order.length;
        double[] w = new double[collection.dim()];
        double[] scratch = new double[maxRank()];
        double[][] fixed = stationaryFilters(iterations);
        List<LinearTask> tasks = collection.tasks();
        for (int t = 1; t <= iterations; t++) {
            int m = order[t - 1];
            fit(tasks.get(m), fixed, m, w, t, iterations, scratch);
        }
        return w;
    }

    /** The kernels the updates run on, e.g. {@code Vector API, 512-bit} or {@code plain loops}. */
    public static String kernels() {
        return Kernels.active().describe();
    }

    /** Each task's filters when the learner's do not change with t (computed once, not r times per iteration), else null. */
    private double[][] stationaryFilters(long horizon) {
        if (!learner.stationary()) {
            return null;
        }
        List<LinearTask> tasks = collection.tasks();
        double[][] out = new double[tasks.size()][];
        for (int m = 0; m < out.length; m++) {
            out[m] = new double[tasks.get(m).rank()];
            learner.filters(tasks.get(m), 1, horizon, out[m]);
        }
        return out;
    }

    private void fit(LinearTask task, double[][] fixed, int m, double[] w, long t, long horizon, double[] scratch) {
        if (fixed != null) {
            task.update(w, fixed[m]);
        } else {
            learner.fit(task, w, t, horizon, scratch);
        }
    }

    private int maxRank() {
        int r = 1;
        for (LinearTask t : collection.tasks()) {
            r = Math.max(r, t.rank());
        }
        return r;
    }
}
