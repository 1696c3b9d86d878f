package ai.perennial.spark;

import ai.perennial.cl.experiment.Experiment;
import ai.perennial.cl.experiment.ExperimentConfig;
import ai.perennial.cl.run.ContinualRun;
import ai.perennial.cl.run.ContinualRunner;
import ai.perennial.cl.scenario.Scenario;
import ai.perennial.core.registry.Registry;
import ai.perennial.core.state.StateDict;
import java.io.Serializable;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * One worker's part of a round, run inside a Spark task: the worker's continual run (Perennial's own loop, strategy and
 * optimizer on its shard of the stream) is set to the state the driver holds for it plus the round's averaged tensors,
 * takes {@code steps} local steps — fewer when its experience ends first — and hands its whole state back. Nothing
 * else carries over between rounds, so a round is a function of what the driver sends: a retried task, on any executor,
 * gives the same result.
 *
 * <p>A round that reaches an experience's last step stops there, before the experience's end hooks: the next round runs
 * them (importance weights, buffer updates, the accuracy-matrix row) on the averaged weights.
 */
final class WorkerRound {
    private WorkerRound() {
    }

    /** What the driver sends every worker (broadcast once per round). {@code state} holds no worker's own entries. */
    record Input(String runKey, Map<String, Object> config, int workers, StateDict averaged, int steps, long round,
            Failure failure) implements Serializable {
    }

    /** A test's injected failure: worker {@code worker}'s first attempt at round {@code round} dies after its first step. */
    record Failure(long round, int worker, boolean killExecutor) implements Serializable {
    }

    /** What the driver sends one worker: its own state without the averaged tensors (null before its first round). */
    record Task(int worker, StateDict state) implements Serializable {
    }

    /** A worker's state after the round, and what it did. */
    record Outcome(int worker, StateDict state, int steps, boolean finished, int experiencesDone, long globalStep,
            double computeSeconds) implements Serializable {
    }

    /** Entries every worker averages: parameters and buffers (batch-norm statistics), and optimizer state when asked. */
    static Predicate<String> averaged(boolean optimizerToo) {
        return key -> key.startsWith("model.") || key.startsWith("model_buffer.") || optimizerToo && key.startsWith("optimizer.");
    }

    private static final class RoundEnd extends RuntimeException {
        RoundEnd() {
            super(null, null, false, false);
        }
    }

    /** An injected failure, as a crashed task would fail. */
    static final class InjectedFailure extends RuntimeException {
        InjectedFailure(String message) {
            super(message);
        }
    }

    /** Per executor JVM, for the run it serves: the stream (loading data is the slow part) and each worker's last run. */
    private static String servedRun;
    private static Scenario servedStream;
    private static final Map<Integer, ContinualRun> RUNS = new HashMap<>();

    /**
     * Runs worker {@code task.worker()}'s round. {@code attemptZero}: this is the task's first attempt (a failure is
     * injected only then). The worker's run object is kept between rounds only to save building it: every round imports
     * the whole state the driver sent (the first round starts from a new one).
     */
    static Outcome run(Task task, Input in, boolean attemptZero) {
        // one worker trains at a time per JVM: DJL lets one gradient recording run per JVM (local mode runs all workers in
        // one); this lock also keeps a retried task from starting before its failed attempt has stopped
        synchronized (WorkerRound.class) {
            long start = System.nanoTime(); // the worker's own time, not its wait for the others in this JVM
            ContinualRun run = worker(in, task.worker(), task.state() == null);
            if (task.state() != null) {
                StateDict state = new StateDict();
                state.putAll("", task.state());
                state.putAll("", in.averaged());
                run.importState(state);
            }
            int[] taken = {0};
            StateDict[] after = {null};
            Failure failure = in.failure();
            boolean fail = attemptZero && failure != null && failure.round() == in.round() && failure.worker() == task.worker();
            ContinualRun.Listener listener = new ContinualRun.Listener() {
                @Override
                public void afterStep(ContinualRun r) {
                    taken[0]++;
                    if (fail && taken[0] == 1) {
                        if (failure.killExecutor()) {
                            Runtime.getRuntime().halt(137); // as the kernel's OOM killer or a lost machine would
                        }
                        throw new InjectedFailure("injected failure of worker " + task.worker() + " in round " + in.round()
                                + " after " + taken[0] + " of " + in.steps() + " steps");
                    }
                    if (taken[0] == in.steps() || r.experienceTrained()) {
                        after[0] = r.exportState(); // inside the step: the loss accumulated since the last report is still live
                        throw new RoundEnd();
                    }
                }
            };
            boolean finished = false;
            try {
                run.run(ContinualRunner.ProgressFactory.NONE, listener);
                finished = true;
                after[0] = run.exportState();
            } catch (RoundEnd end) {
                // the round's steps are taken
            }
            return new Outcome(task.worker(), after[0], taken[0], finished, run.experiencesDone(), run.globalStep(),
                    (System.nanoTime() - start) / 1e9);
        }
    }

    /** Frees this JVM's worker runs of run {@code runKey} (in local mode the driver's JVM holds them). */
    static synchronized void forget(String runKey) {
        if (runKey.equals(servedRun)) {
            RUNS.values().forEach(ContinualRun::close);
            RUNS.clear();
            servedRun = null;
            servedStream = null;
        }
    }

    /** Worker {@code worker}'s run object: a new one when {@code fresh} or not built yet in this JVM. */
    private static synchronized ContinualRun worker(Input in, int worker, boolean fresh) {
        if (!in.runKey().equals(servedRun)) {
            RUNS.values().forEach(ContinualRun::close);
            RUNS.clear();
            servedRun = in.runKey();
            servedStream = null;
        }
        ContinualRun run = RUNS.get(worker);
        if (run == null || fresh) {
            if (run != null) {
                run.close();
            }
            run = open(in, worker);
            RUNS.put(worker, run);
        }
        return run;
    }

    /**
     * Worker {@code worker}'s run of the experiment {@code in.config()} describes. Only worker 0 evaluates (the baseline
     * and the accuracy matrix, on the averaged weights; continual evaluation and plasticity probes on its own between
     * averages): the others build without those hooks and measure nothing.
     */
    private static ContinualRun open(Input in, int worker) {
        Map<String, Object> tree = in.config();
        if (worker != 0) {
            tree = new LinkedHashMap<>(tree);
            @SuppressWarnings("unchecked")
            Map<String, Object> evaluation = new LinkedHashMap<>((Map<String, Object>) tree.get("evaluation"));
            evaluation.put(ExperimentConfig.EVERY_STEPS.name(), 0);
            evaluation.put(ExperimentConfig.PROBE_SIZE.name(), 0);
            tree.put("evaluation", evaluation);
        }
        Experiment experiment = Experiment.of(ExperimentConfig.resolve(Registry.global(), tree));
        if (servedStream == null) {
            servedStream = experiment.buildScenario();
        }
        ContinualRun run = experiment.open(Shards.of(servedStream, worker, in.workers()));
        if (worker != 0) {
            run.skipEvaluation();
        }
        return run;
    }
}
