package ai.perennial.cl.strategy.projection;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.perennial.cl.strategy.Strategy;
import ai.perennial.core.data.Dataset;
import ai.perennial.core.data.Shuffle;
import ai.perennial.core.registry.Component;
import ai.perennial.core.registry.Param;
import ai.perennial.core.registry.Registered;
import ai.perennial.core.state.StateDict;
import ai.perennial.core.train.TrainingContext;
import java.util.ArrayList;
import java.util.List;

/**
 * Gradient episodic memory (Lopez-Paz &amp; Ranzato 2017). Each finished experience k leaves
 * {@code patternsPerExperience} samples in memory; at every step the gradient g_k of each memory is
 * computed, and when g conflicts with any of them (⟨g, g_k⟩ &lt; 0) g is replaced by the closest g̃ with
 * ⟨g̃, g_k⟩ ≥ 0 for all k, via the dual QP min_v ½vᵀ(GGᵀ)v + (Gg)ᵀv s.t. v ≥ γ, g̃ = Gᵀv + g (γ: the
 * "memory strength" margin of the reference code). The t×t system is read back once per step.
 */
public final class Gem implements Strategy {
    @Registered
    public static final Component<Long, Strategy> GEM = Component.of(KIND, "gem")
            .summary("gradient episodic memory: the closest gradient that conflicts with no past experience's memory gradient (dual QP)")
            .source("Lopez-Paz & Ranzato 2017")
            .family("projection")
            .params(EpisodicMemory.PATTERNS, Param.number("margin", 0.5, "memory strength γ (the dual's lower bound)").nonNegative())
            .factory((v, seed) -> new Gem(v.get(EpisodicMemory.PATTERNS), v.number("margin"), seed));

    private final EpisodicMemory memory;
    private final double margin;

    public Gem(int patternsPerExperience, double margin, long seed) {
        this.memory = new EpisodicMemory(patternsPerExperience, seed);
        this.margin = margin;
    }

    @Override
    public String name() {
        return "gem";
    }

    @Override
    public void onExperienceEnd(TrainingContext c) {
        memory.add(c.experienceData());
    }

    @Override
    public List<NDArray> transformGradients(TrainingContext c, List<NDArray> grads) {
        if (memory.parts().isEmpty()) {
            return grads;
        }
        List<NDArray> g = EpisodicMemory.takeGradients(c.model().parameters(), grads);
        List<List<NDArray>> memoryGrads = new ArrayList<>();
        for (Dataset m : memory.parts()) {
            memoryGrads.add(EpisodicMemory.lossGradient(c.model(), c.loss(), m, Shuffle.range(m.size()), g.get(0).getManager()));
        }
        return project(g, memoryGrads, margin);
    }

    /** The GEM projection of g against the memory gradients; returns g itself when nothing conflicts. */
    public static List<NDArray> project(List<NDArray> g, List<List<NDArray>> memoryGrads, double margin) {
        int t = memoryGrads.size();
        // one read-back: Gg (t values) and GGᵀ (t² values)
        List<NDArray> dots = new ArrayList<>();
        for (int a = 0; a < t; a++) {
            dots.add(dot(memoryGrads.get(a), g));
        }
        for (int a = 0; a < t; a++) {
            for (int b = 0; b < t; b++) {
                dots.add(dot(memoryGrads.get(a), memoryGrads.get(b)));
            }
        }
        float[] values = NDArrays.stack(new NDList(dots)).toFloatArray();
        double[] gg = new double[t];
        boolean conflict = false;
        for (int a = 0; a < t; a++) {
            gg[a] = values[a];
            conflict |= gg[a] < 0;
        }
        if (!conflict) {
            return g;
        }
        double[][] q = new double[t][t];
        for (int a = 0; a < t; a++) {
            for (int b = 0; b < t; b++) {
                q[a][b] = values[t + a * t + b];
            }
            q[a][a] += 1e-6; // the reference code's ridge, keeps Q positive definite
        }
        double[] v = BoxQp.solve(q, gg, margin, 1e-9, 10_000);
        List<NDArray> out = new ArrayList<>(g.size());
        for (int i = 0; i < g.size(); i++) {
            NDArray gi = g.get(i);
            for (int a = 0; a < t; a++) {
                gi = gi.add(memoryGrads.get(a).get(i).mul((float) v[a]));
            }
            out.add(gi);
        }
        return out;
    }

    private static NDArray dot(List<NDArray> a, List<NDArray> b) {
        NDArray sum = null;
        for (int i = 0; i < a.size(); i++) {
            NDArray d = a.get(i).mul(b.get(i)).sum();
            sum = sum == null ? d : sum.add(d);
        }
        return sum;
    }

    @Override
    public long bufferBytes() {
        return memory.bytes();
    }

    @Override
    public StateDict exportState() {
        StateDict out = new StateDict();
        memory.exportTo(out, "memory.");
        return out;
    }

    @Override
    public void importState(StateDict in, TrainingContext c) {
        memory.importFrom(in, "memory.", c.experienceData());
    }
}
