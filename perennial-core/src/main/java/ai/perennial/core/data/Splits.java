package ai.perennial.core.data;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.IntFunction;

/** The random train/test split the file readers share when no separate test data is given. */
final class Splits {
    private Splits() {
    }

    /**
     * {@code fraction} of {@code 0..n-1} (at least one, at most n-1) drawn with {@code seed} for testing, the rest for
     * training; both in ascending order, so each set keeps the input's order. {@code n} must be at least 2.
     *
     * @return {training rows, test rows}
     */
    static int[][] holdOut(int n, double fraction, long seed) {
        if (n < 2) {
            throw new IllegalArgumentException("a split needs two or more samples, got " + n);
        }
        int testCount = (int) Math.min(n - 1, Math.max(1, Math.round(n * fraction)));
        int[] order = Shuffle.permutation(n, new SplittableRandom(seed));
        int[] test = Arrays.copyOfRange(order, 0, testCount);
        int[] train = Arrays.copyOfRange(order, testCount, n);
        Arrays.sort(test);
        Arrays.sort(train);
        return new int[][] {train, test};
    }

    /**
     * Fails when a test label has no training sample: a model could never learn that class.
     *
     * @param source what the error names (the file or folder)
     * @param className a class's name for the message
     * @param fix what to do about it
     */
    static void requireTrained(int[] trainLabels, int[] testLabels, int classes, Object source, IntFunction<String> className, String fix) {
        boolean[] trained = new boolean[classes];
        for (int c : trainLabels) {
            trained[c] = true;
        }
        int[] untrained = new int[classes];
        for (int c : testLabels) {
            if (!trained[c]) {
                untrained[c]++;
            }
        }
        for (int c = 0; c < classes; c++) {
            if (untrained[c] > 0) {
                throw new DataFileException(source, "", "class " + className.apply(c) + " has " + untrained[c]
                        + " test sample(s) but no training samples", fix);
            }
        }
    }
}
