package ai.perennial.core.data;

import java.util.random.RandomGenerator;

/** Seeded Fisher–Yates shuffles, the single source of random orderings in Perennial. */
public final class Shuffle {
    private Shuffle() {
    }

    /** 0..n-1 in random order. */
    public static int[] permutation(int n, RandomGenerator rng) {
        return shuffled(range(n), rng);
    }

    /** A shuffled copy of {@code values}. */
    public static int[] shuffled(int[] values, RandomGenerator rng) {
        int[] out = values.clone();
        for (int i = out.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = out[i];
            out[i] = out[j];
            out[j] = t;
        }
        return out;
    }

    /** 0..n-1 in order. */
    public static int[] range(int n) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = i;
        }
        return out;
    }
}
