package ai.perennial.spark;

import ai.perennial.cl.experiment.Experiment;
import ai.perennial.cl.experiment.ExperimentConfig;
import ai.perennial.cl.experiment.ExperimentResult;
import ai.perennial.cl.run.ContinualResult;
import ai.perennial.cl.run.ContinualRun;
import ai.perennial.cl.run.ContinualRunLog;
import ai.perennial.cl.scenario.Scenario;
import ai.perennial.core.PerennialException;
import ai.perennial.core.observe.RunLog;
import ai.perennial.core.schedule.Schedule;
import ai.perennial.core.state.Checkpointable;
import ai.perennial.core.state.Checkpointer;
import ai.perennial.core.state.Checkpoints;
import ai.perennial.core.state.StateDict;
import ai.perennial.core.train.DivergedException;
import ai.perennial.core.train.ProgressListener;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.HashPartitioner;
import org.apache.spark.SparkException;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.rdd.RDD;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;
import scala.Tuple2;
import scala.runtime.AbstractFunction1;

/**
 * A continual-learning run trained by K Spark tasks with Local SGD ({@link LocalSgd}). The driver holds everything that
 * decides the rest of the run — each worker's state (optimizer moments, strategy buffers, position in the stream) and
 * the averaged parameters — and each round sends it out, has every worker take its local steps on its shard
 * ({@link WorkerRound}), takes the states back and averages. Because a round is a function of what the driver sent, a
 * failed task retried by Spark gives the same weights, and a checkpoint of the driver's state (the durable-runs format,
 * {@link Checkpoints}) resumes after a driver restart.
 *
 * <p>The checkpoint is worker 0's continual-run state (with the averaged weights) plus the other workers' under
 * {@code spark.worker.K.}: {@code export} and {@code results} read it as any run's.
 */
public final class DistributedRun implements Checkpointable, AutoCloseable {
    private final JavaSparkContext spark;
    private final boolean ownsContext;
    private final ExperimentConfig config;
    private final LocalSgd sgd;
    private final Scenario stream;
    private final ContinualRun local; // worker 0's run on the driver: the stream's length, the result, the final model
    private final Schedule learningRate;
    private final String runKey = UUID.randomUUID().toString();
    private WorkerRound.Failure failure;
    private final TaskFailures taskFailures = new TaskFailures();

    private List<StateDict> states; // per worker, without the averaged entries; null before the first round
    private StateDict averaged = new StateDict();
    private long round;
    private long globalStep;
    private int experiencesDone;
    private boolean finished;
    private final Communication traffic = new Communication();

    /** Rounds, bytes and seconds: what averaging cost. */
    public static final class Communication implements Serializable {
        long rounds;
        long bytesToWorkers;
        long bytesFromWorkers;
        long averagedBytes;
        double roundSeconds;
        double computeSeconds;

        /** As result.json records it. */
        public Map<String, Object> toJson() {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("rounds", rounds);
            out.put("bytes_to_workers", bytesToWorkers);
            out.put("bytes_from_workers", bytesFromWorkers);
            out.put("averaged_bytes_per_round", rounds == 0 ? 0 : averagedBytes / rounds);
            out.put("round_seconds", roundSeconds);
            out.put("compute_seconds", computeSeconds);
            out.put("communication_seconds", roundSeconds - computeSeconds);
            return out;
        }

        void export(StateDict out) {
            out.putCounter("spark.traffic.rounds", rounds);
            out.putCounter("spark.traffic.to_workers", bytesToWorkers);
            out.putCounter("spark.traffic.from_workers", bytesFromWorkers);
            out.putCounter("spark.traffic.averaged", averagedBytes);
            out.putNumber("spark.traffic.round_seconds", roundSeconds);
            out.putNumber("spark.traffic.compute_seconds", computeSeconds);
        }

