package ai.perennial.theory;

/**
 * Measures of one run at its checkpoints k: forgetting F(k) = (1/k) Σ_{t≤k} L_{τ(t)}(w_k) (seen tasks with multiplicity),
 * the mean loss over all tasks L(w_k), its normalization L/(R²‖w*‖²), and ‖w_k − w*‖²/‖w*‖².
 */
public record Trajectory(long[] iterations, double[] forgetting, double[] loss, double[] normalizedLoss, double[] distance) {
}
