package ai.perennial.core.sparsity;

import ai.perennial.core.PerennialException;
import java.util.Arrays;

/**
 * Pruning masks as plain arrays: one {@code float[]} of 0/1 per tensor (1 keeps the entry). Pure functions: magnitude
 * masks (global or per layer), intersection, sparsity, and the gradual schedule.
 *
 * <p>Ties in magnitude are broken by position (the earlier entry is kept), so a mask is a function of the weights alone
 * and its kept count is exact: {@code round((1 − s)·n)} of the {@code n} prunable entries.
 */
public final class Masks {
    private Masks() {
    }

    /** Pruning scope: one threshold over all prunable tensors, or the same sparsity in each. */
    public enum Scope {
        GLOBAL, LAYER;

        public static Scope parse(String text) {
            return switch (text) {
                case "global" -> GLOBAL;
                case "layer" -> LAYER;
                default -> throw new PerennialException("pruning scope must be global or layer, got '" + text + "'");
            };
        }
    }

    /** A mask that keeps everything, shaped like {@code weights}. */
    public static float[][] dense(float[][] weights) {
        float[][] out = new float[weights.length][];
        for (int t = 0; t < weights.length; t++) {
            out[t] = new float[weights[t].length];
            Arrays.fill(out[t], 1f);
        }
        return out;
    }

    /**
     * Keeps the {@code round((1 − sparsity)·n)} largest-magnitude entries among the prunable tensors ({@code n} entries
     * in all for {@link Scope#GLOBAL}, per tensor for {@link Scope#LAYER}); entries already pruned in {@code alive} stay
     * pruned (they rank below every live entry). Tensors that are not prunable keep everything.
     */
    public static float[][] magnitude(float[][] weights, boolean[] prunable, float[][] alive, double sparsity, Scope scope) {
        return largest(weights, true, prunable, alive, sparsity, scope);
    }

    /** As {@link #magnitude}, ranking by {@code scores} themselves (largest signed value first), e.g. movement scores. */
    public static float[][] largestScores(float[][] scores, boolean[] prunable, float[][] alive, double sparsity, Scope scope) {
        return largest(scores, false, prunable, alive, sparsity, scope);
    }

    private static float[][] largest(float[][] weights, boolean absolute, boolean[] prunable, float[][] alive, double sparsity,
            Scope scope) {
        if (!(sparsity >= 0 && sparsity < 1)) {
            throw new PerennialException("sparsity must be in [0, 1), got " + sparsity);
        }
        float[][] out = dense(weights);
        if (scope == Scope.LAYER) {
            for (int t = 0; t < weights.length; t++) {
                if (prunable[t]) {
                    keepLargest(new float[][] {weights[t]}, absolute, new float[][] {alive[t]}, new float[][] {out[t]}, sparsity);
                }
            }
            return out;
        }
        int count = 0;
        for (int t = 0; t < weights.length; t++) {
            count += prunable[t] ? 1 : 0;
        }
        float[][] w = new float[count][];
        float[][] a = new float[count][];
        float[][] o = new float[count][];
        for (int t = 0, i = 0; t < weights.length; t++) {
            if (prunable[t]) {
                w[i] = weights[t];
                a[i] = alive[t];
                o[i++] = out[t];
            }
        }
        keepLargest(w, absolute, a, o, sparsity);
        return out;
    }

    /** Writes into {@code out} (all ones on entry) a mask keeping the largest live entries of {@code w}. */
    private static void keepLargest(float[][] w, boolean absolute, float[][] alive, float[][] out, double sparsity) {
        long n = 0;
        for (float[] x : w) {
            n += x.length;
        }
        if (n > Integer.MAX_VALUE) {
            throw new PerennialException("too many prunable entries for one mask: " + n);
        }
        // key: the value as an order-preserving int (|w|, or the signed score), then the position inverted, so that of
        // equal values the earlier entry sorts higher; pruned entries get the lowest keys of all
        long[] keys = new long[(int) n];
        int at = 0;
        for (int t = 0; t < w.length; t++) {
            for (int i = 0; i < w[t].length; i++, at++) {
                float v = w[t][i];
                if (!Float.isFinite(v)) {
                    throw new PerennialException("cannot prune: a " + (absolute ? "weight" : "score") + " is " + v);
                }
                keys[at] = alive[t][i] == 0f ? Long.MIN_VALUE + at : ((long) sortable(absolute ? Math.abs(v) : v) << 32) | (~at & 0xffffffffL);
            }
        }
        long keep = Math.round((1 - sparsity) * n);
        long threshold = keep == 0 ? Long.MAX_VALUE : kthSmallest(keys.clone(), (int) (n - keep));
        at = 0;
        for (int t = 0; t < w.length; t++) {
            for (int i = 0; i < w[t].length; i++, at++) {
                out[t][i] = keys[at] >= threshold && alive[t][i] != 0f ? 1f : 0f;
            }
        }
    }

