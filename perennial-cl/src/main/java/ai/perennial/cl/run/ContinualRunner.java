package ai.perennial.cl.run;

import ai.perennial.cl.scenario.Experience;
import ai.perennial.cl.scenario.Scenario;
import ai.perennial.cl.strategy.Strategy;
import ai.perennial.core.PerennialException;
import ai.perennial.core.train.Augmentation;
import ai.perennial.core.data.Dataset;
import ai.perennial.core.data.Shuffle;
import ai.perennial.core.lowrank.Lora;
import ai.perennial.core.model.Model;
import ai.perennial.core.optim.OptimizerFactory;
import ai.perennial.core.run.Seeds;
import ai.perennial.core.train.ProgressListener;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * Runs a strategy over a scenario with the evaluation protocol of the field: the random-init baseline,
 * one accuracy-matrix row after each training round, and (optionally) continual evaluation every few
 * steps on fixed evaluation subsets.
 */
public final class ContinualRunner {
    private ContinualRunner() {
    }

    /**
     * @param everySteps continual-evaluation interval in optimizer steps, 0 for none
     * @param subsetSize samples per experience in the continual-evaluation subsets
     * @param fullMatrix evaluate every experience after each round (else only the one just trained)
     * @param window window of the windowed-forgetting metric, in steps
     * @param probeSize training samples of each experience in the plasticity probe batch, 0 for no plasticity diagnostics
     * @param diagnosticsEvery plasticity diagnostics also every this many steps (0: only at the end of each experience)
     */
    public record EvalOptions(int everySteps, int subsetSize, int batchSize, boolean fullMatrix, long window, int probeSize,
            int diagnosticsEvery) {
        public EvalOptions {
            if (everySteps < 0 || subsetSize <= 0 || batchSize <= 0 || window <= 0 || probeSize < 0 || diagnosticsEvery < 0) {
                throw new PerennialException("evaluation: every_steps, probe_size and diagnostics_every must be >= 0 and subset_size,"
                        + " batch_size, window positive");
            }
        }

        /** Without plasticity diagnostics. */
        public EvalOptions(int everySteps, int subsetSize, int batchSize, boolean fullMatrix, long window) {
            this(everySteps, subsetSize, batchSize, fullMatrix, window, 0, 0);
        }
    }

    /** {@code average}: an optional weight-average spec (ema:DECAY, swa:START[:EVERY]) kept over the whole stream; the
     * accuracy matrix is then measured with the averaged weights (continual evaluation still sees the trained ones).
     * {@code augment}: how training images are augmented, one of {@link Augmentation#CHOICES}. {@code loss} and
     * {@code score}: specs of the training loss and the evaluation score, or null for the usual ones for the data's
     * targets (cross-entropy and accuracy for class labels, MSE and R² for numeric targets). {@code maxSteps}: at most this
     * many optimizer steps per experience, -1 for every batch of every epoch. {@code precision}: the spec of the arithmetic
     * dense layers train in ({@link ai.perennial.core.precision.Precision}), null for FP32. {@code lora}: low-rank adapters
     * on the model's frozen layers (and ReLoRA's restarts), or null to train every weight. */
    public record Options(int epochs, int batchSize, EvalOptions eval, long seed, String average, String augment, String loss,
            String score, long maxSteps, String precision, Lora lora) {
        public Options {
            if (maxSteps == 0 || maxSteps < -1) {
                throw new PerennialException("training.max_steps: must be at least 1 (or no cap), got " + maxSteps);
            }
        }

        public Options(int epochs, int batchSize, EvalOptions eval, long seed, String average, String augment, String loss,
                String score, long maxSteps) {
            this(epochs, batchSize, eval, seed, average, augment, loss, score, maxSteps, null, null);
        }

        public Options(int epochs, int batchSize, EvalOptions eval, long seed, String average, String augment, String loss,
                String score) {
            this(epochs, batchSize, eval, seed, average, augment, loss, score, -1);
        }

        public Options(int epochs, int batchSize, EvalOptions eval, long seed, String average) {
            this(epochs, batchSize, eval, seed, average, Augmentation.NONE, null, null);
        }

        public Options(int epochs, int batchSize, EvalOptions eval, long seed) {
            this(epochs, batchSize, eval, seed, null);
        }
    }

    /** Gives the progress listener for each training round, from a label such as "experience 2/5". */
    @FunctionalInterface
    public interface ProgressFactory {
        ProgressFactory NONE = label -> ProgressListener.NONE;

        ProgressListener forRound(String label);
    }

    /**
     * Trains {@code strategy} over {@code scenario} in one go (no checkpoints): the model from {@code model} (built for
     * the stream's input shape, outputs and heads), the optimizer from {@code optimizer} once the run's length is known.
     * {@link ContinualRun} is the same run as an object that can be saved and resumed.
     */
    public static ContinualResult run(Scenario scenario, Function<Model.Context, Model> model, OptimizerFactory optimizer,
            Strategy strategy, Options options, ProgressFactory progress) {
        try (ContinualRun run = new ContinualRun(scenario, model, optimizer, strategy, options)) {
            return run.run(progress, ContinualRun.Listener.NONE);
        }
    }

    /** The first {@code size} samples of a seeded shuffle of each experience's test set, fixed for the run. */
    static List<Dataset> evaluationSubsets(List<Experience> stream, int size, long seed) {
        List<Dataset> out = new ArrayList<>();
        for (Experience e : stream) {
            int[] order = Shuffle.permutation(e.test().size(), new SplittableRandom(Seeds.derive(seed, "eval-" + e.index())));
            out.add(e.test().select(Arrays.copyOf(order, Math.min(size, order.length))));
        }
        return out;
    }
}
