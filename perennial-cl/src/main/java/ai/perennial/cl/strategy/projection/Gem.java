package ai.perennial.cl.strategy.projection;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.training.GradientCollector;
import ai.perennial.cl.strategy.Strategy;
import ai.perennial.core.data.Dataset;
import ai.perennial.core.data.Shuffle;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.model.Parameter;
import ai.perennial.core.train.Losses;
import ai.perennial.core.train.TrainingContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Gradient episodic memory (Lopez-Paz &amp; Ranzato 2017). Each finished experience k leaves
 * {@code patternsPerExperience} samples in memory; at every step the gradient g_k of each memory is
 * computed, and when g conflicts with any of them (⟨g, g_k⟩ &lt; 0) g is replaced by the closest g̃ with
 * ⟨g̃, g_k⟩ ≥ 0 for all k, via the dual QP min_v ½vᵀ(GGᵀ)v + (Gg)ᵀv s.t. v ≥ γ, g̃ = Gᵀv + g (γ: the
 * "memory strength" margin of the reference code). The t×t system is read back once per step.
 */
public final class Gem implements Strategy {
    private final int patternsPerExperience;
    private final double margin;
    private final SplittableRandom rng;
    private final List<Dataset> memories = new ArrayList<>();

    public Gem(int patternsPerExperience, double margin, long seed) {
        this.patternsPerExperience = patternsPerExperience;
        this.margin = margin;
        this.rng = new SplittableRandom(seed);
    }

    @Override
    public String name() {
        return "gem";
    }

    @Override
    public void onExperienceEnd(TrainingContext c) {
        Dataset data = c.experienceData();
        int n = Math.min(patternsPerExperience, data.size());
        memories.add(data.select(Arrays.copyOf(Shuffle.permutation(data.size(), rng), n)));
    }

    @Override
    public List<NDArray> transformGradients(TrainingContext c, List<NDArray> grads) {
        if (memories.isEmpty()) {
            return grads;
        }
        List<Parameter> params = c.model().parameters();
        List<NDArray> g = new ArrayList<>();
        for (int i = 0; i < grads.size(); i++) {
            g.add(grads.get(i).duplicate());
            Engines.zeroGradient(params.get(i).array());
        }
        Engine engine = Engines.pytorch();
        List<List<NDArray>> memoryGrads = new ArrayList<>();
        for (Dataset memory : memories) {
            int[] all = Shuffle.range(memory.size());
            try (GradientCollector collector = engine.newGradientCollector()) {
                NDArray logits = c.model().forward(memory.inputs(g.get(0).getManager(), all), memory.tasks(all));
                collector.backward(Losses.crossEntropy(logits, memory.labels(g.get(0).getManager(), all)));
            }
            List<NDArray> gk = new ArrayList<>();
            for (Parameter p : params) {
                gk.add(p.array().getGradient().duplicate());
                Engines.zeroGradient(p.array());
            }
            memoryGrads.add(gk);
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
        long bytes = 0;
        for (Dataset m : memories) {
            bytes += (long) m.size() * (((ai.perennial.core.data.HostDataset) m).rowBytes() + 8);
        }
        return bytes;
    }
}
