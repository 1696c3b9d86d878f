package ai.perennial.core.merging;

import ai.perennial.core.registry.Kind;
import ai.perennial.core.registry.Spec;
import java.util.List;

/**
 * A rule that combines several models of one architecture into one: a pure function of a shared base (the weights all
 * of them started from) and the models. Registered, so strategies and commands choose one by name.
 */
public interface Merge {
    Kind<Void, Merge> KIND = Kind.of("merge rule", "merges", "rules combining models of one architecture, written name:key=value");

    /** The merged weights; {@code base} is the common starting point (methods over task vectors τ_i = θ_i − base use it). */
    float[][] merge(float[][] base, List<float[][]> models);

    /** Reads {@code name:key=value,...} for any registered merge. */
    static Merge parse(String spec) {
        return Spec.build(KIND, spec, "merge");
    }

    /** τ = θ − base. */
    static float[][] taskVector(float[][] model, float[][] base) {
        Interpolation.checkSameShape(model, base);
        float[][] out = new float[model.length][];
        for (int t = 0; t < model.length; t++) {
            out[t] = new float[model[t].length];
            for (int i = 0; i < out[t].length; i++) {
                out[t][i] = model[t][i] - base[t][i];
            }
        }
        return out;
    }
}
