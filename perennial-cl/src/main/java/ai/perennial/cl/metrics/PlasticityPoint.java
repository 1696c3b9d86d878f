package ai.perennial.cl.metrics;

import java.util.List;

/**
 * Plasticity diagnostics at one moment of a run: the online accuracy on the training batches of the current experience
 * so far (measured before each update), the mean global gradient norm since the previous point, and per hidden layer
 * what a fixed probe batch of the experience's training data shows.
 */
public record PlasticityPoint(long step, int experience, double onlineAccuracy, double gradientNorm, List<Layer> layers) {
    public PlasticityPoint {
        layers = List.copyOf(layers);
    }

    /**
     * One hidden layer: shares of dead, τ-dormant and saturated units ({@link PlasticityDiagnostics}), effective rank and
     * srank of its probe activity, and of its incoming weight matrix the Frobenius norm, the distance from its initial
     * value and the largest singular value.
     */
    public record Layer(String name, double dead, double dormant, double saturated, double effectiveRank, double srank, double weightNorm,
            double weightChange, double sigmaMax) {
        /** The values in the order of {@link #FIELDS}. */
        public double[] values() {
            return new double[] {dead, dormant, saturated, effectiveRank, srank, weightNorm, weightChange, sigmaMax};
        }

        public static Layer of(String name, double[] v) {
            return new Layer(name, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
        }
    }

    /** Names of a layer's values, as in result.json and metrics.csv. */
    public static final List<String> FIELDS = List.of("dead_fraction", "dormant_fraction", "saturated_fraction", "effective_rank", "srank",
            "weight_norm", "weight_change", "sigma_max");
}
