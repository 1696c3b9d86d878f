package ai.perennial.core.lowrank;

import ai.perennial.core.state.Rng;
import ai.perennial.core.state.StateDict;
import ai.perennial.core.train.Batch;
import ai.perennial.core.train.TrainingContext;
import ai.perennial.core.train.TrainingHook;

/**
 * What LoRA does in the training loop. With {@code restartEvery} K &gt; 0 it is ReLoRA's restart: after every K-th
 * optimizer step of the run, each adapter is merged into its base weight, B restarts at zero and A from a fresh draw, and
 * the smallest {@code optimizerReset} share of the adapters' optimizer state is cleared (the learning rate's re-warm is
 * the optimizer's jagged factor, {@link Lora#optimizer}). In every case it carries the adapters' state that is neither a
 * parameter nor a frozen weight — the merged flag, the draws for A, the restarts so far — through checkpoints.
 */
public final class LoraTraining implements TrainingHook {
    private final LoraModel model;
    private final long restartEvery;
    private final double optimizerReset;
    private final Rng rng;
    private long restarts;

    LoraTraining(LoraModel model, long restartEvery, double optimizerReset, long seed) {
        this.model = model;
        this.restartEvery = restartEvery;
        this.optimizerReset = optimizerReset;
        this.rng = new Rng(seed);
    }

    @Override
    public String name() {
        return restartEvery > 0 ? "ReLoRA restarts" : "LoRA adapters";
    }

    /** Restarts done so far. */
    public long restarts() {
        return restarts;
    }

    @Override
    public void afterUpdate(TrainingContext context, Batch batch) {
        if (restartEvery > 0 && context.globalStep() % restartEvery == 0) {
            model.mergeAndRestart(rng);
            for (int i : model.adapterIndices()) {
                context.optimizer().pruneState(i, optimizerReset);
            }
            restarts++;
        }
    }

    @Override
    public StateDict exportState() {
        StateDict out = new StateDict();
        out.putCounter("rng", rng.state());
        out.putCounter("restarts", restarts);
        out.putAll("model.", model.exportState());
        return out;
    }

    @Override
    public void importState(StateDict state, TrainingContext context) {
        rng.restore(state.counter("rng"));
        restarts = state.counter("restarts");
        model.importState(state.child("model."));
    }
}