        void restore(StateDict in) {
            rounds = in.counter("spark.traffic.rounds");
            bytesToWorkers = in.counter("spark.traffic.to_workers");
            bytesFromWorkers = in.counter("spark.traffic.from_workers");
            averagedBytes = in.counter("spark.traffic.averaged");
            roundSeconds = in.number("spark.traffic.round_seconds");
            computeSeconds = in.number("spark.traffic.compute_seconds");
        }
    }

    /** The outcome of a run: the experiment's result (as worker 0 measured it) and what communication cost. */
    public record Result(ExperimentResult experiment, Map<String, Object> distributed) {
    }

    /** A run of the experiment {@code config} describes over {@code stream} (built on the driver), with {@code sgd}'s workers. */
    public DistributedRun(JavaSparkContext spark, ExperimentConfig config, Scenario stream, LocalSgd sgd) {
        this(spark, false, config, stream, sgd);
    }

    /**
     * As the constructor, on a Spark context of its own ({@link SparkRuns#context}), stopped when the run closes: on
     * {@code master}, or, when null, the one spark-submit set, else {@code local[K]}.
     */
    public static DistributedRun open(String master, ExperimentConfig config, Scenario stream, LocalSgd sgd) {
        String chosen = master != null ? master : System.getProperty("spark.master") != null ? null : "local[" + sgd.workers() + "]";
        JavaSparkContext context = SparkRuns.context(chosen, "perennial " + config.name());
        try {
            return new DistributedRun(context, true, config, stream, sgd);
        } catch (RuntimeException e) {
            context.stop();
            throw e;
        }
    }

    private DistributedRun(JavaSparkContext spark, boolean ownsContext, ExperimentConfig config, Scenario stream, LocalSgd sgd) {
        if (config.training().get(ExperimentConfig.STOP_AFTER) != 0) {
            throw new PerennialException("training.stop_after: a distributed run trains the whole stream; set it to 0");
        }
        this.spark = spark;
        this.ownsContext = ownsContext;
        this.config = config;
        this.sgd = sgd;
        this.stream = stream;
        if (sgd.barrier() && spark.master().startsWith("local") && spark.defaultParallelism() < sgd.workers()) {
            throw tooFewSlots(); // a cluster's executors may still be joining: Spark's own check waits for them
        }
        this.local = Experiment.of(config).open(Shards.of(stream, 0, sgd.workers()));
        this.learningRate = config.optimizer().learningRate(local.totalSteps());
        spark.sc().addSparkListener(taskFailures);
    }

    /** The last failed task's reason as the executor reported it: what a failed round's error shows. */
    private static final class TaskFailures extends org.apache.spark.scheduler.SparkListener {
        private volatile String last;

        @Override
        public void onTaskEnd(org.apache.spark.scheduler.SparkListenerTaskEnd end) {
            if (end.reason() instanceof org.apache.spark.TaskFailedReason failed && !(failed instanceof org.apache.spark.TaskKilled)) {
                last = failed.toErrorString().lines().findFirst().orElse("");
            }
        }
    }

    /** Makes worker {@code worker}'s first attempt at round {@code round} fail mid-round (tests of fault tolerance). */
    public void injectFailure(long round, int worker, boolean killExecutor) {
        this.failure = new WorkerRound.Failure(round, worker, killExecutor);
    }

    /**
     * Trains the rest of the stream, reporting steps to {@code progress} after each round and saving checkpoints as
     * {@code checkpointer} decides (null for none). A divergence stops the run with what was measured before it.
     */
    public Result run(ProgressListener progress, Checkpointer checkpointer, Checkpointer.Policy policy) {
        return run(progress, checkpointer, policy, null, null);
    }

