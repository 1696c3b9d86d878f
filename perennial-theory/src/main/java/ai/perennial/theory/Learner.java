package ai.perennial.theory;

import java.util.Locale;

/**
 * How a task is fitted from the previous weights, as a spectral filter: along the task's right singular vector with
 * singular value s the residual shrinks by the fraction φ(s²) ∈ [0, 1], so e ← e − V diag(φ) Vᵀ e with e = w − w*.
 * <ul>
 *   <li>projection (fit to convergence, the minimum-norm change): φ = 1;</li>
 *   <li>ℓ2 towards the previous weights, argmin ‖Xw − y‖² + λ_t‖w − w_{t−1}‖²: φ = s²/(s² + λ_t);</li>
 *   <li>K_t full-batch GD steps of size η on ½‖Xw − y‖²: φ = 1 − (1 − ηs²)^{K_t}.</li>
 * </ul>
 */
public interface Learner {
    /** Fraction of the residual removed along a direction with squared singular value {@code s2} at iteration t of k. */
    double filter(double s2, long t, long horizon);

    /** Short description, e.g. {@code ridge(fixed λ=0.5)}. */
    String describe();

    /** Whether φ does not depend on the iteration (projection, fixed λ, fixed K): runs then compute it once per task. */
    default boolean stationary() {
        return false;
    }

    /** φ(s_i²) for each of the task's directions at iteration t of k, into {@code out}. */
    default void filters(LinearTask task, long t, long horizon, double[] out) {
        for (int i = 0; i < task.rank(); i++) {
            double s = task.singularValue(i);
            out[i] = filter(s * s, t, horizon);
        }
    }

    /** Fits {@code task} from {@code w} in place at iteration t (1-based) of a run of {@code horizon} iterations. */
    default void fit(LinearTask task, double[] w, long t, long horizon, double[] scratch) {
        filters(task, t, horizon, scratch);
        task.update(w, scratch);
    }

    /** Fit each task to convergence: the orthogonal projection onto its solution set. */
    static Learner projection() {
        return new Learner() {
            @Override
            public double filter(double s2, long t, long horizon) {
                return 1;
            }

            @Override
            public String describe() {
                return "projection";
            }

            @Override
            public boolean stationary() {
                return true;
            }
        };
    }

    /** Explicit ℓ2 regularization towards the previous weights with strength λ_t. */
    static Learner ridge(RegularizationSchedule lambda) {
        return new Learner() {
            @Override
            public double filter(double s2, long t, long horizon) {
                double l = lambda.at(t, horizon);
                return Double.isInfinite(l) ? 0 : s2 / (s2 + l);
            }

            @Override
            public String describe() {
                return "ridge(" + lambda.describe() + ")";
            }

            @Override
            public boolean stationary() {
                return lambda.constant();
            }
        };
    }

    /** K_t gradient steps of size η per task (implicit regularization by a finite budget). */
    static Learner gradientSteps(double eta, StepBudget budget) {
        if (!(eta > 0)) {
            throw new TheoryException("the gradient step size must be positive, got " + eta);
        }
        return new Learner() {
            @Override
            public double filter(double s2, long t, long horizon) {
                double factor = 1 - eta * s2;
                if (Math.abs(factor) > 1) {
                    throw new TheoryException(String.format(Locale.ROOT,
                            "gradient step %.4g diverges on a task with ‖X‖² = %.4g; use a step ≤ 1/‖X‖² (--eta)", eta, s2));
                }
                return 1 - Math.pow(factor, budget.at(t, horizon));
            }

            @Override
            public String describe() {
                return String.format(Locale.ROOT, "gd(η=%.4g, %s)", eta, budget.describe());
            }

            @Override
            public boolean stationary() {
                return budget.constant();
            }
        };
    }
}
