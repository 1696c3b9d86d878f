package ai.perennial.cl.strategy.projection;

import ai.djl.ndarray.NDArray;
import ai.perennial.cl.strategy.Strategy;
import ai.perennial.core.data.HostDataset;
import ai.perennial.core.data.Shuffle;
import ai.perennial.core.registry.Component;
import ai.perennial.core.registry.Param;
import ai.perennial.core.registry.Registered;
import ai.perennial.core.state.StateDict;
import ai.perennial.core.train.TrainingContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Averaged GEM (Chaudhry et al. 2019): an episodic memory keeps {@code patternsPerExperience} samples of
 * each finished experience; before each update the reference gradient g_ref on a random memory batch is
 * computed, and if the proposed gradient g conflicts with it (g·g_ref &lt; 0) it is projected:
 * g̃ = g − (g·g_ref / g_ref·g_ref) g_ref. Dot products run over all parameters at once, on the device.
 */
public final class AGem implements Strategy {
    @Registered
    public static final Component<Long, Strategy> AGEM = Component.of(KIND, "agem")
            .summary("averaged GEM: project the gradient when it conflicts with one reference gradient on a random memory batch")
            .source("Chaudhry et al. 2019")
            .family("projection")
            .params(EpisodicMemory.PATTERNS, Param.integer("sample_size", 256, "memory samples for the reference gradient").atLeast(1)
                    .atMost(10_000_000))
            .factory((v, seed) -> new AGem(v.get(EpisodicMemory.PATTERNS), v.integer("sample_size"), seed));

    private final EpisodicMemory memory;
    private final int sampleSize;
    private HostDataset merged;

    public AGem(int patternsPerExperience, int sampleSize, long seed) {
        this.memory = new EpisodicMemory(patternsPerExperience, seed);
        this.sampleSize = sampleSize;
    }

    @Override
    public String name() {
        return "agem";
    }

    @Override
    public void onExperienceEnd(TrainingContext c) {
        memory.add(c.experienceData());
        merged = HostDataset.concat("agem-memory", memory.parts());
    }

    @Override
    public List<NDArray> transformGradients(TrainingContext c, List<NDArray> grads) {
        if (merged == null) {
            return grads;
        }
        List<NDArray> g = EpisodicMemory.takeGradients(c.model().parameters(), grads);
        int[] pick = Arrays.copyOf(Shuffle.permutation(merged.size(), memory.rng()), Math.min(sampleSize, merged.size()));
        return project(g, EpisodicMemory.lossGradient(c.model(), c.loss(), merged, pick, g.get(0).getManager()));
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
        merged = memory.parts().isEmpty() ? null : HostDataset.concat("agem-memory", memory.parts());
    }
}