    /**
     * The {@code k}-th smallest (0-based) of {@code a}, which it reorders: what {@code Arrays.sort(a); a[k]} gives, in
     * linear expected time instead of a full sort (the keys are distinct, so the answer is the same element). Quickselect
     * with a median-of-three pivot; after more rounds than a balanced run needs, the remaining range is sorted instead,
     * which bounds the worst case at n log n.
     */
    static long kthSmallest(long[] a, int k) {
        int lo = 0;
        int hi = a.length - 1;
        int rounds = 2 * (32 - Integer.numberOfLeadingZeros(a.length)) + 8;
        while (lo < hi) {
            if (rounds-- == 0) {
                Arrays.sort(a, lo, hi + 1);
                return a[k];
            }
            int mid = (lo + hi) >>> 1;
            long pivot = Math.max(Math.min(a[lo], a[mid]), Math.min(Math.max(a[lo], a[mid]), a[hi]));
            int i = lo;
            int j = hi;
            while (i <= j) { // Hoare partition: [lo, j] <= pivot <= [i, hi]
                while (a[i] < pivot) {
                    i++;
                }
                while (a[j] > pivot) {
                    j--;
                }
                if (i <= j) {
                    long t = a[i];
                    a[i++] = a[j];
                    a[j--] = t;
                }
            }
            if (k <= j) {
                hi = j;
            } else if (k >= i) {
                lo = i;
            } else {
                return a[k]; // between the two parts: equal to the pivot
            }
        }
        return a[k];
    }

    /** An int that orders like the float (finite values; −0 and +0 kept apart, which only matters for ties). */
    private static int sortable(float v) {
        int bits = Float.floatToIntBits(v);
        return bits >= 0 ? bits : bits ^ 0x7fffffff;
    }

    /** Entries kept by every mask (COLT's overlap). */
    public static float[][] intersection(float[][]... masks) {
        float[][] out = new float[masks[0].length][];
        for (int t = 0; t < out.length; t++) {
            out[t] = masks[0][t].clone();
            for (int m = 1; m < masks.length; m++) {
                for (int i = 0; i < out[t].length; i++) {
                    out[t][i] = out[t][i] != 0 && masks[m][t][i] != 0 ? 1f : 0f;
                }
            }
        }
        return out;
    }

    /** The fraction of zeros in one mask. */
    public static double sparsity(float[] mask) {
        long zeros = 0;
        for (float v : mask) {
            zeros += v == 0f ? 1 : 0;
        }
        return mask.length == 0 ? 0 : zeros / (double) mask.length;
    }

    /** The fraction of zeros over the prunable tensors together. */
    public static double sparsity(float[][] masks, boolean[] prunable) {
        long zeros = 0;
        long n = 0;
        for (int t = 0; t < masks.length; t++) {
            if (prunable[t]) {
                for (float v : masks[t]) {
                    zeros += v == 0f ? 1 : 0;
                }
                n += masks[t].length;
            }
        }
        return n == 0 ? 0 : zeros / (double) n;
    }

    /**
     * Gradual pruning's target sparsity at {@code step} (Zhu &amp; Gupta 2017): s_f + (s_i − s_f)(1 − (t − t₀)/(t₁ − t₀))³
     * between {@code start} (t₀) and {@code end} (t₁), s_i before, s_f after; a step schedule when t₁ = t₀.
     */
    public static double gradualSparsity(long step, long start, long end, double initial, double target) {
        if (step < start) {
            return initial;
        }
        if (step >= end) {
            return target;
        }
        double left = 1 - (step - start) / (double) (end - start);
        return target + (initial - target) * left * left * left;
    }

    /** {@code weights ⊙ mask}, tensor by tensor. */
    public static float[][] masked(float[][] weights, float[][] mask) {
        float[][] out = new float[weights.length][];
        for (int t = 0; t < weights.length; t++) {
            out[t] = weights[t].clone();
            for (int i = 0; i < out[t].length; i++) {
                out[t][i] *= mask[t][i];
            }
        }
        return out;
    }
}
