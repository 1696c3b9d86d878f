package ai.perennial.core.optim;

/**
 * Builds a run's optimizer once its length is known (schedules span the whole run): a registered recipe from an
 * {@link OptimizerConfig}, or any hand-made chain, e.g. {@code steps -> Transforms.chain(...)}.
 */
@FunctionalInterface
public interface OptimizerFactory {
    GradientTransform create(long totalSteps);
}
