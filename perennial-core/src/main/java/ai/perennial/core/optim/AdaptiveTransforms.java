package ai.perennial.core.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.perennial.core.model.Parameter;
import ai.perennial.core.registry.Component;
import ai.perennial.core.registry.Param;
import ai.perennial.core.registry.Registered;
import ai.perennial.core.schedule.Schedule;
import ai.perennial.core.model.Parameters;
import java.util.ArrayList;
import java.util.List;

/**
 * Adam variants from the literature, each in the form of its reference implementation (PyTorch's where
 * one exists). Transforms that bound or average the step size itself (AdaBound, AdaMod) take the
 * learning-rate schedule and return the complete update, sign included.
 */
public final class AdaptiveTransforms {
    private static final Param<Double> CLIP_NORM = Param.number("clip_norm", 0.0, "largest global gradient norm (0 = no clipping)")
            .nonNegative();

    @Registered
    public static final Component<Optimizers.Wrapping, GradientTransform> CLIP = Component.of(Optimizers.WRAPPER, "clip")
            .summary("global-norm gradient clipping before the recipe (torch.nn.utils.clip_grad_norm_)")
            .params(CLIP_NORM)
            .order(10)
            .factory((v, w) -> v.get(CLIP_NORM) > 0 ? Transforms.chain(clipByGlobalNorm(v.get(CLIP_NORM)), w.inner()) : w.inner());

    private AdaptiveTransforms() {
    }

    /**
     * Rescales all gradients together so their global L2 norm is at most {@code maxNorm}
     * (PyTorch's clip_grad_norm_: factor min(1, maxNorm / (norm + 1e-6))), computed on the device.
     */
    public static GradientTransform clipByGlobalNorm(double maxNorm) {
        return new GradientTransform() {
            @Override
            public TransformState init(List<Parameter> params) {
                return new TransformState();
            }

            @Override
            public List<NDArray> update(List<NDArray> grads, TransformState state, List<Parameter> params) {
                state.increment();
                NDArray factor = Parameters.squaredNorm(grads).sqrt().add(1e-6f).pow(-1).mul((float) maxNorm).minimum(1f);
                List<NDArray> out = new ArrayList<>(grads.size());
                for (NDArray g : grads) {
                    out.add(g.mul(factor));
                }
                return out;
            }
        };
    }

    /**
     * AMSGrad (Reddi et al. 2018), PyTorch form: Adam's moments, v_max = max(v_max, v), update
     * m̂ / (sqrt(v_max)/sqrt(1 − β2^t) + eps).
     */
    public static GradientTransform scaleByAmsgrad(double b1, double b2, double eps) {
        return new GradientTransform() {
            @Override
            public TransformState init(List<Parameter> params) {
                return Moments.init(params, "nu_max");
            }

            @Override
            public List<NDArray> update(List<NDArray> grads, TransformState state, List<Parameter> params) {
                state.increment();
                long t = state.count();
                double bc1 = 1 - StrictMath.pow(b1, t);
                double bc2 = 1 - StrictMath.pow(b2, t);
                List<NDArray> out = new ArrayList<>(grads.size());
                for (int i = 0; i < grads.size(); i++) {
                    NDArray g = grads.get(i);
                    Moments.Pair mv = Moments.update(state, i, g, b1, b2);
                    NDArray m = mv.m();
                    NDArray v = mv.v();
                    NDArray vMax = Moments.runningMax(state.buffer("nu_max").get(i), v);
                    out.add(m.div((float) bc1).divi(vMax.sqrt().divi((float) Math.sqrt(bc2)).addi((float) eps)));
                }
                return out;
            }
        };
    }

