package ai.perennial.theory;

import java.util.Locale;
import java.util.Random;

/** The order in which tasks are visited. */
public enum Ordering {
    /** 1, 2, …, T, 1, 2, … (a deterministic baseline; on a badly ordered collection this is the bad fixed order). */
    CYCLIC,
    /** τ(t) i.i.d. uniform over the T tasks. */
    RANDOM_WITH_REPLACEMENT,
    /** A uniformly random permutation, one pass: k ≤ T. */
    RANDOM_WITHOUT_REPLACEMENT;

    /** Rejects a run this ordering cannot produce (a single pass longer than the task count). */
    public void check(int tasks, int iterations) {
        if (this == RANDOM_WITHOUT_REPLACEMENT && iterations > tasks) {
            throw new TheoryException("ordering 'without-replacement' is a single pass: iterations (" + iterations
                    + ") must not exceed tasks (" + tasks + ")");
        }
    }

    /** Task indices τ(1..k), 0-based. */
    public int[] sequence(int tasks, int iterations, Random random) {
        check(tasks, iterations);
        int[] order = new int[iterations];
        switch (this) {
            case CYCLIC -> {
                for (int t = 0; t < iterations; t++) {
                    order[t] = t % tasks;
                }
            }
            case RANDOM_WITH_REPLACEMENT -> {
                for (int t = 0; t < iterations; t++) {
                    order[t] = random.nextInt(tasks);
                }
            }
            case RANDOM_WITHOUT_REPLACEMENT -> {
                int[] perm = new int[tasks];
                for (int i = 0; i < tasks; i++) {
                    perm[i] = i;
                }
                for (int i = tasks - 1; i > 0; i--) {
                    int j = random.nextInt(i + 1);
                    int tmp = perm[i];
                    perm[i] = perm[j];
                    perm[j] = tmp;
                }
                System.arraycopy(perm, 0, order, 0, iterations);
            }
        }
        return order;
    }

    public String id() {
        return switch (this) {
            case CYCLIC -> "cyclic";
            case RANDOM_WITH_REPLACEMENT -> "random";
            case RANDOM_WITHOUT_REPLACEMENT -> "without-replacement";
        };
    }

    /** Parses {@code cyclic}, {@code random} (with replacement) or {@code without-replacement}. */
    public static Ordering parse(String name) {
        for (Ordering o : values()) {
            if (o.id().equals(name.toLowerCase(Locale.ROOT)) || o.name().equalsIgnoreCase(name.replace('-', '_'))) {
                return o;
            }
        }
        throw new TheoryException("unknown ordering '" + name + "'; use cyclic, random (with replacement) or without-replacement");
    }
}
