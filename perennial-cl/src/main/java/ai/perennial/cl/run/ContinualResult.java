package ai.perennial.cl.run;

import ai.perennial.cl.metrics.ContinualMetrics;
import ai.perennial.cl.metrics.PlasticityMetrics;
import ai.perennial.cl.metrics.PlasticityPoint;
import ai.perennial.cl.metrics.StabilityMetrics.EvalPoint;
import ai.perennial.cl.metrics.StabilityMetrics;
import ai.perennial.core.run.Startup;
import ai.perennial.core.train.Trainer;
import java.util.Arrays;
import java.util.List;

/**
 * Everything measured in one continual-learning run. {@code accuracyMatrix[i]} is the row recorded after
 * the i-th training round, which followed experience {@code trainedExperiences[i]}; {@code endSteps[k]}
 * is the global step at which the stream moved past experience k.
 *
 * <p>The matrix, the curves and the online values hold the run's {@code score}: accuracy for classification, or a
 * regression score (R², RMSE, MAE). Transfer and forgetting are oriented by the score's direction, so a negative BWT
 * and a positive forgetting always mean the model got worse on old experiences, whichever way the score points.
 */
public record ContinualResult(double[][] accuracyMatrix, int[] trainedExperiences, double[] randomInitAccuracy,
        List<EvalPoint> curve, long[] endSteps, long evalWindow, List<Trainer.LossPoint> losses, List<PlasticityPoint> diagnostics, String weightsSha256,
        Compute compute, String score, boolean higherIsBetter, ParameterCounts parameters) {

    /**
     * The model's weights: those the optimizer trains and those held frozen (the base under low-rank adapters), in
     * numbers of scalars.
     */
    public record ParameterCounts(long trainable, long frozen) {
    }

    /** Experiences at each end of the stream compared by {@link #plasticityDrop}. */
    public static final int PLASTICITY_WINDOW = 10;

    /**
     * Cost of the run: {@code trainSeconds} is the optimizer steps alone, {@code experienceSeconds} the
     * strategy's once-per-experience work (importance estimation, exemplar selection), {@code evalSeconds}
     * the accuracy matrix and continual evaluation. {@code startup} is the process's way to its first training step
     * when that step was this run's (null otherwise, e.g. for a later run in the same process or a resumed run that had
     * nothing left to train). {@code bufferBytes} is the strategy's memory (replay buffers, anchors), {@code
     * optimizerStateBytes} the optimizer's state arrays (moments, low-rank projectors), {@code intraOpThreads} PyTorch's
     * threads per operation while it trained (0 if it never did).
     */
    public record Compute(long steps, long samples, double trainSeconds, double experienceSeconds, double evalSeconds,
            double wallSeconds, long peakRssBytes, long bufferBytes, long optimizerStateBytes, int intraOpThreads,
            Startup.Timeline startup) {
    }

    /**
     * The matrix the metrics read: the whole matrix for a finished run; for one that stopped early (after
     * {@code endSteps.length} of the stream's experiences), only the columns of the experiences it got to, so ACC, BWT and
     * forgetting describe the stream seen so far.
     */
    public double[][] seen() {
        int done = endSteps.length;
        if (done >= randomInitAccuracy.length) {
            return accuracyMatrix;
        }
        double[][] out = new double[accuracyMatrix.length][];
        for (int i = 0; i < out.length; i++) {
            out[i] = Arrays.copyOf(accuracyMatrix[i], done);
        }
        return out;
    }

    public double averageAccuracy() {
        return ContinualMetrics.averageAccuracy(seen());
    }

    public double backwardTransfer() {
        return ContinualMetrics.backwardTransfer(oriented(seen()));
    }

    public double forwardTransfer() {
        return ContinualMetrics.forwardTransfer(oriented(seen()), oriented(new double[][] {randomInitAccuracy})[0]);
    }

    public double averageForgetting() {
        return ContinualMetrics.averageForgetting(oriented(seen()));
    }

    public double[] forgettingPerExperience() {
        return ContinualMetrics.forgettingPerExperience(oriented(seen()));
    }

    /** {@code m} itself when a higher score is better, else negated: every difference then says "better" when positive. */
    private double[][] oriented(double[][] m) {
        if (higherIsBetter) {
            return m;
        }
        double[][] out = new double[m.length][];
        for (int i = 0; i < m.length; i++) {
            out[i] = Arrays.stream(m[i]).map(x -> -x).toArray();
        }
        return out;
    }

    private List<EvalPoint> orientedCurve() {
        return higherIsBetter ? curve : curve.stream().map(p -> new EvalPoint(p.step(), p.trainingExperience(),
                oriented(new double[][] {p.accuracies()})[0])).toList();
    }

    private double sign() {
        return higherIsBetter ? 1 : -1;
    }

    public double learningAccuracy() {
        return ContinualMetrics.learningAccuracy(seen());
    }

    /**
     * Each trained experience's accuracy on its own test set right after training on it (the accuracy-matrix diagonal,
     * in training order): the plasticity curve of a long stream.
     */
    public double[] taskEndAccuracy() {
        double[] out = new double[trainedExperiences.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = accuracyMatrix[i][trainedExperiences[i]];
        }
        return out;
    }

    /**
     * Online accuracy of each training round (the share of its training samples classified right by the step about to
     * learn from them), from the round's last diagnostic point; NaN without diagnostics.
     */
    public double[] onlineAccuracy() {
        double[] out = new double[trainedExperiences.length];
        Arrays.fill(out, Double.NaN);
        for (PlasticityPoint p : diagnostics) {
            if (p.experience() >= 0 && p.experience() < out.length) {
                out[p.experience()] = p.onlineAccuracy();
            }
        }
        return out;
    }

    /**
     * The prequential (test-then-train) score: the mean over training rounds of the online score, each incoming batch
     * scored by the model about to learn from it; exact with one epoch per experience. NaN without diagnostics.
     */
    public double prequentialScore() {
        return PlasticityMetrics.mean(Arrays.stream(onlineAccuracy()).filter(x -> !Double.isNaN(x)).toArray());
    }

    /**
     * Mean task-end score of the first ten trained experiences minus that of the last ten, oriented (positive: plasticity
     * lost).
     */
    public double plasticityDrop() {
        return sign() * PlasticityMetrics.firstLastDrop(taskEndAccuracy(), PLASTICITY_WINDOW);
    }

    /** Least-squares slope of the task-end score per experience (in the score's own direction). */
    public double plasticitySlope() {
        return PlasticityMetrics.slope(taskEndAccuracy());
    }

    /** The worst score an old experience fell to after it was learned (the lowest accuracy; the highest RMSE). */
    public double minAccuracy() {
        return curve.isEmpty() ? Double.NaN : sign() * StabilityMetrics.minAccuracy(orientedCurve(), endSteps);
    }

    public double worstCaseAccuracy() {
        return curve.isEmpty() ? Double.NaN : sign() * StabilityMetrics.worstCaseAccuracy(orientedCurve(), endSteps);
    }

    /** Oriented: positive when old experiences got worse within the window. */
    public double windowedForgetting() {
        return curve.isEmpty() ? Double.NaN : StabilityMetrics.windowedForgetting(orientedCurve(), endSteps, evalWindow);
    }
}
