package ai.perennial.cl.strategy.plasticity;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.perennial.cl.strategy.Strategy;
import ai.perennial.cl.strategy.Tensors;
import ai.perennial.core.model.Parameter;
import ai.perennial.core.registry.Component;
import ai.perennial.core.registry.Param;
import ai.perennial.core.registry.Registered;
import ai.perennial.core.state.StateDict;
import ai.perennial.core.train.TrainingContext;
import java.util.ArrayList;
import java.util.List;

/**
 * Wasserstein regularization towards the initial weight distribution (Lewandowski et al. 2024): λ Σ_l Σ_k
 * (sort(θ_l)_k − sort(θ_l,0)_k)² per parameter tensor, the squared 1-D Wasserstein-2 distance between the current and
 * the initial values. It constrains only the distribution, not which weight holds which value. Its gradient is
 * 2λ(θ_i − sort(θ₀)_{rank(θ_i)}): each weight is pulled towards the initial value of the same rank, added to the task
 * gradient directly. Matching ranks takes a sort of every tensor (about 6 ms for 78k weights on one core), so the
 * matching may be refreshed only every {@code rank_every} steps and held in between (1, the default, is exact; ranks
 * move little from one step to the next).
 */
public final class WassersteinInit implements Strategy {
    @Registered
    public static final Component<Long, Strategy> W_INIT = Component.of(KIND, "w-init")
            .summary("Wasserstein regularization towards the initial weight distribution: λ Σ (sort(θ) − sort(θ₀))² per tensor")
            .source("Lewandowski et al. 2024")
            .family("plasticity")
            .params(Param.number("lambda", 1e-2, "penalty strength λ").positive(),
                    Param.integer("rank_every", 1, "steps between rank matchings (1 = exact at every step)").atLeast(1))
            .factory((v, seed) -> new WassersteinInit(v.number("lambda"), v.integer("rank_every")));

    private final double lambda;
    private final int rankEvery;
    private List<NDArray> sortedInit;
    private List<NDArray> matched; // per tensor: the initial value of each weight's rank at the last matching

    public WassersteinInit(double lambda, int rankEvery) {
        this.lambda = lambda;
        this.rankEvery = rankEvery;
    }

    @Override
    public String name() {
        return "w-init";
    }

    @Override
    public void onExperienceStart(TrainingContext c) {
        if (sortedInit == null) {
            sortedInit = new ArrayList<>();
            for (Parameter p : c.model().parameters()) {
                NDArray s = p.array().stopGradient().flatten().sort();
                NDScope.unregister(s);
                sortedInit.add(s);
            }
        }
    }

    @Override
    public List<NDArray> transformGradients(TrainingContext c, List<NDArray> grads) {
        List<Parameter> params = c.model().parameters();
        if (matched == null || c.globalStep() % rankEvery == 0) {
            Tensors.close(matched);
            matched = new ArrayList<>();
            for (int i = 0; i < params.size(); i++) {
                NDArray m = match(params.get(i).array().stopGradient(), sortedInit.get(i));
                NDScope.unregister(m);
                matched.add(m);
            }
        }
        List<NDArray> out = new ArrayList<>(grads.size());
        for (int i = 0; i < grads.size(); i++) {
            NDArray theta = params.get(i).array().stopGradient();
            out.add(theta.sub(matched.get(i)).muli((float) (2 * lambda)).addi(grads.get(i)));
        }
        return out;
    }

    /** The initial value of each weight's rank, shaped like {@code theta}: the k-th smallest weight gets the k-th smallest initial value. */
    static NDArray match(NDArray theta, NDArray sortedInit) {
        NDArray flat = theta.flatten();
        return flat.zerosLike().scatter(flat.argSort(), sortedInit, 0).reshape(theta.getShape());
    }

    /** The exact gradient 2λ(θ − sort(θ₀)[rank(θ)]), shaped like {@code theta}. */
    static NDArray gradient(NDArray theta, NDArray sortedInit, double lambda) {
        return theta.sub(match(theta, sortedInit)).muli((float) (2 * lambda));
    }

    /** The penalty λ Σ (sort(θ) − sort(θ₀))² (a host read; for tests and reports). */
    double value(List<Parameter> params) {
        double sum = 0;
        for (int i = 0; i < params.size(); i++) {
            try (NDScope scope = new NDScope()) {
                sum += params.get(i).array().stopGradient().flatten().sort().sub(sortedInit.get(i)).square().sum().getFloat();
            }
        }
        return lambda * sum;
    }

    @Override
    public StateDict exportState() {
        StateDict out = new StateDict();
        out.putCounter("active", sortedInit == null ? 0 : 1);
        out.putCounter("matched", matched == null ? 0 : 1);
        if (sortedInit != null) {
            for (int i = 0; i < sortedInit.size(); i++) {
                out.putArray("sorted_init." + i, sortedInit.get(i));
            }
        }
        if (matched != null) {
            for (int i = 0; i < matched.size(); i++) {
                out.putArray("matched." + i, matched.get(i));
            }
        }
        return out;
    }

    @Override
    public void importState(StateDict in, TrainingContext c) {
        Tensors.close(sortedInit);
        Tensors.close(matched);
        sortedInit = null;
        matched = null;
        List<Parameter> params = c.model().parameters();
        if (in.counter("matched") == 1) {
            matched = new ArrayList<>();
            for (Parameter p : params) {
                NDArray m = c.stateManager().zeros(p.array().getShape());
                NDScope.unregister(m);
                in.copyInto("matched." + matched.size(), m);
                matched.add(m);
            }
        }
        if (in.counter("active") == 1) {
            sortedInit = new ArrayList<>();
            for (int i = 0; i < c.model().parameters().size(); i++) {
                NDArray s = c.stateManager().zeros(new Shape(c.model().parameters().get(i).array().getShape().size()));
                NDScope.unregister(s);
                in.copyInto("sorted_init." + i, s);
                sortedInit.add(s);
            }
        }
    }
}
