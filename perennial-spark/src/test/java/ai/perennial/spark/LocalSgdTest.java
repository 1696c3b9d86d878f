package ai.perennial.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.perennial.cl.experiment.Experiment;
import ai.perennial.cl.experiment.ExperimentResult;
import ai.perennial.cl.run.ContinualRun;
import ai.perennial.cl.run.ContinualRunner;
import ai.perennial.cl.scenario.Scenario;
import ai.perennial.core.PerennialException;
import ai.perennial.core.model.Parameter;
import ai.perennial.core.state.Checkpointer;
import ai.perennial.core.state.Checkpoints;
import ai.perennial.core.train.ProgressListener;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Local SGD on Spark in local mode: equal to one machine where the math says so, deterministic under failures, resumable. */
class LocalSgdTest {
    static JavaSparkContext spark;

    @BeforeAll
    static void start() {
        // four task slots, up to four attempts per task (local mode's default is one: no retry)
        spark = SparkRuns.context("local[4,4]", "perennial-test");
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    static Experiment.Builder experiment(String optimizer, Map<String, ?> optimizerParams, int batchSize, int epochs) {
        return Experiment.builder()
                .seed(3)
                .dataset("gaussian-clusters", Map.of("samples", 960, "features", 12, "classes", 4, "separation", 1.5))
                .scenario("split", Map.of("classes_per_experience", 2))
                .model("mlp", Map.of("hidden", List.of(16)))
                .optimizer(optimizer, optimizerParams)
                .strategy("naive", Map.of())
                .set("training", Map.of("epochs", epochs, "batch_size", batchSize))
                .set("evaluation", Map.of("every_steps", 0, "probe_size", 0));
    }

    static DistributedRun distributed(Experiment e, LocalSgd sgd) {
        return new DistributedRun(spark, e.config(), e.buildScenario(), sgd);
    }

    static DistributedRun.Result train(DistributedRun run) {
        return run.run(ProgressListener.NONE, null, Checkpointer.Policy.NEVER);
    }

    static List<float[]> weights(ai.perennial.core.model.Model model) {
        List<float[]> out = new ArrayList<>();
        for (Parameter p : model.parameters()) {
            out.add(p.array().toFloatArray());
        }
        return out;
    }

    @Test
    void oneWorkerAveragingEveryStepIsTheSingleMachineRunBitForBit() {
        Experiment e = experiment("momentum", Map.of("lr", 0.05), 32, 2).build();
        ExperimentResult single = e.run();
        try (DistributedRun run = distributed(e, new LocalSgd(1, LocalSgd.EVERY, 1, null, false, true))) {
            DistributedRun.Result result = train(run);
            assertThat(result.experiment().result().weightsSha256()).isEqualTo(single.result().weightsSha256());
            assertThat(result.experiment().result().accuracyMatrix()).isDeepEqualTo(single.result().accuracyMatrix());
            assertThat(result.experiment().result().randomInitAccuracy()).isEqualTo(single.result().randomInitAccuracy());
            @SuppressWarnings("unchecked")
            Map<String, Object> comm = (Map<String, Object>) result.distributed().get("communication");
            assertThat(comm.get("rounds")).isEqualTo(single.result().compute().steps() + 1L); // plus the last experience's end round
        }
    }

    @Test
    void fourWorkersAveragingEveryStepAreOneMachineAtFourTimesTheBatch() {
        // full batches (each worker's batch holds its whole shard) make the four workers' samples the one machine's batch
        Experiment.Builder four = experiment("momentum", Map.of("lr", 0.1, "momentum", 0.9), 10_000, 3);
        Experiment e = four.build();
        Scenario stream = e.buildScenario();
        List<float[]> big;
        try (ContinualRun one = e.open(Shards.of(stream, 0, 1))) {
            // the single machine sees the same samples the four shards hold (shards drop n mod 4)
            one.run(ContinualRunner.ProgressFactory.NONE, ContinualRun.Listener.NONE);
            big = weights(one.model());
        }
        try (DistributedRun run = distributed(e, new LocalSgd(4, LocalSgd.EVERY, 1, null, false, true))) {
            train(run);
            List<float[]> averaged = weights(run.model());
            for (int i = 0; i < big.size(); i++) {
                float[] a = big.get(i);
                float[] b = averaged.get(i);
                for (int j = 0; j < a.length; j++) {
                    assertThat(b[j]).as("parameter %d[%d]", i, j).isCloseTo(a[j], org.assertj.core.data.Offset.offset(2e-5f));
                }
            }
        }
    }

    @Test
    void aKilledTaskIsRetriedAndTheRunEndsWithTheSameWeights() {
        Experiment e = experiment("adamw", Map.of("lr", 0.01), 16, 1).build();
        LocalSgd sgd = new LocalSgd(4, LocalSgd.CONSTANT, 4, null, false, true);
        String clean;
        try (DistributedRun run = distributed(e, sgd)) {
            clean = train(run).experiment().result().weightsSha256();
        }
        FailedTasks failed = new FailedTasks();
        spark.sc().addSparkListener(failed);
        try (DistributedRun run = distributed(e, sgd)) {
            run.injectFailure(3, 2, false);
            assertThat(train(run).experiment().result().weightsSha256()).isEqualTo(clean);
        }
        assertThat(failed.count()).as("failed task attempts").isPositive();
        int before = failed.count();
        try (DistributedRun run = distributed(e, new LocalSgd(4, LocalSgd.CONSTANT, 4, null, false, false))) {
            run.injectFailure(2, 1, false); // a plain (not barrier) stage retries the one task
            assertThat(train(run).experiment().result().weightsSha256()).isEqualTo(clean);
        }
        assertThat(failed.count()).as("failed task attempts").isEqualTo(before + 1);
        spark.sc().removeSparkListener(failed);
    }

    @Test
    void aDriverRestartResumesFromItsCheckpointToTheSameWeights(@TempDir Path dir) {
        Experiment e = experiment("adamw", Map.of("lr", 0.01), 16, 1).strategy("er", Map.of("memory", 40)).build();
        LocalSgd sgd = new LocalSgd(2, LocalSgd.CONSTANT, 3, null, true, true);
        String clean;
        try (DistributedRun run = distributed(e, sgd)) {
            clean = train(run).experiment().result().weightsSha256();
        }
        Checkpointer.Policy every5 = new Checkpointer.Policy(5, 0, true, false);
        try (DistributedRun run = distributed(e, sgd)) {
            Checkpointer checkpointer = new Checkpointer(new Checkpoints(dir, 5), every5, () -> run.manifest(Map.of()), m -> { });
            // the driver dies in the second experience (2 × 13 steps in rounds of 3), after checkpoints at steps 6, 12, 13, 15
            ProgressListener dies = new ProgressListener() {
                int rounds;

                @Override
                public void onProgress(long done, long total, double loss) {
                    if (++rounds == 7) {
                        throw new IllegalStateException("driver lost");
                    }
                }
            };
            assertThatThrownBy(() -> run.run(dies, checkpointer, every5)).hasMessage("driver lost");
        }
        try (DistributedRun run = distributed(e, sgd)) {
            assertThat(run.resumeFrom(dir, m -> { })).isTrue();
            assertThat(run.globalStep()).isPositive();
            Checkpointer checkpointer = new Checkpointer(new Checkpoints(dir, 5), every5, () -> run.manifest(Map.of()), m -> { });
            DistributedRun.Result resumed = run.run(ProgressListener.NONE, checkpointer, every5);
            assertThat(resumed.experiment().result().weightsSha256()).isEqualTo(clean);
            // the final checkpoint is an ordinary continual-run checkpoint with the averaged weights
            Checkpoints.Saved last = new Checkpoints(dir, 5).latest(w -> { });
            assertThat(last.manifest().get("status")).isEqualTo("complete");
            assertThat(last.manifest().get("kind")).isEqualTo("continual-run");
        }
    }

    @Test
    void qsrLengthensRoundsAsTheLearningRateDecays() {
        LocalSgd qsr = LocalSgd.of(Map.of("workers", 4, "sync", "qsr", "local_steps", 2, "qsr_alpha", 0.2));
        assertThat(qsr.roundLength(0.1)).isEqualTo(4);       // (0.2 / 0.1)² = 4
        assertThat(qsr.roundLength(0.2)).isEqualTo(2);       // H_base floor
        assertThat(qsr.roundLength(0.05)).isEqualTo(16);
        assertThat(qsr.roundLength(0.03)).isEqualTo(44);     // floor(44.44)
        assertThat(qsr.roundLength(0)).isEqualTo(Integer.MAX_VALUE);
        assertThat(LocalSgd.of(Map.of("sync", "every")).roundLength(0.001)).isEqualTo(1);
        assertThatThrownBy(() -> LocalSgd.of(Map.of("sync", "qsr"))).isInstanceOf(PerennialException.class)
                .hasMessageStartingWith("distributed.qsr_alpha: sync qsr needs alpha");
        assertThatThrownBy(() -> LocalSgd.of(Map.of("workers", 0))).hasMessageStartingWith("distributed.workers");
    }

    @Test
    void qsrRunsFewerRoundsThanConstantRoundsOfItsSmallestLength() {
        Experiment e = experiment("momentum", Map.of("lr", 0.1, "schedule", "cosine"), 16, 2).build();
        long constantRounds;
        try (DistributedRun run = distributed(e, new LocalSgd(2, LocalSgd.CONSTANT, 2, null, false, true))) {
            constantRounds = rounds(train(run));
        }
        try (DistributedRun run = distributed(e, new LocalSgd(2, LocalSgd.QSR, 2, 0.2, false, true))) {
            DistributedRun.Result r = train(run);
            assertThat(rounds(r)).isLessThan(constantRounds);
            assertThat(r.experiment().result().accuracyMatrix()).hasNumberOfRows(2);
        }
    }

    @Test
    void moreWorkersThanTaskSlotsIsOneClearError() {
        Experiment e = experiment("sgd", Map.of("lr", 0.1), 16, 1).build();
        assertThatThrownBy(() -> distributed(e, new LocalSgd(8, LocalSgd.EVERY, 1, null, false, true))).isInstanceOf(PerennialException.class)
                .hasMessageStartingWith("distributed.workers: 8 workers need 8 task slots at once");
    }

    /** Counts task attempts that ended in failure (a thrown exception, a lost executor, a kill). */
    static final class FailedTasks extends org.apache.spark.scheduler.SparkListener {
        private final java.util.concurrent.atomic.AtomicInteger count = new java.util.concurrent.atomic.AtomicInteger();

        @Override
        public void onTaskEnd(org.apache.spark.scheduler.SparkListenerTaskEnd end) {
            if (end.reason() instanceof org.apache.spark.TaskFailedReason) {
                count.incrementAndGet();
            }
        }

        int count() {
            return count.get();
        }
    }

    static long rounds(DistributedRun.Result r) {
        return (Long) ((Map<?, ?>) r.distributed().get("communication")).get("rounds");
    }
}
