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
import ai.perennial.core.state.Rng;
import ai.perennial.core.state.StateDict;
import ai.perennial.core.train.Losses;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Per-experience episodic memories and the gradient bookkeeping shared by GEM and A-GEM. */
final class EpisodicMemory {
    static final Param<Integer> PATTERNS = Param.integer("patterns_per_experience", 256,
            "samples kept from each finished experience").atLeast(1).atMost(10_000_000);

    private final int patternsPerExperience;
    private final Rng rng;
    private final List<Dataset> parts = new ArrayList<>();

    EpisodicMemory(int patternsPerExperience, long seed) {
        this.patternsPerExperience = patternsPerExperience;
        this.rng = new Rng(seed);
    }

    /** Keeps {@code patternsPerExperience} random samples of a finished experience. */
    void add(Dataset experience) {
        int n = Math.min(patternsPerExperience, experience.size());
        parts.add(experience.select(Arrays.copyOf(Shuffle.permutation(experience.size(), rng), n)));
    }

    void exportTo(StateDict out, String prefix) {
        out.putCounter(prefix + "rng", rng.state());
        out.putCounter(prefix + "parts", parts.size());
        for (int i = 0; i < parts.size(); i++) {
            ((HostDataset) parts.get(i)).exportTo(out, prefix + i + ".");
        }
    }

    void importFrom(StateDict in, String prefix, Dataset template) {
        rng.restore(in.counter(prefix + "rng"));
        parts.clear();
        for (int i = 0; i < in.counter(prefix + "parts"); i++) {
            parts.add(HostDataset.importFrom(in, prefix + i + ".", template));
        }
    }

    List<Dataset> parts() {
        return parts;
    }

    Rng rng() {
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

    /** Gradient (copies) of the mean training loss on rows {@code indices} of {@code data}. */
    static List<NDArray> lossGradient(Model model, Losses.Loss loss, Dataset data, int[] indices, NDManager manager) {
        try (GradientCollector collector = Engines.newGradientCollector()) {
            NDArray logits = model.forward(data.inputs(manager, indices), data.tasks(indices));
            collector.backward(loss.apply(logits, data.labels(manager, indices)));
        }
        List<NDArray> out = new ArrayList<>();
        for (Parameter p : model.parameters()) {
            out.add(p.array().getGradient().duplicate());
            Engines.zeroGradient(p.array());
        }
        return out;
    }
}
