package ai.perennial.cl.strategy.plasticity;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.perennial.cl.strategy.Strategy;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.model.Parameter;
import ai.perennial.core.registry.Component;
import ai.perennial.core.registry.Param;
import ai.perennial.core.registry.Registered;
import ai.perennial.core.state.StateDict;
import ai.perennial.core.train.TrainingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Spectral regularization (Lewandowski et al. 2024, "Learning continually by spectral regularization"):
 * penalty λ Σ_l (σ_max(W_l)^k − 1)² over every weight matrix (convolutions flattened to (out, in·kh·kw)),
 * keeping each layer's largest singular value near 1 to preserve trainability. σ_max comes from one power
 * iteration per step with persistent vectors u, v; its gradient is u vᵀ, so the penalty gradient
 * 2λk(σ^k − 1)σ^{k−1} u vᵀ is added to the task gradient without extra autograd work.
 */
public final class SpectralRegularization implements Strategy {
    @Registered
    public static final Component<Long, Strategy> SPECTRAL = Component.of(KIND, "spectral")
            .summary("spectral regularization: λ Σ_l (σ_max(W_l)^k − 1)², keeping each layer's top singular value near 1")
            .source("Lewandowski et al. 2024")
            .family("plasticity")
            .params(Param.number("lambda", 1e-3, "penalty strength λ").positive(),
                    Param.integer("power", 2, "exponent k").atLeast(1).atMost(16))
            .factory((v, seed) -> new SpectralRegularization(v.number("lambda"), v.integer("power"), seed));

    private final double lambda;
    private final int power;
    private final long seed;
    private List<NDArray> us;
    private List<NDArray> vs;

    public SpectralRegularization(double lambda, int power, long seed) {
        this.lambda = lambda;
        this.power = power;
        this.seed = seed;
    }

    @Override
    public String name() {
        return "spectral";
    }

    @Override
    public List<NDArray> transformGradients(TrainingContext c, List<NDArray> grads) {
        List<Parameter> params = c.model().parameters();
        if (us == null) {
            init(params);
        }
        List<NDArray> out = new ArrayList<>(grads);
        int m = 0;
        for (int i = 0; i < params.size(); i++) {
            NDArray w = params.get(i).array();
            if (w.getShape().dimension() < 2) {
                continue;
            }
            NDArray u = us.get(m);
            NDArray v = vs.get(m++);
            NDArray w2 = w.stopGradient().reshape(w.getShape().get(0), -1);
            NDArray sigma = step(w2, u, v);
            // d/dW λ(σ^k − 1)² = 2λk(σ^k − 1)σ^{k−1} · u vᵀ
            NDArray coefficient = sigma.pow(power).sub(1f).mul(sigma.pow(power - 1)).mul((float) (2 * lambda * power));
            NDArray direction = u.reshape(-1, 1).matMul(v.reshape(1, -1)).reshape(w.getShape());
            out.set(i, grads.get(i).add(direction.mul(coefficient)));
        }
        return out;
    }

    /** One power iteration on W (updating u, v in place); returns σ = uᵀ W v. */
    static NDArray step(NDArray w2, NDArray u, NDArray v) {
        NDArray nv = w2.transpose().matMul(u.reshape(-1, 1)).reshape(-1);
        nv = nv.div(nv.norm().maximum(1e-12f));
        NDArray nu = w2.matMul(nv.reshape(-1, 1)).reshape(-1);
        nu = nu.div(nu.norm().maximum(1e-12f));
        v.muli(0).addi(nv);
        u.muli(0).addi(nu);
        return u.reshape(1, -1).matMul(w2).matMul(v.reshape(-1, 1)).reshape(new Shape());
    }

    private void init(List<Parameter> params) {
        us = new ArrayList<>();
        vs = new ArrayList<>();
        SplittableRandom rng = new SplittableRandom(seed);
        for (Parameter p : params) {
            Shape s = p.array().getShape();
            if (s.dimension() < 2) {
                continue;
            }
            us.add(unitVector(p.array(), (int) s.get(0), rng));
            vs.add(unitVector(p.array(), (int) (s.size() / s.get(0)), rng));
        }
    }

    private static NDArray unitVector(NDArray like, int n, SplittableRandom rng) {
        float[] x = new float[n];
        double norm = 0;
        for (int i = 0; i < n; i++) {
            x[i] = (float) (rng.nextDouble() * 2 - 1);
            norm += x[i] * x[i];
        }
        for (int i = 0; i < n; i++) {
            x[i] /= (float) Math.sqrt(norm);
        }
        NDArray a = Engines.owned(like.getManager().create(x));
        NDScope.unregister(a);
        return a;
    }

    /** The power iteration's persistent vectors (none before the first step). */
    @Override
    public StateDict exportState() {
        StateDict out = new StateDict();
        out.putCounter("layers", us == null ? -1 : us.size());
        if (us != null) {
            for (int i = 0; i < us.size(); i++) {
                out.putArray("u." + i, us.get(i));
                out.putArray("v." + i, vs.get(i));
            }
        }
        return out;
    }

    @Override
    public void importState(StateDict in, TrainingContext c) {
        if (in.counter("layers") < 0) {
            us = null;
            vs = null;
            return;
        }
        init(c.model().parameters());
        for (int i = 0; i < us.size(); i++) {
            in.copyInto("u." + i, us.get(i));
            in.copyInto("v." + i, vs.get(i));
        }
    }
}
