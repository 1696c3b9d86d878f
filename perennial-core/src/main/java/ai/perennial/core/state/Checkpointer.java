package ai.perennial.core.state;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Decides when a running {@link Checkpointable} is saved and writes it to {@link Checkpoints}: every N steps, every
 * N seconds, at the end of each experience, and when a stop is requested (a signal): then the current step finishes,
 * a checkpoint is written and {@link StopRequestedException} ends the run.
 */
public final class Checkpointer {
    /**
     * @param everySteps save every this many optimizer steps (0: never by steps)
     * @param everySeconds save when this many seconds passed since the last save (0: never by time)
     * @param atExperienceEnd save after every experience
     * @param keepExperienceEnds never prune the experience-end checkpoints
     */
    public record Policy(long everySteps, double everySeconds, boolean atExperienceEnd, boolean keepExperienceEnds) {
        public static final Policy NEVER = new Policy(0, 0, false, false);
    }

    private final Checkpoints store;
    private final Policy policy;
    private final Supplier<Map<String, Object>> info;
    private final Consumer<String> log;
    private volatile boolean stopRequested;
    private long lastNanos = System.nanoTime();
    private Path lastSaved;

    /** @param info what goes into every manifest (config, provenance); the cursor and status are added here */
    public Checkpointer(Checkpoints store, Policy policy, Supplier<Map<String, Object>> info, Consumer<String> log) {
        this.store = store;
        this.policy = policy;
        this.info = info;
        this.log = log;
    }

    /** From any thread (a signal handler): the run saves after its current step and stops. */
    public void requestStop() {
        stopRequested = true;
    }

    public boolean stopRequested() {
        return stopRequested;
    }

    /** After every optimizer step. */
    public void afterStep(Checkpointable run) {
        if (stopRequested) {
            Path saved = save(run, "interrupted", false);
            throw new StopRequestedException(saved);
        }
        boolean bySteps = policy.everySteps() > 0 && run.globalStep() % policy.everySteps() == 0;
        boolean byTime = policy.everySeconds() > 0 && (System.nanoTime() - lastNanos) / 1e9 >= policy.everySeconds();
        if (bySteps || byTime) {
            save(run, "running", false);
        }
    }

    /** After every experience (its accuracy-matrix row is recorded). */
    public void afterExperience(Checkpointable run) {
        if (policy.atExperienceEnd()) {
            save(run, "running", policy.keepExperienceEnds());
        }
        if (stopRequested) {
            throw new StopRequestedException(save(run, "interrupted", false));
        }
    }

    /** Saves now and returns the checkpoint's directory. */
    public Path save(Checkpointable run, String status, boolean pinned) {
        run.checkFinite();
        Map<String, Object> manifest = new LinkedHashMap<>(info.get());
        manifest.put("status", status);
        manifest.put("cursor", run.cursor());
        lastSaved = store.write(run.globalStep(), run.exportState(), manifest, pinned);
        lastNanos = System.nanoTime();
        log.accept("checkpoint " + lastSaved);
        return lastSaved;
    }

    public Path lastSaved() {
        return lastSaved;
    }

    /** Ends a run after a checkpoint was written on request; not an error. */
    public static final class StopRequestedException extends RuntimeException {
        private final Path checkpoint;

        public StopRequestedException(Path checkpoint) {
            super("stopped on request after writing " + checkpoint, null, false, false);
            this.checkpoint = checkpoint;
        }

        public Path checkpoint() {
            return checkpoint;
        }
    }
}
