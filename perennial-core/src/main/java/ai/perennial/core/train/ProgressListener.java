package ai.perennial.core.train;

/** Receives training progress at most every {@code reportEvery} steps (one host read-back each time). */
@FunctionalInterface
public interface ProgressListener {
    ProgressListener NONE = (done, total, loss) -> { };

    /** {@code meanLoss} is the mean training loss since the previous report. */
    void onProgress(long stepsDone, long totalSteps, double meanLoss);
}
