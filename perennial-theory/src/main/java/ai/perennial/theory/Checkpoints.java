package ai.perennial.theory;

import java.util.TreeSet;

/** Iterations at which measures are taken: every iteration up to 100, then about 40 log-spaced points per decade. */
public final class Checkpoints {
    private Checkpoints() {
    }

    public static long[] logSpaced(long horizon) {
        if (horizon < 1) {
            throw new TheoryException("iterations must be at least 1, got " + horizon);
        }
        TreeSet<Long> points = new TreeSet<>();
        for (long k = 1; k <= Math.min(horizon, 100); k++) {
            points.add(k);
        }
        for (double e = 2; Math.pow(10, e) < horizon; e += 1.0 / 40) {
            points.add(Math.round(Math.pow(10, e)));
        }
        points.add(horizon);
        return points.stream().mapToLong(Long::longValue).toArray();
    }
}
