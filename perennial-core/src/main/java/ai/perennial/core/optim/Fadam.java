package ai.perennial.core.optim;

import ai.djl.ndarray.NDArray;
import ai.perennial.core.PerennialException;
import ai.perennial.core.model.Parameter;
import java.util.ArrayList;
import java.util.List;

/**
 * FAdam (Hwang 2024): Adam read as natural gradient with the diagonal empirical Fisher F. Per step t:
 * F ← ρ_t F + (1 − ρ_t) g² with ρ_t = β₂(1 − β₂^{t−1})/(1 − β₂^t) (the bias correction folded into the average);
 * ḡ = g/(√F + ε), clipped per tensor to RMS ≤ c; momentum on the preconditioned gradient m ← β₁m + (1 − β₁)ḡ;
 * weight decay in the same geometry, ḡ_w = w/(√F + ε) clipped likewise; direction m + λ·ḡ_w (then scaled by −lr).
 */
public final class Fadam {
    private Fadam() {
    }

    public static GradientTransform scale(double b1, double b2, double eps, double clip, double weightDecay) {
        if (!(clip > 0)) {
            throw new PerennialException("FAdam clip threshold must be positive, got " + clip);
        }
        return new GradientTransform() {
            @Override
            public TransformState init(List<Parameter> params) {
                return Moments.init(params);
            }

            @Override
            public List<NDArray> update(List<NDArray> grads, TransformState state, List<Parameter> params) {
                state.increment();
                long t = state.count();
                float rho = (float) (b2 * (1 - StrictMath.pow(b2, t - 1)) / (1 - StrictMath.pow(b2, t)));
                List<NDArray> out = new ArrayList<>(grads.size());
                for (int i = 0; i < grads.size(); i++) {
                    NDArray g = grads.get(i);
                    NDArray fisher = state.buffer("nu").get(i);
                    NDArray m = state.buffer("mu").get(i);
                    fisher.muli(rho).addi(g.square().muli(1 - rho));
                    NDArray denominator = fisher.sqrt().addi((float) eps);
                    NDArray natural = clipRms(g.div(denominator), clip);
                    m.muli((float) b1).addi(natural.muli((float) (1 - b1)));
                    NDArray direction = m.duplicate();
                    if (weightDecay > 0) {
                        direction.addi(clipRms(params.get(i).array().div(denominator), clip).muli((float) weightDecay));
                    }
                    out.add(direction);
                }
                return out;
            }
        };
    }

    /** x / max(1, RMS(x)/c), on the device. */
    private static NDArray clipRms(NDArray x, double clip) {
        NDArray rms = x.square().mean().sqrt();
        return x.divi(rms.divi((float) clip).maximum(1f));
    }
}
