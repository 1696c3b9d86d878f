package ai.perennial.core.train;

/**
 * Summary of one {@link Trainer#train} call. {@code meanLoss} is over the last epoch; {@code hookSeconds}
 * is the part of {@code wallSeconds} spent in the experience-level hooks (e.g. importance estimation),
 * the rest is the steps themselves.
 */
public record TrainStats(long steps, long samples, double meanLoss, double wallSeconds, double hookSeconds) {
    public double samplesPerSecond() {
        return wallSeconds > 0 ? samples / wallSeconds : 0;
    }
}
