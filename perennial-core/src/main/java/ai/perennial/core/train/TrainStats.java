package ai.perennial.core.train;

/** Summary of one {@link Trainer#train} call. {@code meanLoss} is over the last epoch. */
public record TrainStats(long steps, long samples, double meanLoss, double wallSeconds) {
    public double samplesPerSecond() {
        return wallSeconds > 0 ? samples / wallSeconds : 0;
    }
}
