package ai.perennial.core.merging;

import ai.perennial.core.PerennialException;
import ai.perennial.core.registry.Component;
import ai.perennial.core.registry.Param;
import ai.perennial.core.registry.Registered;
import ai.perennial.core.sparsity.Masks;
import java.util.List;
import java.util.stream.IntStream;

/**
 * TIES-merging (Yadav et al. 2023): (1) <b>trim</b> each task vector τ_i = θ_i − base to its top-k fraction by magnitude
 * (per tensor); (2) <b>elect</b> a sign per entry, the sign of Σ_i trimmed τ_i (the side with more total mass);
 * (3) <b>disjoint mean</b>: average, per entry, only the trimmed values that agree with the elected sign (zeros do not
 * count); θ = base + λ·merged.
 */
public final class TiesMerging implements Merge {
    @Registered
    public static final Component<Void, Merge> TIES = Component.of(KIND, "ties")
            .summary("TIES: trim task vectors to their top-k magnitudes, elect a sign per entry, average the agreeing values")
            .source("Yadav et al. 2023")
            .params(Param.number("density", 0.2, "k: fraction of each task vector's entries kept (per tensor)").inClosed(0.0001, 1),
                    Param.number("scale", 1.0, "λ applied to the merged task vector").positive())
            .factory((v, none) -> new TiesMerging(v.number("density"), v.number("scale")));

    /** Entries per parallel work item. */
    private static final int CHUNK = 1 << 14;

    private final double density;
    private final double scale;

    public TiesMerging(double density, double scale) {
        this.density = density;
        this.scale = scale;
    }

    @Override
    public float[][] merge(float[][] base, List<float[][]> models) {
        if (models.isEmpty()) {
            throw new PerennialException("nothing to merge: no models");
        }
        int n = models.size();
        // every copy and every entry is computed on its own, so running them on all cores changes no bit of the result
        float[][][] trimmed = new float[n][][];
        IntStream.range(0, n).parallel().forEach(m -> {
            float[][] tau = Merge.taskVector(models.get(m), base);
            boolean[] all = new boolean[tau.length];
            java.util.Arrays.fill(all, true);
            float[][] keep = Masks.magnitude(tau, all, Masks.dense(tau), 1 - density, Masks.Scope.LAYER);
            trimmed[m] = Masks.masked(tau, keep);
        });
        float[][] out = new float[base.length][];
        for (int t = 0; t < base.length; t++) {
            int tensor = t;
            out[t] = new float[base[t].length];
            IntStream.range(0, (out[t].length + CHUNK - 1) / CHUNK).parallel().forEach(c -> {
                for (int i = c * CHUNK; i < Math.min(out[tensor].length, (c + 1) * CHUNK); i++) {
                    out[tensor][i] = disjointMean(base[tensor][i], trimmed, tensor, i);
                }
            });
        }
        return out;
    }

    /** base + λ · the mean of the trimmed values whose sign agrees with the elected one (their sum's). */
    private float disjointMean(float base, float[][][] trimmed, int t, int i) {
        double total = 0;
        for (float[][] m : trimmed) {
            total += m[t][i];
        }
        double sum = 0;
        int agree = 0;
        for (float[][] m : trimmed) {
            float v = m[t][i];
            if (v != 0 && (v > 0) == (total > 0)) {
                sum += v;
                agree++;
            }
        }
        return (float) (base + (agree == 0 ? 0 : scale * sum / agree));
    }
}