    /**
     * As {@link #run(ProgressListener, Checkpointer, Checkpointer.Policy)}, recording to {@code log} (when not null) what
     * a single-machine run records ({@link ContinualRunLog}): worker 0's loss reports as rounds bring them, and after
     * each experience the accuracy row, the matrix and the averaged weights. {@code command} names the run in the log.
     */
    public Result run(ProgressListener progress, Checkpointer checkpointer, Checkpointer.Policy policy, RunLog log, String command) {
        String status = ExperimentResult.COMPLETE;
        String message = null;
        ContinualRunLog observer = null;
        if (log != null) {
            if (states != null) {
                local.importState(exportState()); // what a resumed run measured before is not logged again
            }
            log.start(command, config.name() + ": " + local.strategyName() + " on " + stream.name() + ", seed " + config.seed() + ", "
                    + sgd.workers() + " workers", config.resolved(), local.totalSteps());
            observer = new ContinualRunLog(log, local, learningRate);
        }
        int lossesLogged = lossSteps().length;
        try {
            while (!finished) {
                long before = globalStep;
                int doneBefore = experiencesDone;
                try {
                    round();
                } catch (RuntimeException e) {
                    if (log != null && !(e instanceof DivergedException)) {
                        log.end("failed", e.getMessage());
                    }
                    throw e;
                }
                progress.onProgress(globalStep, local.totalSteps(), lastLoss());
                if (observer != null) {
                    long[] steps = lossSteps();
                    double[] losses = states.get(0).doubles("trainer.losses");
                    for (int i = lossesLogged; i < steps.length; i++) {
                        log.trainingReport(steps[i], losses[i], learningRate);
                    }
                    lossesLogged = steps.length;
                    if (experiencesDone > doneBefore) {
                        local.importState(exportState());
                        observer.afterExperience(local);
                    }
                }
                if (checkpointer != null && !finished) {
                    long every = policy.everySteps();
                    boolean crossed = every > 0 && before / every != globalStep / every && globalStep % every != 0;
                    if (crossed) { // rounds of H steps step over multiples: save at the round that passed one
                        checkpointer.save(this, "running", false);
                    }
                    checkpointer.afterStep(this);
                    if (experiencesDone > doneBefore) {
                        checkpointer.afterExperience(this);
                    }
                }
            }
        } catch (DivergedException e) {
            status = ExperimentResult.DIVERGED;
            message = e.getMessage();
        } catch (Checkpointer.StopRequestedException e) {
            status = ExperimentResult.INTERRUPTED;
            message = "stopped on request";
        }
        Path last = checkpointer == null ? null : checkpointer.lastSaved();
        if (finished && checkpointer != null) {
            last = checkpointer.save(this, status, true);
        }
        if (states != null) {
            local.importState(exportState());
        }
        ContinualResult result = local.result();
        Map<String, Object> distributed = new LinkedHashMap<>(sgd.resolved());
        distributed.put("master", spark.master());
        distributed.put("communication", traffic.toJson());
        ExperimentResult outcome = new ExperimentResult(config, stream, local.strategyName(), result, status, message, last);
        if (log != null) {
            Experiment.logEnd(log, outcome, globalStep);
        }
        return new Result(outcome, distributed);
    }