    /**
     * RAdam (Liu et al. 2020), PyTorch form: ρ∞ = 2/(1 − β2) − 1, ρ_t = ρ∞ − 2tβ2^t/(1 − β2^t); when ρ_t &gt; 5
     * the update is m̂ · r_t · sqrt(1 − β2^t)/(sqrt(v) + eps) with the rectification
     * r_t = sqrt((ρ_t − 4)(ρ_t − 2)ρ∞ / ((ρ∞ − 4)(ρ∞ − 2)ρ_t)); otherwise plain momentum m̂. The branch is
     * decided on the host from t alone.
     */
    public static GradientTransform scaleByRadam(double b1, double b2, double eps) {
        double rhoInf = 2 / (1 - b2) - 1;
        return new GradientTransform() {
            @Override
            public TransformState init(List<Parameter> params) {
                return Moments.init(params);
            }

            @Override
            public List<NDArray> update(List<NDArray> grads, TransformState state, List<Parameter> params) {
                state.increment();
                long t = state.count();
                double bc1 = 1 - StrictMath.pow(b1, t);
                double bc2 = 1 - StrictMath.pow(b2, t);
                double rho = rhoInf - 2 * t * StrictMath.pow(b2, t) / bc2;
                List<NDArray> out = new ArrayList<>(grads.size());
                for (int i = 0; i < grads.size(); i++) {
                    NDArray g = grads.get(i);
                    Moments.Pair mv = Moments.update(state, i, g, b1, b2);
                    NDArray m = mv.m();
                    NDArray v = mv.v();
                    if (rho > 5) {
                        double r = Math.sqrt((rho - 4) * (rho - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rho));
                        out.add(m.mul((float) (r * Math.sqrt(bc2) / bc1)).divi(v.sqrt().addi((float) eps)));
                    } else {
                        out.add(m.div((float) bc1));
                    }
                }
                return out;
            }
        };
    }

    /**
     * AdaBound / AMSBound (Luo et al. 2019), reference-code form: step size lr·sqrt(1 − β2^t)/(1 − β1^t) /
     * (sqrt(v) + eps) clipped to [final·(1 − 1/(γt + 1)), final·(1 + 1/(γt))], final = finalLr · lr_t/lr_0;
     * the update is −step ⊙ m. With {@code amsbound} v is the running maximum.
     */
    public static GradientTransform adabound(Schedule lr, double b1, double b2, double eps, double finalLr, double gamma,
            boolean amsbound) {
        return new GradientTransform() {
            @Override
            public TransformState init(List<Parameter> params) {
                return amsbound ? Moments.init(params, "nu_max") : Moments.init(params);
            }

            @Override
            public List<NDArray> update(List<NDArray> grads, TransformState state, List<Parameter> params) {
                double rate = lr.at(state.count());
                state.increment();
                long t = state.count();
                double bc1 = 1 - StrictMath.pow(b1, t);
                double bc2 = 1 - StrictMath.pow(b2, t);
                double scaledFinal = finalLr * rate / lr.at(0);
                float lower = (float) (scaledFinal * (1 - 1 / (gamma * t + 1)));
                float upper = (float) (scaledFinal * (1 + 1 / (gamma * t)));
                float stepScale = (float) (rate * Math.sqrt(bc2) / bc1);
                List<NDArray> out = new ArrayList<>(grads.size());
                for (int i = 0; i < grads.size(); i++) {
                    NDArray g = grads.get(i);
                    Moments.Pair mv = Moments.update(state, i, g, b1, b2);
                    NDArray m = mv.m();
                    NDArray v = mv.v();
                    if (amsbound) {
                        v = Moments.runningMax(state.buffer("nu_max").get(i), v);
                    }
                    NDArray step = v.sqrt().addi((float) eps).pow(-1).muli(stepScale).clip(lower, upper);
                    out.add(step.muli(m).muli(-1f));
                }
                return out;
            }
        };
    }

    /**
     * AdaMod (Ding et al. 2019): Adam's per-element step size η_t = lr·sqrt(1 − β2^t)/(1 − β1^t)/(sqrt(v) + eps)
     * is bounded by its own exponential average s ← β3 s + (1 − β3) η_t; the update is −min(η_t, s) ⊙ m.
     */
    public static GradientTransform adamod(Schedule lr, double b1, double b2, double b3, double eps) {
        return new GradientTransform() {
            @Override
            public TransformState init(List<Parameter> params) {
                return Moments.init(params, "step_avg");
            }

            @Override
            public List<NDArray> update(List<NDArray> grads, TransformState state, List<Parameter> params) {
                double rate = lr.at(state.count());
                state.increment();
                long t = state.count();
                float stepScale = (float) (rate * Math.sqrt(1 - StrictMath.pow(b2, t)) / (1 - StrictMath.pow(b1, t)));
                List<NDArray> out = new ArrayList<>(grads.size());
                for (int i = 0; i < grads.size(); i++) {
                    NDArray g = grads.get(i);
                    Moments.Pair mv = Moments.update(state, i, g, b1, b2);
                    NDArray m = mv.m();
                    NDArray v = mv.v();
                    NDArray eta = v.sqrt().addi((float) eps).pow(-1).muli(stepScale);
                    NDArray avg = state.buffer("step_avg").get(i).muli((float) b3).addi(eta.mul((float) (1 - b3)));
                    out.add(eta.minimum(avg).muli(m).muli(-1f));
                }
                return out;
            }
        };
    }

