package ai.perennial.cl.run;

import ai.perennial.cl.metrics.ContinualMetrics;
import ai.perennial.cl.metrics.StabilityMetrics.EvalPoint;
import ai.perennial.cl.metrics.StabilityMetrics;
import ai.perennial.core.train.Trainer;
import java.util.List;

/**
 * Everything measured in one continual-learning run. {@code accuracyMatrix[i]} is the row recorded after
 * the i-th training round, which followed experience {@code trainedExperiences[i]}; {@code endSteps[k]}
 * is the global step at which the stream moved past experience k.
 */
public record ContinualResult(double[][] accuracyMatrix, int[] trainedExperiences, double[] randomInitAccuracy,
        List<EvalPoint> curve, long[] endSteps, long evalWindow, List<Trainer.LossPoint> losses, Compute compute) {

    /**
     * Cost of the run: {@code trainSeconds} is the optimizer steps alone, {@code experienceSeconds} the
     * strategy's once-per-experience work (importance estimation, exemplar selection), {@code evalSeconds}
     * the accuracy matrix and continual evaluation.
     */
    public record Compute(long steps, long samples, double trainSeconds, double experienceSeconds, double evalSeconds,
            double wallSeconds, long peakRssBytes, long bufferBytes) {
    }

    public double averageAccuracy() {
        return ContinualMetrics.averageAccuracy(accuracyMatrix);
    }

    public double backwardTransfer() {
        return ContinualMetrics.backwardTransfer(accuracyMatrix);
    }

    public double forwardTransfer() {
        return ContinualMetrics.forwardTransfer(accuracyMatrix, randomInitAccuracy);
    }

    public double averageForgetting() {
        return ContinualMetrics.averageForgetting(accuracyMatrix);
    }

    public double[] forgettingPerExperience() {
        return ContinualMetrics.forgettingPerExperience(accuracyMatrix);
    }

    public double learningAccuracy() {
        return ContinualMetrics.learningAccuracy(accuracyMatrix);
    }

    public double minAccuracy() {
        return curve.isEmpty() ? Double.NaN : StabilityMetrics.minAccuracy(curve, endSteps);
    }

    public double worstCaseAccuracy() {
        return curve.isEmpty() ? Double.NaN : StabilityMetrics.worstCaseAccuracy(curve, endSteps);
    }

    public double windowedForgetting() {
        return curve.isEmpty() ? Double.NaN : StabilityMetrics.windowedForgetting(curve, endSteps, evalWindow);
    }
}
