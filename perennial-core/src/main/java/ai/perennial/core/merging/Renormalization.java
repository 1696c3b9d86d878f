package ai.perennial.core.merging;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.perennial.core.PerennialException;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.model.Model;
import ai.perennial.core.model.Parameter;
import ai.perennial.core.model.Units;
import java.util.List;

/**
 * Re-normalization of an interpolated or merged network (Qu &amp; Horvath 2024, after REPAIR, Jordan et al. 2023): averaging
 * two networks shrinks its hidden activations (variance collapse), so each hidden unit is corrected to the statistics
 * the endpoints' units have, interpolated: std σ* = (1 − α)σ_A + ασ_B (<b>rescale</b>) and, optionally, mean
 * μ* = (1 − α)μ_A + αμ_B (<b>reshift</b>).
 *
 * <p>Statistics are taken on the post-nonlinearity activations {@link Model#hidden} returns, per unit (per channel for a
 * convolution, over batch and positions). A scale s &gt; 0 commutes with ReLU and max-pooling, so rescaling is folded
 * exactly into the unit's incoming weights and bias. The shift δ = μ* − s·μ is folded into the bias of every layer that
 * reads the unit (b' = b + W·δ), exact for dense readers; a convolution with zero padding sees only part of it at the
 * borders. Layers are corrected input side first, each measured after the corrections before it.
 */
public final class Renormalization {
    private Renormalization() {
    }

    /** Per hidden layer: {@code [mean[], std[]]} of every unit's activation on {@code inputs}. */
    public static double[][][] statistics(Model model, NDArray inputs) {
        try (NDScope scope = new NDScope()) {
            List<NDArray> hidden = model.hidden(inputs);
            double[][][] out = new double[hidden.size()][][];
            for (int l = 0; l < hidden.size(); l++) {
                out[l] = moments(hidden.get(l));
            }
            return out;
        }
    }

    private static double[][] moments(NDArray h) {
        long[] shape = h.getShape().getShape();
        int batch = (int) shape[0];
        int units = (int) shape[1];
        int positions = (int) (h.getShape().size() / batch / units);
        float[] v = h.toFloatArray();
        double[] mean = new double[units];
        double[] sq = new double[units];
        for (int b = 0; b < batch; b++) {
            for (int u = 0; u < units; u++) {
                int base = (b * units + u) * positions;
                for (int p = 0; p < positions; p++) {
                    double x = v[base + p];
                    mean[u] += x;
                    sq[u] += x * x;
                }
            }
        }
        double n = (double) batch * positions;
        double[] std = new double[units];
        for (int u = 0; u < units; u++) {
            mean[u] /= n;
            std[u] = Math.sqrt(Math.max(0, sq[u] / n - mean[u] * mean[u]));
        }
        return new double[][] {mean, std};
    }

    /**
     * Corrects {@code merged}'s parameters in place so that each hidden unit's activation std (and mean, when
     * {@code reshift}) on {@code inputs} is the α-interpolation of {@code endpointA}'s and {@code endpointB}'s (from
     * {@link #statistics}, with B already aligned to A).
     */
    public static void apply(Model merged, double[][][] endpointA, double[][][] endpointB, double alpha, NDArray inputs, boolean reshift) {
        List<Units> units = merged.units();
        List<Parameter> params = merged.parameters();
        if (endpointA.length != units.size() || endpointB.length != units.size()) {
            throw new PerennialException("re-normalization: statistics of " + endpointA.length + " and " + endpointB.length
                    + " hidden layers for a model with " + units.size());
        }
        for (int l = 0; l < units.size(); l++) {
            Units u = units.get(l);
            double[][] now = statistics(merged, inputs)[l];
            double[] scale = new double[u.count()];
            double[] shift = new double[u.count()];
            for (int j = 0; j < u.count(); j++) {
                double target = (1 - alpha) * endpointA[l][1][j] + alpha * endpointB[l][1][j];
                scale[j] = now[1][j] > 1e-12 ? target / now[1][j] : 1;
                double mean = (1 - alpha) * endpointA[l][0][j] + alpha * endpointB[l][0][j];
                shift[j] = reshift ? mean - scale[j] * now[0][j] : 0;
            }
            scaleRows(params.get(u.inputWeight()).array(), scale);
            scaleRows(params.get(u.inputBias()).array(), scale);
            if (reshift) {
                for (int w : u.outputWeights()) {
                    shiftReader(params, readerBias(units, params, w), params.get(w).array(), u.count(), shift);
                }
            }
        }
    }

    private static void scaleRows(NDArray array, double[] scale) {
        float[] v = array.toFloatArray();
        int rest = v.length / scale.length;
        for (int j = 0; j < scale.length; j++) {
            for (int r = 0; r < rest; r++) {
                v[j * rest + r] *= (float) scale[j];
            }
        }
        Engines.overwrite(array, v);
    }

    /** b[o] += Σ_{j,r} W[o, j, r]·δ_j for a reader weight W viewed as (out, units, rest). */
    private static void shiftReader(List<Parameter> params, int bias, NDArray weight, int count, double[] shift) {
        float[] w = weight.toFloatArray();
        NDArray biasArray = params.get(bias).array();
        float[] b = biasArray.toFloatArray();
        int rest = w.length / b.length / count;
        for (int o = 0; o < b.length; o++) {
            double add = 0;
            for (int j = 0; j < count; j++) {
                for (int r = 0; r < rest; r++) {
                    add += w[(o * count + j) * rest + r] * shift[j];
                }
            }
            b[o] += (float) add;
        }
        Engines.overwrite(biasArray, b);
    }

    /** The bias of the layer whose weight is parameter {@code w}: a hidden layer's own, or the head's (its NAME.bias). */
    static int readerBias(List<Units> units, List<Parameter> params, int w) {
        for (Units u : units) {
            if (u.inputWeight() == w) {
                return u.inputBias();
            }
        }
        String name = params.get(w).name();
        if (name.endsWith(".weight") && w + 1 < params.size()
                && params.get(w + 1).name().equals(name.substring(0, name.length() - ".weight".length()) + ".bias")) {
            return w + 1;
        }
        throw new PerennialException("re-normalization: no bias found for " + name + ", so the shift cannot be folded; use rescale only");
    }
}