    /**
     * Adafactor (Shazeer &amp; Stern 2018), in the widely used reference form without first moment:
     * β2_t = 1 − t^decay; for matrices the second moment is factored into row and column means of
     * g² + ε1 (R ← β2_t R + (1 − β2_t) mean_cols, C likewise) and V̂ = R Cᵀ / mean(R); vectors keep a full
     * second moment. The step u = g / sqrt(V̂) is clipped to RMS(u) ≤ d and scaled by
     * max(ε2, RMS(θ)) · min(1e-2, 1/√t) (relative step size) or by {@code lr} when {@code lr} is given.
     * Tensors with more than two dimensions (convolutions) are factored as (out, rest).
     */
    public static GradientTransform adafactor(Schedule lr, double decay, double eps1, double eps2, double clip) {
        return new GradientTransform() {
            @Override
            public TransformState init(List<Parameter> params) {
                TransformState s = new TransformState();
                List<Shape> rows = new ArrayList<>();
                List<Shape> cols = new ArrayList<>();
                for (Parameter p : params) {
                    Shape shape = p.array().getShape();
                    boolean matrix = shape.dimension() >= 2;
                    rows.add(new Shape(matrix ? shape.get(0) : shape.size()));
                    cols.add(new Shape(matrix ? shape.size() / shape.get(0) : 1));
                }
                ai.djl.ndarray.NDManager manager = params.get(0).array().getManager();
                s.addZeros("row", rows, manager);
                s.addZeros("col", cols, manager);
                return s;
            }

            @Override
            public List<NDArray> update(List<NDArray> grads, TransformState state, List<Parameter> params) {
                double rate = lr == null ? 0 : lr.at(state.count());
                state.increment();
                long t = state.count();
                float beta2 = (float) (1 - StrictMath.pow(t, decay));
                float relative = (float) Math.min(1e-2, 1 / Math.sqrt(t));
                List<NDArray> out = new ArrayList<>(grads.size());
                for (int i = 0; i < grads.size(); i++) {
                    NDArray g = grads.get(i);
                    NDArray theta = params.get(i).array();
                    Shape shape = g.getShape();
                    NDArray sq = g.square().addi((float) eps1);
                    NDArray row = state.buffer("row").get(i);
                    NDArray u;
                    if (shape.dimension() >= 2) {
                        NDArray col = state.buffer("col").get(i);
                        NDArray sq2 = sq.reshape(shape.get(0), -1);
                        row.muli(beta2).addi(sq2.mean(new int[] {1}).muli(1 - beta2));
                        col.muli(beta2).addi(sq2.mean(new int[] {0}).muli(1 - beta2));
                        NDArray rFactor = row.div(row.mean()).sqrt().pow(-1).reshape(-1, 1);
                        NDArray cFactor = col.sqrt().pow(-1).reshape(1, -1);
                        u = rFactor.mul(cFactor).reshape(shape).muli(g);
                    } else {
                        row.muli(beta2).addi(sq.reshape(-1).muli(1 - beta2));
                        u = row.sqrt().pow(-1).reshape(shape).mul(g);
                    }
                    NDArray rmsU = u.square().mean().sqrt();
                    u = u.div(rmsU.div((float) clip).maximum(1f));
                    NDArray scale = lr != null ? theta.getManager().create((float) rate)
                            : theta.stopGradient().square().mean().sqrt().maximum((float) eps2).mul(relative);
                    out.add(u.mul(scale).muli(-1f));
                }
                return out;
            }
        };
    }
}
