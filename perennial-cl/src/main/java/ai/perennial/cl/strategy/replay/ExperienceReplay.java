package ai.perennial.cl.strategy.replay;

import ai.perennial.cl.buffer.ReplayBuffer;
import ai.perennial.cl.strategy.Strategy;
import ai.perennial.core.train.Batch;
import ai.perennial.core.train.TrainingContext;

/**
 * Experience replay (Chaudhry et al. 2019, "On tiny episodic memories"): every batch is extended with an
 * equally large (or {@code replayBatch}) random batch from a fixed-size memory filled by reservoir
 * sampling (or greedy class balancing) from the stream.
 */
public final class ExperienceReplay implements Strategy {
    private final ReplayBuffer buffer;
    private final int replayBatch;

    public ExperienceReplay(int memory, ReplayBuffer.Policy policy, int replayBatch, long seed) {
        this.buffer = new ReplayBuffer(memory, policy, seed);
        this.replayBatch = replayBatch;
    }

    @Override
    public String name() {
        return "er";
    }

    @Override
    public Batch adaptBatch(TrainingContext c, Batch batch) {
        if (buffer.size() == 0) {
            return batch;
        }
        int[] slots = buffer.sample(replayBatch > 0 ? replayBatch : batch.size());
        return Replay.append(batch, buffer.view(slots));
    }

    @Override
    public void afterUpdate(TrainingContext c, Batch batch) {
        buffer.offer(c.experienceData(), Replay.streamIndices(batch), null);
    }

    @Override
    public long bufferBytes() {
        return buffer.bytes();
    }

}
