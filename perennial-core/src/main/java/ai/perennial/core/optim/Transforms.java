package ai.perennial.core.optim;

import ai.djl.ndarray.NDArray;
import ai.perennial.core.model.Parameter;
import ai.perennial.core.schedule.Schedule;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;

/** The elementary gradient transforms from which optimizer recipes are built. */
public final class Transforms {
    private Transforms() {
    }

    /** Applies {@code stages} in order; the state is the list of the stages' states. */
    public static GradientTransform chain(GradientTransform... stages) {
        List<GradientTransform> list = List.copyOf(Arrays.asList(stages));
        return new GradientTransform() {
            @Override
            public TransformState init(List<Parameter> params) {
                List<TransformState> states = new ArrayList<>(list.size());
                for (GradientTransform t : list) {
                    states.add(t.init(params));
                }
                return new TransformState(states);
            }

            @Override
            public List<NDArray> update(List<NDArray> grads, TransformState state, List<Parameter> params) {
                return update(grads, state, params, GradientOracle.NONE);
            }

            @Override
            public List<NDArray> update(List<NDArray> grads, TransformState state, List<Parameter> params, GradientOracle oracle) {
                List<NDArray> u = grads;
                for (int i = 0; i < list.size(); i++) {
                    u = list.get(i).update(u, state.children().get(i), params, oracle);
                }
                state.increment();
                return u;
            }
        };
    }

    /** {@code u = -lr(t) * g}, with {@code t} the number of updates so far. */
    public static GradientTransform scaleByLearningRate(Schedule lr) {
        return scaleBySchedule(t -> -lr.at(t));
    }

    /**
     * {@code u = f(t) * g}, with {@code t} the number of updates so far: at the end of a chain whose updates are
     * proportional to the learning rate (SGD, Adam and their kin), the same as multiplying the learning rate by {@code f}
     * (optax's {@code scale_by_schedule}).
     */
    public static GradientTransform scaleBySchedule(Schedule factor) {
        return new GradientTransform() {
            @Override
            public TransformState init(List<Parameter> params) {
                return new TransformState();
            }

            @Override
            public List<NDArray> update(List<NDArray> grads, TransformState state, List<Parameter> params) {
                float scale = (float) factor.at(state.count());
                state.increment();
                if (scale == 1f) {
                    return grads;
                }
                List<NDArray> out = new ArrayList<>(grads.size());
                for (NDArray g : grads) {
                    out.add(g.mul(scale));
                }
                return out;
            }
        };
    }

    /**
     * Heavy-ball momentum in PyTorch's form: {@code b = mu*b + g}; the update is {@code b}, or
     * {@code g + mu*b} with Nesterov.
     */
    public static GradientTransform traceMomentum(double mu, boolean nesterov) {
        float m = (float) mu;
        return new GradientTransform() {
            @Override
            public TransformState init(List<Parameter> params) {
                TransformState s = new TransformState();
                s.addZerosLike("trace", params, TransformState.OnBasisChange.ROTATE);
                return s;
            }

            @Override
            public List<NDArray> update(List<NDArray> grads, TransformState state, List<Parameter> params) {
                List<NDArray> trace = state.buffer("trace");
                List<NDArray> out = new ArrayList<>(grads.size());
                for (int i = 0; i < grads.size(); i++) {
                    NDArray b = trace.get(i).muli(m).addi(grads.get(i));
                    // Returning the trace itself is safe: no transform mutates its inputs.
                    out.add(nesterov ? b.mul(m).addi(grads.get(i)) : b);
                }
                state.increment();
                return out;
            }
        };
    }

    /**
     * Adam's scaling: {@code m = b1*m + (1-b1)*g}, {@code v = b2*v + (1-b2)*g²},
     * {@code u = m̂ / (sqrt(v̂) + eps)} with bias corrections {@code 1 - b^t}.
     */
    public static GradientTransform scaleByAdam(double b1, double b2, double eps) {
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
                // u = (m / bc1) / (sqrt(v) / sqrt(bc2) + eps) = m * (sqrt(bc2)/bc1) / (sqrt(v) + eps*sqrt(bc2))
                float numeratorScale = (float) (Math.sqrt(bc2) / bc1);
                float epsHat = (float) (eps * Math.sqrt(bc2));
                List<NDArray> out = new ArrayList<>(grads.size());
                for (int i = 0; i < grads.size(); i++) {
                    Moments.Pair mv = Moments.update(state, i, grads.get(i), b1, b2);
                    out.add(mv.m().mul(numeratorScale).divi(mv.v().sqrt().addi(epsHat)));
                }
                return out;
            }
        };
    }

    /**
     * {@code u = g + wd * p} for parameters selected by {@code mask}. Placed before a scaling transform
     * this is coupled L2 regularization; placed after the scaling (before the learning rate) it is
     * decoupled weight decay as in AdamW.
     */
    public static GradientTransform addDecayedWeights(double weightDecay, Predicate<Parameter> mask) {
        float wd = (float) weightDecay;
        return new GradientTransform() {
            @Override
            public TransformState init(List<Parameter> params) {
                return new TransformState();
            }

            @Override
            public List<NDArray> update(List<NDArray> grads, TransformState state, List<Parameter> params) {
                state.increment();
                if (wd == 0) {
                    return grads;
                }
                List<NDArray> out = new ArrayList<>(grads.size());
                for (int i = 0; i < grads.size(); i++) {
                    Parameter p = params.get(i);
                    out.add(mask.test(p) ? p.array().mul(wd).addi(grads.get(i)) : grads.get(i));
                }
                return out;
            }
        };
    }
}
