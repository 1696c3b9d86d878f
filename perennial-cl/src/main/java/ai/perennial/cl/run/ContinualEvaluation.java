package ai.perennial.cl.run;

import ai.djl.ndarray.NDManager;
import ai.perennial.cl.metrics.StabilityMetrics.EvalPoint;
import ai.perennial.cl.strategy.Strategy;
import ai.perennial.core.data.Dataset;
import ai.perennial.core.model.Model;
import ai.perennial.core.state.StateDict;
import ai.perennial.core.train.Batch;
import ai.perennial.core.train.Evaluator;
import ai.perennial.core.train.Scores;
import ai.perennial.core.train.TrainingContext;
import ai.perennial.core.train.TrainingHook;
import java.util.ArrayList;
import java.util.List;

/**
 * Continual evaluation: every {@code everySteps} optimizer steps, the accuracy on a fixed evaluation
 * subset of every experience, so dips right after a task switch (the stability gap) become visible.
 */
final class ContinualEvaluation implements TrainingHook {
    private final Scores.Score score;
    private final Strategy strategy;
    private final Model model;
    private final List<Dataset> subsets;
    private final int everySteps;
    private final int batchSize;
    private final NDManager manager;
    private final List<EvalPoint> curve = new ArrayList<>();
    private int experience = -1;
    private double seconds;

    ContinualEvaluation(Strategy strategy, Model model, Scores.Score score, List<Dataset> subsets, int everySteps, int batchSize,
            NDManager manager) {
        this.score = score;
        this.strategy = strategy;
        this.model = model;
        this.subsets = List.copyOf(subsets);
        this.everySteps = everySteps;
        this.batchSize = batchSize;
        this.manager = manager;
    }

    @Override
    public void onExperienceStart(TrainingContext context) {
        experience = context.experienceIndex();
    }

    @Override
    public void afterUpdate(TrainingContext context, Batch batch) {
        if (context.globalStep() % everySteps == 0) {
            measure(context.globalStep());
        }
    }

    /** Records a point at {@code step} unless the last point already is at that step. */
    void measure(long step) {
        if (!curve.isEmpty() && curve.get(curve.size() - 1).step() == step) {
            return;
        }
        long start = System.nanoTime();
        double[] acc = new double[subsets.size()];
        for (int j = 0; j < acc.length; j++) {
            acc[j] = Evaluator.score(strategy.evaluationModel(model), subsets.get(j), score, batchSize, manager);
        }
        curve.add(new EvalPoint(step, experience, acc));
        seconds += (System.nanoTime() - start) / 1e9;
    }

    @Override
    public String name() {
        return "continual evaluation";
    }

    /** The curve so far (steps, the experience in training, accuracies on every experience's subset). */
    @Override
    public StateDict exportState() {
        StateDict out = new StateDict();
        out.putCounter("experience", experience);
        out.putNumber("seconds", seconds);
        out.putCounter("width", subsets.size());
        out.putLongs("steps", curve.stream().mapToLong(EvalPoint::step).toArray());
        out.putInts("training", curve.stream().mapToInt(EvalPoint::trainingExperience).toArray());
        out.putDoubles("accuracies", curve.stream().flatMapToDouble(p -> java.util.Arrays.stream(p.accuracies())).toArray());
        return out;
    }

    @Override
    public void importState(StateDict in, TrainingContext context) {
        experience = (int) in.counter("experience");
        seconds = in.number("seconds");
        long[] steps = in.longs("steps");
        int[] training = in.ints("training");
        double[] acc = in.doubles("accuracies");
        int width = (int) in.counter("width"); // fewer than now when a finished run continues on more experiences
        curve.clear();
        for (int i = 0; i < steps.length; i++) {
            double[] point = new double[subsets.size()];
            java.util.Arrays.fill(point, Double.NaN);
            System.arraycopy(acc, i * width, point, 0, width);
            curve.add(new EvalPoint(steps[i], training[i], point));
        }
    }

    List<EvalPoint> curve() {
        return List.copyOf(curve);
    }

    double seconds() {
        return seconds;
    }
}
