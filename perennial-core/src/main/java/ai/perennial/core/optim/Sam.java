package ai.perennial.core.optim;

import ai.djl.ndarray.NDArray;
import ai.perennial.core.PerennialException;
import ai.perennial.core.model.Parameter;
import ai.perennial.core.registry.Component;
import ai.perennial.core.registry.Param;
import ai.perennial.core.registry.Registered;
import ai.perennial.core.model.Parameters;
import java.util.ArrayList;
import java.util.List;

/**
 * Sharpness-aware minimization (Foret et al. 2021) as a wrapper around any optimizer: from the gradient g at w it
 * moves to the worst nearby point w + ε̂, ε̂ = ρ·g/‖g‖₂ (norm over all parameters), evaluates the gradient there,
 * steps back to w and hands that gradient to the inner optimizer. Two gradient evaluations per step; ‖g‖ stays on the
 * device (no read-back). In the training loop, hooks that rewrite gradients (e.g. GEM's projection) act on the first
 * gradient, which sets the ascent direction; the second evaluation includes every extra loss term but no rewriting.
 */
public final class Sam {
    private static final Param<Double> RHO = Param.number("sam_rho", 0.0, "SAM radius ρ (0.05 is usual; 0 = off)").nonNegative();

    @Registered
    public static final Component<Optimizers.Wrapping, GradientTransform> SAM = Component.of(Optimizers.WRAPPER, "sam")
            .summary("sharpness-aware minimization around any recipe: the gradient at the worst point within radius ρ")
            .source("Foret et al. 2021")
            .params(RHO)
            .order(20)
            .factory((v, w) -> v.get(RHO) > 0 ? wrap(v.get(RHO), w.inner()) : w.inner());

    private Sam() {
    }

    public static GradientTransform wrap(double rho, GradientTransform inner) {
        if (!(rho > 0) || Double.isInfinite(rho)) {
            throw new PerennialException("SAM radius rho must be positive, got " + rho + "; the usual value is 0.05");
        }
        return new GradientTransform() {
            @Override
            public TransformState init(List<Parameter> params) {
                return new TransformState(List.of(inner.init(params)));
            }

            @Override
            public List<NDArray> update(List<NDArray> grads, TransformState state, List<Parameter> params) {
                return update(grads, state, params, GradientOracle.NONE);
            }

            @Override
            public List<NDArray> update(List<NDArray> grads, TransformState state, List<Parameter> params, GradientOracle oracle) {
                NDArray scale = Parameters.squaredNorm(grads).sqrt().add(1e-12f).pow(-1).mul((float) rho);
                List<NDArray> perturbation = new ArrayList<>(grads.size());
                for (int i = 0; i < grads.size(); i++) {
                    NDArray e = grads.get(i).mul(scale); // computed before the oracle overwrites the gradient buffers
                    perturbation.add(e);
                    params.get(i).array().addi(e);
                }
                List<NDArray> sharp;
                try {
                    sharp = oracle.gradients();
                } finally {
                    for (int i = 0; i < params.size(); i++) {
                        params.get(i).array().subi(perturbation.get(i));
                    }
                }
                state.increment();
                return inner.update(sharp, state.children().get(0), params, oracle);
            }
        };
    }
}