    /** One round: every worker's local steps from the averaged weights, then the new average. */
    private void round() {
        int steps = sgd.roundLength(learningRate.at(globalStep));
        WorkerRound.Input input = new WorkerRound.Input(runKey, config.resolved(), sgd.workers(), averaged, steps, round, failure);
        List<WorkerRound.Task> tasks = new ArrayList<>();
        long taskBytes = 0;
        for (int k = 0; k < sgd.workers(); k++) {
            StateDict own = states == null ? null : states.get(k);
            tasks.add(new WorkerRound.Task(k, own));
            taskBytes += own == null ? 0 : own.tensorBytes();
        }
        long start = System.nanoTime();
        List<WorkerRound.Outcome> outcomes = new ArrayList<>(execute(tasks, input));
        double seconds = (System.nanoTime() - start) / 1e9;
        outcomes.sort(Comparator.comparingInt(WorkerRound.Outcome::worker));
        WorkerRound.Outcome first = outcomes.get(0);
        for (WorkerRound.Outcome o : outcomes) {
            if (o.globalStep() != first.globalStep() || o.finished() != first.finished() || o.experiencesDone() != first.experiencesDone()) {
                throw new IllegalStateException("workers disagree after round " + round + ": worker " + o.worker() + " at step "
                        + o.globalStep() + ", worker 0 at " + first.globalStep());
            }
        }
        List<StateDict> after = outcomes.stream().map(WorkerRound.Outcome::state).toList();
        StateDict mean = ParameterAverage.of(after, WorkerRound.averaged(sgd.averageOptimizer()));
        checkFinite(mean);
        List<StateDict> own = new ArrayList<>();
        for (StateDict s : after) {
            own.add(s.filtered(key -> !mean.tensors().containsKey(key)));
        }
        traffic.rounds++;
        traffic.bytesToWorkers += input.averaged().tensorBytes() * sgd.workers() + taskBytes;
        traffic.bytesFromWorkers += after.stream().mapToLong(StateDict::tensorBytes).sum();
        traffic.averagedBytes += mean.tensorBytes();
        traffic.roundSeconds += seconds;
        traffic.computeSeconds += outcomes.stream().mapToDouble(WorkerRound.Outcome::computeSeconds).max().orElse(0);
        states = own;
        averaged = mean;
        globalStep = first.globalStep();
        experiencesDone = first.experiencesDone();
        finished = first.finished();
        round++;
    }

    /**
     * Runs one task per worker. A barrier round ends in a shuffle: Spark reruns a failed barrier stage only when its
     * output goes to a shuffle (a failed barrier result stage aborts the job, its results may have been seen already).
     */
    private List<WorkerRound.Outcome> execute(List<WorkerRound.Task> tasks, WorkerRound.Input input) {
        Broadcast<WorkerRound.Input> shared = spark.broadcast(input);
        try {
            JavaRDD<WorkerRound.Task> rdd = spark.parallelize(tasks, tasks.size());
            ClassTag<WorkerRound.Outcome> tag = ClassTag$.MODULE$.apply(WorkerRound.Outcome.class);
            if (!sgd.barrier()) {
                return JavaRDD.fromRDD(rdd.rdd().mapPartitions(new RoundFunction(shared, false), false, tag), tag).collect();
            }
            return throughShuffle(rdd.rdd().barrier().mapPartitions(new RoundFunction(shared, true), false, tag), tag, tasks.size());
        } catch (Exception e) { // Scala throws SparkException without declaring it
            if (e instanceof SparkException s) {
                throw translate(s);
            }
            if (e.getCause() instanceof SparkException s) {
                throw translate(s);
            }
            throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
        } finally {
            shared.destroy();
        }
    }

    private PerennialException translate(SparkException e) {
        String m = String.valueOf(e.getMessage());
        if (m.contains("more slots than the total number of slots")) {
            return tooFewSlots();
        }
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        String first = m.lines().findFirst().orElse(m);
        String task = taskFailures.last;
        return new PerennialException("round " + round + " failed after Spark's retries: " + first + (task != null ? " Last task failure: "
                + task : root != e ? " (" + root + ")" : ""), e);
    }

    private PerennialException tooFewSlots() {
        return new PerennialException(LocalSgd.key(LocalSgd.WORKERS) + ": " + sgd.workers() + " workers need " + sgd.workers()
                + " task slots at once (barrier rounds) and the cluster has fewer; use --master local[" + sgd.workers() + "], add executors, or turn barrier"
                + " rounds off (" + LocalSgd.key(LocalSgd.BARRIER) + ": false, --" + LocalSgd.BARRIER.name() + " false)");
    }

    /** A barrier stage's output, collected through a shuffle (see {@link #execute}). */
    private static <T> List<T> throughShuffle(RDD<T> barrierOutput, ClassTag<T> tag, int partitions) {
        return JavaRDD.fromRDD(barrierOutput, tag).mapToPair(o -> new Tuple2<>(TaskContext.getPartitionId(), o))
                .partitionBy(new HashPartitioner(partitions)).values().collect();
    }

