package ai.perennial.core.merging;

import ai.perennial.core.PerennialException;

/** Straight lines between weight sets and the loss barrier along them (linear mode connectivity). */
public final class Interpolation {
    private Interpolation() {
    }

    /** (1 − α)·a + α·b, tensor by tensor. */
    public static float[][] lerp(float[][] a, float[][] b, double alpha) {
        checkSameShape(a, b);
        float[][] out = new float[a.length][];
        for (int t = 0; t < a.length; t++) {
            out[t] = new float[a[t].length];
            for (int i = 0; i < out[t].length; i++) {
                out[t][i] = (float) ((1 - alpha) * a[t][i] + alpha * b[t][i]);
            }
        }
        return out;
    }

    /** {@code n} evenly spaced points 0, 1/(n−1), ..., 1. */
    public static double[] alphas(int n) {
        if (n < 2) {
            throw new PerennialException("an interpolation needs at least 2 points, got " + n);
        }
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = i / (double) (n - 1);
        }
        return out;
    }

    /**
     * The barrier of a curve measured at {@code alphas} (first 0, last 1): max over α of L(α) − [(1 − α)L(0) + αL(1)], the
     * height above the straight line between the endpoints (Frankle et al. 2020); 0 when the curve never rises above it.
     */
    public static double barrier(double[] alphas, double[] values) {
        int last = alphas.length - 1;
        if (alphas.length != values.length || alphas.length < 2 || alphas[0] != 0 || alphas[last] != 1) {
            throw new PerennialException("a barrier needs values at α from 0 to 1");
        }
        double worst = 0;
        for (int i = 0; i < alphas.length; i++) {
            double line = (1 - alphas[i]) * values[0] + alphas[i] * values[last];
            worst = Math.max(worst, values[i] - line);
        }
        return worst;
    }

    static void checkSameShape(float[][] a, float[][] b) {
        if (a.length != b.length) {
            throw new PerennialException("cannot combine weight sets of " + a.length + " and " + b.length + " tensors");
        }
        for (int t = 0; t < a.length; t++) {
            if (a[t].length != b[t].length) {
                throw new PerennialException("cannot combine weight sets: tensor " + t + " has " + a[t].length + " and " + b[t].length
                        + " entries");
            }
        }
    }
}
