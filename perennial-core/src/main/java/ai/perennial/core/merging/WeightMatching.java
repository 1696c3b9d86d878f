package ai.perennial.core.merging;

import ai.perennial.core.model.Units;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Permutation re-basin by weight matching (Ainsworth et al. 2023): find, for every hidden layer, the permutation of model
 * B's units that best aligns its weights with model A's, so that A and B can be interpolated or averaged unit by unit.
 * Permuting hidden units leaves the function unchanged.
 *
 * <p>A unit is what {@link Units} says it is: a row of its layer's input weight and an entry of its bias, plus a slice of
 * every weight that reads it. Layer ℓ's score matrix is S[j][k] = ⟨A's unit j, B's unit k⟩ summed over those tensors,
 * with B's other layers already permuted; the best permutation is a linear assignment. Layers are visited in a random
 * order, repeatedly, until a whole pass changes nothing (coordinate ascent on Σ_tensors ⟨A, π(B)⟩).
 */
public final class WeightMatching {
    private WeightMatching() {
    }

    /** The permutation of each layer of {@code units} (new unit j of B is its old unit perm[j]). */
    public static int[][] match(List<Units> units, long[][] shapes, float[][] a, float[][] b, long seed) {
        int[][] perms = new int[units.size()][];
        for (int l = 0; l < perms.length; l++) {
            perms[l] = identity(units.get(l).count());
        }
        List<Integer> order = new ArrayList<>();
        for (int l = 0; l < perms.length; l++) {
            order.add(l);
        }
        Random random = new Random(seed);
        for (int pass = 0; pass < 200; pass++) {
            Collections.shuffle(order, random);
            boolean changed = false;
            for (int l : order) {
                float[][] permuted = permute(units, shapes, b, perms);
                double[][] score = score(units.get(l), shapes, a, permuted);
                int[] q = LinearAssignment.maximize(score);
                double gain = 0;
                for (int j = 0; j < q.length; j++) {
                    gain += score[j][q[j]] - score[j][j];
                }
                if (gain > 1e-9 * (1 + Math.abs(trace(score)))) {
                    int[] next = new int[q.length];
                    for (int j = 0; j < q.length; j++) {
                        next[j] = perms[l][q[j]];
                    }
                    perms[l] = next;
                    changed = true;
                }
            }
            if (!changed) {
                break;
            }
        }
        return perms;
    }

    private static double trace(double[][] m) {
        double t = 0;
        for (int i = 0; i < m.length; i++) {
            t += m[i][i];
        }
        return t;
    }

    static int[] identity(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        return p;
    }

    /** S[j][k] = ⟨a's unit j, b's unit k⟩ over the tensors unit layer {@code u} touches. */
    static double[][] score(Units u, long[][] shapes, float[][] a, float[][] b) {
        int n = u.count();
        double[][] s = new double[n][n];
        addRows(s, a[u.inputWeight()], b[u.inputWeight()], n);
        addRows(s, a[u.inputBias()], b[u.inputBias()], n);
        for (int w : u.outputWeights()) {
            long out = shapes[w][0];
            int rest = (int) (a[w].length / out / n);
            for (int o = 0; o < out; o++) {
                int base = (int) (o * (long) n * rest);
                for (int j = 0; j < n; j++) {
                    for (int k = 0; k < n; k++) {
                        double dot = 0;
                        for (int r = 0; r < rest; r++) {
                            dot += a[w][base + j * rest + r] * (double) b[w][base + k * rest + r];
                        }
                        s[j][k] += dot;
                    }
                }
            }
        }
        return s;
    }

    /** Adds ⟨row j of a, row k of b⟩ for arrays viewed as (n, rest). */
    private static void addRows(double[][] s, float[] a, float[] b, int n) {
        int rest = a.length / n;
        for (int j = 0; j < n; j++) {
            for (int k = 0; k < n; k++) {
                double dot = 0;
                for (int r = 0; r < rest; r++) {
                    dot += a[j * rest + r] * (double) b[k * rest + r];
                }
                s[j][k] += dot;
            }
        }
    }

    /** {@code weights} with every layer's units reordered: new unit j of layer ℓ is old unit perms[ℓ][j]. */
    public static float[][] permute(List<Units> units, long[][] shapes, float[][] weights, int[][] perms) {
        float[][] out = new float[weights.length][];
        for (int t = 0; t < weights.length; t++) {
            out[t] = weights[t].clone();
        }
        for (int l = 0; l < units.size(); l++) {
            Units u = units.get(l);
            int[] p = perms[l];
            int n = u.count();
            permuteRows(out, u.inputWeight(), n, p);
            permuteRows(out, u.inputBias(), n, p);
            for (int w : u.outputWeights()) {
                float[] from = out[w].clone();
                long outer = shapes[w][0];
                int rest = (int) (from.length / outer / n);
                for (int o = 0; o < outer; o++) {
                    int base = (int) (o * (long) n * rest);
                    for (int j = 0; j < n; j++) {
                        System.arraycopy(from, base + p[j] * rest, out[w], base + j * rest, rest);
                    }
                }
            }
        }
        return out;
    }

    private static void permuteRows(float[][] out, int t, int n, int[] p) {
        float[] from = out[t].clone();
        int rest = from.length / n;
        for (int j = 0; j < n; j++) {
            System.arraycopy(from, p[j] * rest, out[t], j * rest, rest);
        }
    }
}