    /**
     * Spark's own cost of a round, without training: each of {@code rounds} rounds broadcasts {@code floats} floats, runs
     * {@code workers} barrier tasks that hand them back, and shuffles and collects the results as {@link #execute} does.
     * Seconds per round.
     */
    public static double[] emptyRounds(JavaSparkContext spark, int workers, int floats, int rounds) {
        double[] seconds = new double[rounds];
        List<Integer> ids = java.util.stream.IntStream.range(0, workers).boxed().toList();
        for (int r = 0; r < rounds; r++) {
            long start = System.nanoTime();
            Broadcast<float[]> shared = spark.broadcast(new float[floats]);
            ClassTag<float[]> tag = ClassTag$.MODULE$.apply(float[].class);
            throughShuffle(spark.parallelize(ids, workers).rdd().barrier().mapPartitions(new EchoFunction(shared), false, tag), tag,
                    workers);
            shared.destroy();
            seconds[r] = (System.nanoTime() - start) / 1e9;
        }
        return seconds;
    }

    /** As {@link #emptyRounds(JavaSparkContext, int, int, int)} on a context of its own on {@code master}, after {@code warmup} untimed rounds. */
    public static double[] emptyRounds(String master, int workers, int floats, int warmup, int rounds) {
        JavaSparkContext spark = SparkRuns.context(master, "perennial spark-bench");
        try {
            emptyRounds(spark, workers, floats, warmup);
            return emptyRounds(spark, workers, floats, rounds);
        } finally {
            spark.stop();
        }
    }

    /** An empty round's task: the broadcast floats back, as a worker hands back its parameters. */
    private static final class EchoFunction extends AbstractFunction1<scala.collection.Iterator<Integer>, scala.collection.Iterator<float[]>>
            implements Serializable {
        private final Broadcast<float[]> shared;

        EchoFunction(Broadcast<float[]> shared) {
            this.shared = shared;
        }

        @Override
        public scala.collection.Iterator<float[]> apply(scala.collection.Iterator<Integer> worker) {
            return scala.jdk.javaapi.CollectionConverters.asScala(List.of(shared.value().clone()).iterator());
        }
    }

    /** The Spark side of a round: one task per worker; a barrier task counts its stage's attempt too. */
    private static final class RoundFunction extends AbstractFunction1<scala.collection.Iterator<WorkerRound.Task>,
            scala.collection.Iterator<WorkerRound.Outcome>> implements Serializable {
        private final Broadcast<WorkerRound.Input> input;
        private final boolean barrier;

        RoundFunction(Broadcast<WorkerRound.Input> input, boolean barrier) {
            this.input = input;
            this.barrier = barrier;
        }

        @Override
        public scala.collection.Iterator<WorkerRound.Outcome> apply(scala.collection.Iterator<WorkerRound.Task> tasks) {
            TaskContext context = barrier ? BarrierTaskContext.get() : TaskContext.get();
            boolean attemptZero = context.attemptNumber() == 0 && context.stageAttemptNumber() == 0;
            List<WorkerRound.Outcome> out = new ArrayList<>();
            while (tasks.hasNext()) {
                out.add(WorkerRound.run(tasks.next(), input.value(), attemptZero));
            }
            return scala.jdk.javaapi.CollectionConverters.asScala(out.iterator());
        }
    }

    private long[] lossSteps() {
        return states == null ? new long[0] : states.get(0).longs("trainer.loss_steps");
    }

    private double lastLoss() {
        StateDict s = states == null ? null : states.get(0);
        if (s == null || !s.has("trainer.losses")) {
            return Double.NaN;
        }
        double[] losses = s.doubles("trainer.losses");
        return losses.length == 0 ? Double.NaN : losses[losses.length - 1];
    }

