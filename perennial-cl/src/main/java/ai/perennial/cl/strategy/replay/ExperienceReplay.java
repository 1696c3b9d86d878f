package ai.perennial.cl.strategy.replay;

import ai.perennial.cl.buffer.ReplayBuffer;
import ai.perennial.cl.strategy.Strategy;
import ai.perennial.core.registry.Component;
import ai.perennial.core.registry.Param;
import ai.perennial.core.registry.Registered;
import ai.perennial.core.state.StateDict;
import ai.perennial.core.train.Batch;
import ai.perennial.core.train.TrainingContext;

/**
 * Experience replay (Chaudhry et al. 2019, "On tiny episodic memories"): every batch is extended with an
 * equally large (or {@code replayBatch}) random batch from a fixed-size memory filled by reservoir
 * sampling (or greedy class balancing) from the stream, replaying from the first experience on.
 *
 * <p>{@code policy: experience-balanced} is the convention of several PyTorch continual-learning libraries instead: the
 * memory is filled only at the end of each experience, with an equal share per experience seen, so replay starts with
 * the second experience.
 */
public final class ExperienceReplay implements Strategy {
    private static final Param<String> POLICY = Param.choice("policy", "reservoir",
            "how the memory is filled: reservoir sampling or greedy class balancing from the stream, or experience-balanced at "
                    + "each experience's end", "reservoir", "class-balanced", "experience-balanced");

    @Registered
    public static final Component<Long, Strategy> ER = Component.of(KIND, "er")
            .summary("experience replay: each batch plus an equal-size batch from a reservoir (or class-balanced) memory of raw inputs")
            .source("Chaudhry et al. 2019")
            .family(Strategy.REPLAY)
            .params(ReplayBuffer.MEMORY, POLICY, Replay.REPLAY_BATCH)
            .factory((v, seed) -> new ExperienceReplay(v.get(ReplayBuffer.MEMORY),
                    ReplayBuffer.Policy.valueOf(v.get(POLICY).toUpperCase(java.util.Locale.ROOT).replace('-', '_')), v.get(Replay.REPLAY_BATCH),
                    seed));

    private final ReplayBuffer buffer;
    private final boolean atExperienceEnds;
    private final int replayBatch;

    public ExperienceReplay(int memory, ReplayBuffer.Policy policy, int replayBatch, long seed) {
        this.buffer = new ReplayBuffer(memory, policy, seed);
        this.atExperienceEnds = policy == ReplayBuffer.Policy.EXPERIENCE_BALANCED;
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
        if (!atExperienceEnds) {
            buffer.offer(c.experienceData(), Replay.streamIndices(batch), null);
        }
    }

    @Override
    public void onExperienceEnd(TrainingContext c) {
        if (atExperienceEnds) {
            buffer.fillFromExperience(c.experienceData(), c.experienceIndex());
        }
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
