package ai.perennial.cl.strategy.replay;

import ai.perennial.core.data.DataSources;
import ai.perennial.cl.buffer.ReplayBuffer;
import ai.perennial.cl.scenario.Experience;
import ai.perennial.cl.strategy.Strategy;
import ai.perennial.core.data.Dataset;
import ai.perennial.core.data.HostDataset;
import ai.perennial.core.data.Shuffle;
import ai.perennial.core.registry.Component;
import ai.perennial.core.registry.Param;
import ai.perennial.core.registry.Registered;
import ai.perennial.core.state.StateDict;
import ai.perennial.core.train.TrainingContext;
import java.util.List;

/**
 * GDumb (Prabhu, Torr &amp; Dokania 2020): greedily keep a class-balanced memory of the stream and train
 * only on that memory. Here each experience trains {@code passes} epochs on the memory after the
 * experience's samples were offered to it; the original retrains from scratch before evaluation, this
 * variant continues from the current weights.
 */
public final class GDumb implements Strategy {
    @Registered
    public static final Component<Long, Strategy> GDUMB = Component.of(KIND, "gdumb")
            .summary("greedy class-balanced memory; trains only on the memory (continuing from the current weights)")
            .source("Prabhu, Torr & Dokania 2020")
            .family(Strategy.REPLAY)
            .requires(DataSources.CLASS_TARGETS)
            .params(ReplayBuffer.MEMORY, Param.integer("passes", 20, "epochs over the memory per experience").atLeast(1).atMost(100_000))
            .tag(SELECTS_DATA)
            .factory((v, seed) -> new GDumb(v.get(ReplayBuffer.MEMORY), v.integer("passes"), seed));

    private final ReplayBuffer buffer;
    private final int passes;

    public GDumb(int memory, int passes, long seed) {
        this.buffer = new ReplayBuffer(memory, ReplayBuffer.Policy.CLASS_BALANCED, seed);
        this.passes = passes;
    }

    @Override
    public String name() {
        return "gdumb";
    }

    @Override
    public int trainingSize(List<Experience> stream, int index) {
        int seen = stream.subList(0, index + 1).stream().mapToInt(e -> e.train().size()).sum();
        return Math.min(buffer.capacity(), seen) * passes;
    }

    /** Every sample of the new experience is offered to the class-balanced memory. */
    @Override
    public void beforeExperience(List<Experience> stream, int index) {
        Dataset data = stream.get(index).train();
        buffer.offer(data, Shuffle.range(data.size()), null);
    }

    /** {@code passes} copies of the memory (the loop shuffles them). */
    @Override
    public Dataset trainingData(List<Experience> stream, int index) {
        Dataset memory = buffer.view(Shuffle.range(buffer.size()));
        return HostDataset.concat("gdumb-memory-" + index, java.util.Collections.nCopies(passes, memory));
    }

    @Override
    public long bufferBytes() {
        return buffer.bytes();
    }

    @Override
    public StateDict exportState() {
        StateDict out = new StateDict();
        buffer.exportTo(out, "buffer.");
        return out;
    }

    @Override
    public void importState(StateDict in, TrainingContext c) {
        buffer.importFrom(in, "buffer.", c.experienceData());
    }
}