    private void checkFinite(StateDict mean) {
        for (var e : mean.tensors().entrySet()) {
            for (float v : (float[]) e.getValue().data()) {
                if (!Float.isFinite(v)) {
                    throw new DivergedException("averaged " + e.getKey() + " became non-finite", globalStep);
                }
            }
        }
    }

    @Override
    public void checkFinite() {
        checkFinite(averaged);
    }

    /** Worker 0's state with the averaged weights, the others' under {@code spark.worker.K.}, the round and the traffic. */
    @Override
    public StateDict exportState() {
        if (states == null) {
            throw new IllegalStateException("nothing to save before the first round");
        }
        StateDict out = new StateDict();
        out.putAll("", states.get(0));
        out.putAll("", averaged);
        for (int k = 1; k < states.size(); k++) {
            out.putAll("spark.worker." + k + ".", states.get(k));
        }
        out.putCounter("spark.workers", sgd.workers());
        out.putCounter("spark.round", round);
        out.putCounter("spark.experiences_done", experiencesDone);
        out.putCounter("spark.finished", finished ? 1 : 0);
        traffic.export(out);
        return out;
    }

    /** Continues from {@link #exportState} of a run with the same config and workers. */
    public void importState(StateDict state) {
        if (!state.has("spark.workers")) {
            throw new PerennialException("the checkpoint was written by a run on one machine; resume it with 'perennial run --resume'");
        }
        int saved = (int) state.counter("spark.workers");
        if (saved != sgd.workers()) {
            throw new PerennialException(LocalSgd.key(LocalSgd.WORKERS) + ": the checkpoint has " + saved + " workers' states, this run " + sgd.workers()
                    + "; resume with --workers " + saved);
        }
        java.util.function.Predicate<String> avg = WorkerRound.averaged(sgd.averageOptimizer());
        averaged = ParameterAverage.of(List.of(state), key -> !key.startsWith("spark.") && avg.test(key)); // one copy: itself
        StateDict zero = state.filtered(key -> !key.startsWith("spark.") && !averaged.tensors().containsKey(key));
        List<StateDict> own = new ArrayList<>();
        own.add(zero);
        for (int k = 1; k < saved; k++) {
            own.add(state.child("spark.worker." + k + "."));
        }
        states = own;
        round = state.counter("spark.round");
        experiencesDone = (int) state.counter("spark.experiences_done");
        finished = state.counter("spark.finished") == 1;
        globalStep = state.counter("trainer.global_step");
        traffic.restore(state);
    }

    @Override
    public long globalStep() {
        return globalStep;
    }

    @Override
    public Map<String, Object> cursor() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("experiences_done", experiencesDone);
        out.put("experiences", stream.size());
        out.put("round", round);
        out.put("global_step", globalStep);
        return out;
    }

    /** What a checkpoint's manifest records besides the cursor: as a single-machine run's, plus the distributed settings. */
    public Map<String, Object> manifest(Map<String, Object> info) {
        Map<String, Object> manifest = Experiment.manifest(info, config, stream, local.model());
        manifest.put(LocalSgd.SECTION, sgd.resolved());
        return manifest;
    }

    /** Resumes from the newest valid checkpoint in {@code dir}; false when there is none. */
    public boolean resumeFrom(Path dir, Consumer<String> log) {
        Checkpoints.Saved saved = new Checkpoints(dir, 1).latest(w -> log.accept("warning: " + w));
        if (saved == null) {
            return false;
        }
        importState(saved.state());
        log.accept("resuming from " + saved.dir() + " (round " + round + ", step " + globalStep + ")");
        return true;
    }

    /** The model on the driver: the averaged weights once {@link #run} returned. */
    public ai.perennial.core.model.Model model() {
        return local.model();
    }

    @Override
    public void close() {
        spark.sc().removeSparkListener(taskFailures);
        WorkerRound.forget(runKey);
        local.close();
        if (ownsContext) {
            spark.stop();
        }
    }
}
