package ai.perennial.cl.strategy.replay;

import ai.perennial.core.data.DataSources;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.perennial.cl.buffer.ReplayBuffer;
import ai.perennial.cl.scenario.Scenario;
import ai.perennial.cl.strategy.Strategy;
import ai.perennial.core.data.Dataset;
import ai.perennial.core.registry.Component;
import ai.perennial.core.registry.Registered;
import ai.perennial.core.state.StateDict;
import ai.perennial.core.train.Batch;
import ai.perennial.core.train.Losses;
import ai.perennial.core.train.TrainingContext;
import java.util.Arrays;

/**
 * ER-ACE (Caccia et al. 2022, "New insights on reducing abrupt representation change"): asymmetric
 * cross-entropy. The incoming batch's loss is computed over the classes present in that batch only
 * (logits of absent classes masked), so new classes do not push old ones down; the replayed batch uses
 * the full softmax. Single-head (class-incremental) form; with several heads it is plain ER.
 */
public final class ErAce implements Strategy {
    @Registered
    public static final Component<Long, Strategy> ER_ACE = Component.of(KIND, "er-ace")
            .summary("ER with asymmetric cross-entropy: the incoming batch's loss over the classes present in it only")
            .source("Caccia et al. 2022")
            .family(Strategy.REPLAY)
            .requires(DataSources.CLASS_TARGETS)
            .params(ReplayBuffer.MEMORY, Replay.REPLAY_BATCH)
            .requires(Scenario.CLASS_INCREMENTAL, Scenario.DOMAIN_INCREMENTAL)
            .factory((v, seed) -> new ErAce(v.get(ReplayBuffer.MEMORY), v.get(Replay.REPLAY_BATCH), seed));

    private final ReplayBuffer buffer;
    private final int replayBatch;
    private int[] slots;

    public ErAce(int memory, int replayBatch, long seed) {
        this.buffer = new ReplayBuffer(memory, ReplayBuffer.Policy.RESERVOIR, seed);
        this.replayBatch = replayBatch;
    }

    @Override
    public String name() {
        return "er-ace";
    }

    /** Drawn here so that a second loss evaluation in the same step (SAM) replays the same samples. */
    @Override
    public Batch adaptBatch(TrainingContext c, Batch batch) {
        slots = buffer.size() == 0 ? null : buffer.sample(replayBatch > 0 ? replayBatch : batch.size());
        return batch;
    }

    @Override
    public NDArray extraLoss(TrainingContext c, Batch batch, NDArray logits) {
        // The loop adds the full cross-entropy of the incoming batch; replace it by the masked one:
        // loss = CE_masked(incoming) - CE_full(incoming) + CE_full(replay), all on this step's graph.
        int outputs = (int) logits.getShape().get(1);
        float[] present = new float[outputs];
        Arrays.fill(present, -1e9f);
        if (c.model().numHeads() == 1) {
            for (int i : batch.indices()) { // labels from the host copy: no device read-back
                present[c.experienceData().label(i)] = 0;
            }
        } else {
            Arrays.fill(present, 0);
        }
        NDArray mask = logits.getManager().create(present, new Shape(1, outputs));
        NDArray loss = Losses.crossEntropy(logits.add(mask), batch.labels()).sub(Losses.crossEntropy(logits, batch.labels()));
        if (slots != null) {
            Dataset memory = buffer.view(slots);
            int[] all = Replay.all(slots.length);
            NDArray replayLogits = c.model().forward(memory.inputs(logits.getManager(), all), memory.tasks(all));
            loss = loss.add(Losses.crossEntropy(replayLogits, memory.labels(logits.getManager(), all)));
        }
        return loss;
    }

    @Override
    public void afterUpdate(TrainingContext c, Batch batch) {
        buffer.offer(c.experienceData(), batch.indices(), null);
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
