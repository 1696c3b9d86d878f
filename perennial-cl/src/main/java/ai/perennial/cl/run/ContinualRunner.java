package ai.perennial.cl.run;

import ai.djl.ndarray.NDManager;
import ai.perennial.cl.scenario.Experience;
import ai.perennial.cl.scenario.Scenario;
import ai.perennial.cl.strategy.Strategy;
import ai.perennial.core.PerennialException;
import ai.perennial.core.averaging.WeightAverage;
import ai.perennial.core.data.Dataset;
import ai.perennial.core.data.Shuffle;
import ai.perennial.core.model.Model;
import ai.perennial.core.optim.Optimizer;
import ai.perennial.core.optim.OptimizerFactory;
import ai.perennial.core.run.ProcessStats;
import ai.perennial.core.run.Seeds;
import ai.perennial.core.train.Evaluator;
import ai.perennial.core.train.ProgressListener;
import ai.perennial.core.train.Trainer;
import ai.perennial.core.train.TrainingHook;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.function.Supplier;

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
     */
    public record EvalOptions(int everySteps, int subsetSize, int batchSize, boolean fullMatrix, long window) {
        public EvalOptions {
            if (everySteps < 0 || subsetSize <= 0 || batchSize <= 0 || window <= 0) {
                throw new PerennialException("evaluation: every_steps must be >= 0 and subset_size, batch_size, window positive");
            }
        }
    }

    /** {@code average}: an optional weight-average spec (ema:DECAY, swa:START[:EVERY]) kept over the whole stream; the
     * accuracy matrix is then measured with the averaged weights (continual evaluation still sees the trained ones). */
    public record Options(int epochs, int batchSize, EvalOptions eval, long seed, String average) {
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
     * Trains {@code strategy} over {@code scenario}: the model from {@code model} (built for the stream's input shape,
     * outputs and heads), the optimizer from {@code optimizer} once the run's length is known.
     */
    public static ContinualResult run(Scenario scenario, Function<Model.Context, Model> model, OptimizerFactory optimizer,
            Strategy strategy, Options options, ProgressFactory progress) {
        long wallStart = System.nanoTime();
        List<Experience> stream = scenario.experiences();
        long totalSteps = 0;
        Trainer.Options perRound = new Trainer.Options(options.epochs(), options.batchSize(), 0, 50, -1);
        for (int i = 0; i < stream.size(); i++) {
            int size = strategy.trainingSize(stream, i);
            if (size > 0) {
                totalSteps += Trainer.stepsFor(size, perRound);
            }
        }
        if (totalSteps == 0) {
            throw new PerennialException("strategy " + strategy.name() + " trains on nothing in scenario " + scenario.name());
        }
        EvalOptions eval = options.eval();
        try (NDManager manager = NDManager.newBaseManager()) {
            Model net = model.apply(new Model.Context(manager, stream.get(0).train().sampleShape(), scenario.outputs(), scenario.heads(),
                    Seeds.derive(options.seed(), "init")));
            Optimizer opt = new Optimizer("optimizer", optimizer.create(totalSteps), net.parameters());
            ContinualEvaluation continual = null;
            List<TrainingHook> hooks = new ArrayList<>();
            hooks.add(strategy);
            WeightAverage average = options.average() == null ? null : WeightAverage.parse(options.average());
            if (average != null) {
                hooks.add(average);
            }
            if (eval.everySteps() > 0) {
                continual = new ContinualEvaluation(strategy, net, evaluationSubsets(stream, eval.subsetSize(), options.seed()),
                        eval.everySteps(), eval.batchSize(), manager);
                hooks.add(continual);
            }
            Trainer trainer = new Trainer(net, opt, hooks, manager);

            double evalSeconds = 0;
            long evalStart = System.nanoTime();
            double[] randomInit = new double[stream.size()];
            for (int j = 0; j < stream.size(); j++) {
                randomInit[j] = Evaluator.accuracy(net, stream.get(j).test(), eval.batchSize(), manager);
            }
            if (continual != null) {
                continual.measure(0);
            }
            evalSeconds += (System.nanoTime() - evalStart) / 1e9;

            List<double[]> rows = new ArrayList<>();
            List<Integer> trained = new ArrayList<>();
            long[] endSteps = new long[stream.size()];
            long samples = 0;
            double trainSeconds = 0;
            double experienceSeconds = 0;
            for (int i = 0; i < stream.size(); i++) {
                Experience e = stream.get(i);
                Dataset data = strategy.trainingData(stream, i); // asked now: it may depend on training so far
                if (data != null) {
                    Trainer.Options round = new Trainer.Options(options.epochs(), options.batchSize(),
                            Seeds.derive(options.seed(), "shuffle-" + i), 50, -1);
                    var stats = trainer.train(data, e.taskId(), round,
                            progress.forRound("experience " + (i + 1) + "/" + stream.size()));
                    samples += stats.samples();
                    trainSeconds += stats.wallSeconds() - stats.hookSeconds();
                    experienceSeconds += stats.hookSeconds();
                    evalStart = System.nanoTime();
                    if (continual != null) {
                        continual.measure(trainer.context().globalStep());
                    }
                    int current = i;
                    Supplier<double[]> measureRow = () -> {
                        double[] row = new double[stream.size()];
                        Arrays.fill(row, Double.NaN);
                        for (int j = 0; j < stream.size(); j++) {
                            if (eval.fullMatrix() || j == current) {
                                row[j] = Evaluator.accuracy(strategy.evaluationModel(net), stream.get(j).test(), eval.batchSize(),
                                        manager);
                            }
                        }
                        return row;
                    };
                    rows.add(average != null && average.count() > 0 ? average.withAveragedWeights(net, measureRow) : measureRow.get());
                    trained.add(i);
                    evalSeconds += (System.nanoTime() - evalStart) / 1e9;
                }
                endSteps[i] = trainer.context().globalStep();
            }
            if (continual != null) {
                // continual-evaluation time was also counted inside the training rounds
                trainSeconds -= continual.seconds();
                evalSeconds += continual.seconds();
            }
            ContinualResult.Compute compute = new ContinualResult.Compute(trainer.context().globalStep(), samples, trainSeconds,
                    experienceSeconds, evalSeconds, (System.nanoTime() - wallStart) / 1e9, ProcessStats.peakRssBytes(), strategy.bufferBytes());
            return new ContinualResult(rows.toArray(double[][]::new), trained.stream().mapToInt(Integer::intValue).toArray(),
                    randomInit, continual == null ? List.of() : continual.curve(), endSteps, eval.window(), compute);
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
