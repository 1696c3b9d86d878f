package ai.perennial.cl.strategy.replay;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.perennial.cl.buffer.ReplayBuffer;
import ai.perennial.cl.strategy.Strategy;
import ai.perennial.core.data.Dataset;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.registry.Component;
import ai.perennial.core.registry.Param;
import ai.perennial.core.registry.Registered;
import ai.perennial.core.state.StateDict;
import ai.perennial.core.train.Batch;
import ai.perennial.core.train.TrainingContext;

/**
 * Dark experience replay (Buzzega et al. 2020). The reservoir memory keeps each stream sample with the
 * logits the model gave it when it was seen; training adds α·MSE(f(x'), z') on one memory batch (DER) and,
 * with β &gt; 0, β·CE(f(x''), y'') on another (DER++).
 */
public final class DarkExperienceReplay implements Strategy {
    @Registered
    public static final Component<Long, Strategy> DER = Component.of(KIND, "der")
            .summary("dark experience replay: α·MSE between current and stored logits on a memory batch")
            .source("Buzzega et al. 2020")
            .family(Strategy.REPLAY)
            .params(ReplayBuffer.MEMORY, Param.number("alpha", 0.3, "weight α of the logit term").positive(), Replay.REPLAY_BATCH)
            .factory((v, seed) -> new DarkExperienceReplay(v.get(ReplayBuffer.MEMORY), v.number("alpha"), 0,
                    v.get(Replay.REPLAY_BATCH), seed));

    @Registered
    public static final Component<Long, Strategy> DERPP = Component.of(KIND, "derpp")
            .summary("DER++: DER plus β·cross-entropy on a second memory batch")
            .source("Buzzega et al. 2020")
            .family(Strategy.REPLAY)
            .params(ReplayBuffer.MEMORY, Param.number("alpha", 0.1, "weight α of the logit term").positive(),
                    Param.number("beta", 0.5, "weight β of the label term").positive(), Replay.REPLAY_BATCH)
            .factory((v, seed) -> new DarkExperienceReplay(v.get(ReplayBuffer.MEMORY), v.number("alpha"), v.number("beta"),
                    v.get(Replay.REPLAY_BATCH), seed));

    private final ReplayBuffer buffer;
    private final double alpha;
    private final double beta;
    private final int replayBatch;
    private float[][] pendingLogits;
    private int[] logitSlots;
    private int[] labelSlots;

    public DarkExperienceReplay(int memory, double alpha, double beta, int replayBatch, long seed) {
        this.buffer = new ReplayBuffer(memory, ReplayBuffer.Policy.RESERVOIR, seed);
        this.alpha = alpha;
        this.beta = beta;
        this.replayBatch = replayBatch;
    }

    @Override
    public String name() {
        return beta > 0 ? "derpp" : "der";
    }

    /** The memory slots this step replays, drawn in {@link #adaptBatch} so a second loss evaluation sees the same ones. */
    @Override
    public Batch adaptBatch(TrainingContext c, Batch batch) {
        int n = replayBatch > 0 ? replayBatch : batch.size();
        logitSlots = buffer.size() == 0 ? null : buffer.sample(n);
        labelSlots = buffer.size() == 0 || beta == 0 ? null : buffer.sample(n);
        return batch;
    }

    /** The logits of the step's own forward pass, stored with the samples after the update. */
    @Override
    public void afterForward(TrainingContext c, Batch batch, NDArray logits) {
        pendingLogits = rows(logits.stopGradient().toFloatArray(), batch.size());
    }

    @Override
    public NDArray extraLoss(TrainingContext c, Batch batch, NDArray logits) {
        if (logitSlots == null) {
            return null;
        }
        NDManager m = logits.getManager();
        Dataset memory = buffer.view(logitSlots);
        int[] all = Replay.all(logitSlots.length);
        NDArray predicted = c.model().forward(c.augment(memory.inputs(m, all), 1), memory.tasks(all)); // augmented like the stream
        NDArray stored = Engines.owned(m.create(buffer.logits(logitSlots), predicted.getShape()));
        NDArray loss = Engines.times(predicted.sub(stored).square().mean(), alpha);
        if (labelSlots != null) {
            Dataset memory2 = buffer.view(labelSlots);
            int[] all2 = Replay.all(labelSlots.length);
            NDArray out2 = c.model().forward(c.augment(memory2.inputs(m, all2), 2), memory2.tasks(all2));
            loss = loss.add(Engines.times(c.loss().apply(out2, memory2.labels(m, all2)), beta));
        }
        return loss;
    }

    @Override
    public void afterUpdate(TrainingContext c, Batch batch) {
        int[] indices = batch.indices();
        int[] stream = Replay.streamIndices(batch);
        float[][] streamLogits = new float[stream.length][];
        for (int i = 0, k = 0; i < indices.length; i++) {
            if (indices[i] >= 0) {
                streamLogits[k++] = pendingLogits[i];
            }
        }
        buffer.offer(c.experienceData(), stream, streamLogits);
    }

    @Override
    public long bufferBytes() {
        return buffer.bytes();
    }

    ReplayBuffer buffer() {
        return buffer;
    }

    private static float[][] rows(float[] flat, int n) {
        int width = flat.length / n;
        float[][] out = new float[n][];
        for (int i = 0; i < n; i++) {
            out[i] = java.util.Arrays.copyOfRange(flat, i * width, (i + 1) * width);
        }
        return out;
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
