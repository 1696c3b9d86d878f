package ai.perennial.core.state;

import ai.perennial.core.registry.Param;
import ai.perennial.core.registry.Values;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
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

        /** The policy the checkpoint parameters ({@link #PARAMS}) describe. */
        public static Policy of(Values v) {
            return new Policy(v.get(EVERY_STEPS), v.get(EVERY_SECONDS), v.get(AT_EXPERIENCE_END), v.get(KEEP_EXPERIENCE_ENDS));
        }
    }

    public static final Param<Long> EVERY_STEPS = Param.whole("every_steps", 0L, "save every this many optimizer steps (0 = not by steps)")
            .nonNegative();
    public static final Param<Double> EVERY_SECONDS = Param.number("every_seconds", 600.0,
            "save when this many seconds passed since the last save (0 = not by time)").nonNegative();
    public static final Param<Boolean> AT_EXPERIENCE_END = Param.flag("at_experience_end", true, "save after every experience");
    public static final Param<Integer> KEEP_LAST = Param.integer("keep_last", 2, "checkpoints kept besides pinned ones").atLeast(1)
            .atMost(1000);
    public static final Param<Boolean> KEEP_EXPERIENCE_ENDS = Param.flag("keep_experience_ends", false,
            "keep every experience-end checkpoint (never pruned)");
    /** The {@code checkpoint} settings of a run; operational: they may change when a run resumes. */
    public static final List<Param<?>> PARAMS = List.of(EVERY_STEPS, EVERY_SECONDS, AT_EXPERIENCE_END, KEEP_LAST, KEEP_EXPERIENCE_ENDS);

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
