package ai.perennial.core.schedule;

/**
 * A value (usually the learning rate) as a pure function of the optimizer step, counted from 0 for
 * the first update. Schedules hold no state, so they can be plotted, composed and checkpointed for free.
 */
@FunctionalInterface
public interface Schedule {

    double at(long step);

    static Schedule constant(double value) {
        return step -> value;
    }

    /** Linear from {@code from} at step 0 to {@code to} at step {@code steps}, then constant. */
    static Schedule linear(double from, double to, long steps) {
        requireSteps(steps);
        return step -> from + (to - from) * Math.min(step, steps) / (double) steps;
    }

    /**
     * Cosine decay from {@code peak} at step 0 to {@code end} at step {@code steps}, then constant:
     * {@code end + (peak - end) * (1 + cos(pi * min(t, T) / T)) / 2}.
     */
    static Schedule cosine(double peak, long steps, double end) {
        requireSteps(steps);
        return step -> end + (peak - end) * 0.5 * (1 + Math.cos(Math.PI * Math.min(step, steps) / steps));
    }

    /**
     * Runs {@code schedules[i]} from {@code boundaries[i-1]} (0 for the first) on, each restarted at its own
     * step 0. {@code boundaries} are absolute steps, strictly increasing, one fewer than schedules.
     */
    static Schedule join(Schedule[] schedules, long[] boundaries) {
        if (schedules.length == 0 || boundaries.length != schedules.length - 1) {
            throw new IllegalArgumentException("join needs n schedules and n-1 boundaries, got "
                    + schedules.length + " and " + boundaries.length);
        }
        for (int i = 0; i < boundaries.length; i++) {
            if (boundaries[i] <= (i == 0 ? 0 : boundaries[i - 1])) {
                throw new IllegalArgumentException("join boundaries must be positive and strictly increasing");
            }
        }
        Schedule[] parts = schedules.clone();
        long[] bounds = boundaries.clone();
        return step -> {
            int i = 0;
            while (i < bounds.length && step >= bounds[i]) {
                i++;
            }
            return parts[i].at(i == 0 ? step : step - bounds[i - 1]);
        };
    }

    /**
     * Linear warmup from 0 to {@code after.at(0)} over {@code warmupSteps}, then {@code after} restarted at
     * its step 0 (optax's convention: the value at step 0 is 0 and the join is continuous).
     */
    static Schedule warmup(long warmupSteps, Schedule after) {
        if (warmupSteps == 0) {
            return after;
        }
        return join(new Schedule[] {linear(0, after.at(0), warmupSteps), after}, new long[] {warmupSteps});
    }

    private static void requireSteps(long steps) {
        if (steps <= 0) {
            throw new IllegalArgumentException("schedule length must be positive, got " + steps);
        }
    }
}
