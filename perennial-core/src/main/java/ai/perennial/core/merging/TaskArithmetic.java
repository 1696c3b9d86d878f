package ai.perennial.core.merging;

import ai.perennial.core.PerennialException;
import ai.perennial.core.registry.Component;
import ai.perennial.core.registry.Param;
import ai.perennial.core.registry.Registered;
import java.util.List;

/**
 * Task arithmetic (Ilharco et al. 2023): θ = base + λ Σ_i τ_i with task vectors τ_i = θ_i − base. λ = 1/n is the uniform
 * average of the models (the uniform merge, a uniform model soup, Wortsman et al. 2022) when they share the base.
 */
public final class TaskArithmetic implements Merge {
    @Registered
    public static final Component<Void, Merge> TASK_ARITHMETIC = Component.of(KIND, "task-arithmetic")
            .summary("base + λ Σ τ_i, the task vectors τ_i = θ_i − base added with one scale")
            .source("Ilharco et al. 2023")
            .params(Param.number("scale", 0.5, "λ, the scale of the summed task vectors").positive())
            .factory((v, none) -> new TaskArithmetic(v.number("scale")));

    @Registered
    public static final Component<Void, Merge> UNIFORM = Component.of(KIND, "uniform")
            .summary("the uniform average of the models (a uniform soup): base + (1/n) Σ τ_i")
            .source("Wortsman et al. 2022")
            .factory((v, none) -> new TaskArithmetic(Double.NaN));

    private final double scale; // NaN: 1/n

    public TaskArithmetic(double scale) {
        this.scale = scale;
    }

    @Override
    public float[][] merge(float[][] base, List<float[][]> models) {
        if (models.isEmpty()) {
            throw new PerennialException("nothing to merge: no models");
        }
        double lambda = Double.isNaN(scale) ? 1.0 / models.size() : scale;
        float[][] out = new float[base.length][];
        for (int t = 0; t < base.length; t++) {
            double[] sum = new double[base[t].length];
            for (float[][] m : models) {
                Interpolation.checkSameShape(m, base);
                for (int i = 0; i < sum.length; i++) {
                    sum[i] += m[t][i] - (double) base[t][i];
                }
            }
            out[t] = new float[sum.length];
            for (int i = 0; i < sum.length; i++) {
                out[t][i] = (float) (base[t][i] + lambda * sum[i]);
            }
        }
        return out;
    }
}
