package ai.perennial.cl.strategy.projection;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import ai.perennial.core.data.Dataset;
import ai.perennial.core.data.HostDataset;
import ai.perennial.core.data.Shuffle;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.model.Model;
import ai.perennial.core.model.Parameter;
import ai.perennial.core.registry.Param;
import ai.perennial.core.train.Losses;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/** Per-experience episodic memories and the gradient bookkeeping shared by GEM and A-GEM. */
final class EpisodicMemory {
    static final Param<Integer> PATTERNS = Param.integer("patterns_per_experience", 256,
            "samples kept from each finished experience").atLeast(1).atMost(10_000_000);

    private final int patternsPerExperience;
    private final SplittableRandom rng;
    private final List<Dataset> parts = new ArrayList<>();

    EpisodicMemory(int patternsPerExperience, long seed) {
        this.patternsPerExperience = patternsPerExperience;
        this.rng = new SplittableRandom(seed);
    }

    /** Keeps {@code patternsPerExperience} random samples of a finished experience. */
    void add(Dataset experience) {
        int n = Math.min(patternsPerExperience, experience.size());
        parts.add(experience.select(Arrays.copyOf(Shuffle.permutation(experience.size(), rng), n)));
    }

    List<Dataset> parts() {
        return parts;
    }

    SplittableRandom rng() {
        return rng;
    }

    long bytes() {
        long bytes = 0;
        for (Dataset d : parts) {
            bytes += (long) d.size() * (((HostDataset) d).rowBytes() + 8);
        }
        return bytes;
    }

    /** Copies of the step's gradients; the parameters' buffers are zeroed for the next backward pass. */
    static List<NDArray> takeGradients(List<Parameter> params, List<NDArray> grads) {
        List<NDArray> out = new ArrayList<>(grads.size());
        for (int i = 0; i < grads.size(); i++) {
            out.add(grads.get(i).duplicate());
            Engines.zeroGradient(params.get(i).array());
        }
        return out;
    }

    /** Gradient (copies) of the mean cross-entropy on rows {@code indices} of {@code data}. */
    static List<NDArray> lossGradient(Model model, Dataset data, int[] indices, NDManager manager) {
        try (GradientCollector collector = Engines.pytorch().newGradientCollector()) {
            NDArray logits = model.forward(data.inputs(manager, indices), data.tasks(indices));
            collector.backward(Losses.crossEntropy(logits, data.labels(manager, indices)));
        }
        List<NDArray> out = new ArrayList<>();
        for (Parameter p : model.parameters()) {
            out.add(p.array().getGradient().duplicate());
            Engines.zeroGradient(p.array());
        }
        return out;
    }
}
