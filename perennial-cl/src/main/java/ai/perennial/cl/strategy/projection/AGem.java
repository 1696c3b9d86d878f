package ai.perennial.cl.strategy.projection;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.training.GradientCollector;
import ai.perennial.cl.strategy.Strategy;
import ai.perennial.core.data.Dataset;
import ai.perennial.core.data.HostDataset;
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
 * Averaged GEM (Chaudhry et al. 2019): an episodic memory keeps {@code patternsPerExperience} samples of
 * each finished experience; before each update the reference gradient g_ref on a random memory batch is
 * computed, and if the proposed gradient g conflicts with it (g·g_ref &lt; 0) it is projected:
 * g̃ = g − (g·g_ref / g_ref·g_ref) g_ref. Dot products run over all parameters at once, on the device.
 */
public final class AGem implements Strategy {
    private final int patternsPerExperience;
    private final int sampleSize;
    private final SplittableRandom rng;
    private final List<Dataset> memory = new ArrayList<>();
    private HostDataset merged;

    public AGem(int patternsPerExperience, int sampleSize, long seed) {
        this.patternsPerExperience = patternsPerExperience;
        this.sampleSize = sampleSize;
        this.rng = new SplittableRandom(seed);
    }

    @Override
    public String name() {
        return "agem";
    }

    @Override
    public void onExperienceEnd(TrainingContext c) {
        Dataset data = c.experienceData();
        int n = Math.min(patternsPerExperience, data.size());
        memory.add(data.select(Arrays.copyOf(Shuffle.permutation(data.size(), rng), n)));
        merged = HostDataset.concat("agem-memory", memory);
    }

    @Override
    public List<NDArray> transformGradients(TrainingContext c, List<NDArray> grads) {
        if (merged == null) {
            return grads;
        }
        List<Parameter> params = c.model().parameters();
        List<NDArray> g = new ArrayList<>(grads.size());
        for (int i = 0; i < grads.size(); i++) {
            g.add(grads.get(i).duplicate());
            Engines.zeroGradient(params.get(i).array());
        }
        int[] pick = Arrays.copyOf(Shuffle.permutation(merged.size(), rng), Math.min(sampleSize, merged.size()));
        Engine engine = Engines.pytorch();
        try (GradientCollector collector = engine.newGradientCollector()) {
            NDArray logits = c.model().forward(merged.inputs(g.get(0).getManager(), pick), merged.tasks(pick));
            collector.backward(Losses.crossEntropy(logits, merged.labels(g.get(0).getManager(), pick)));
        }
        List<NDArray> reference = new ArrayList<>(grads.size());
        for (Parameter p : params) {
            reference.add(p.array().getGradient().duplicate());
            Engines.zeroGradient(p.array());
        }
        return project(g, reference);
    }

    /** g − (min(g·r, 0) / r·r) r over the whole parameter list; no host read-back. */
    public static List<NDArray> project(List<NDArray> g, List<NDArray> reference) {
        NDArray dot = null;
        NDArray norm = null;
        for (int i = 0; i < g.size(); i++) {
            NDArray d = g.get(i).mul(reference.get(i)).sum();
            NDArray n = reference.get(i).square().sum();
            dot = dot == null ? d : dot.add(d);
            norm = norm == null ? n : norm.add(n);
        }
        NDArray coefficient = dot.minimum(0f).div(norm.maximum(1e-30f));
        List<NDArray> out = new ArrayList<>(g.size());
        for (int i = 0; i < g.size(); i++) {
            out.add(g.get(i).sub(reference.get(i).mul(coefficient)));
        }
        return out;
    }

    @Override
    public long bufferBytes() {
        return merged == null ? 0 : (long) merged.size() * (merged.rowBytes() + 8);
    }
}
