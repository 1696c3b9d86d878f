package ai.perennial.spark;

import static org.assertj.core.api.Assertions.assertThat;

import ai.perennial.cl.experiment.Experiment;
import ai.perennial.core.state.Checkpointer;
import ai.perennial.core.train.ProgressListener;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real standalone Spark cluster on 127.0.0.1 — a master and two worker JVMs, each worker launching its own executor
 * JVM — trains the same run as local mode, bit for bit, also when an executor is killed mid-round.
 */
class StandaloneClusterTest {
    private final List<Process> cluster = new ArrayList<>();

    @AfterEach
    void stopCluster() {
        cluster.forEach(Process::destroyForcibly);
    }

    @Test
    void twoWorkerJvmsTrainTheLocalRunBitForBitAndSurviveAKilledExecutor(@TempDir Path home) throws Exception {
        Experiment e = LocalSgdTest.experiment("adamw", Map.of("lr", 0.01), 16, 1).strategy("er", Map.of("memory", 40)).build();
        LocalSgd sgd = new LocalSgd(2, LocalSgd.CONSTANT, 3, null, false, true);
        String local;
        JavaSparkContext inProcess = SparkRuns.context("local[2]", "perennial-local-reference");
        try (DistributedRun run = new DistributedRun(inProcess, e.config(), e.buildScenario(), sgd)) {
            local = LocalSgdTest.train(run).experiment().result().weightsSha256();
        } finally {
            inProcess.stop(); // one Spark context per JVM
        }

        // a Spark home whose jars/ the workers launch executors from; our own classes go on the executors' extra class path
        Files.createDirectories(home.resolve("jars"));
        List<String> dirs = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path p = Path.of(entry);
            if (entry.endsWith(".jar")) {
                Files.createSymbolicLink(home.resolve("jars").resolve(p.getFileName()), p.toAbsolutePath());
            } else if (Files.isDirectory(p)) {
                dirs.add(p.toAbsolutePath().toString());
            }
        }
        int port = freePort();
        String master = "spark://127.0.0.1:" + port;
        start(home, "master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port", String.valueOf(port),
                "--webui-port", String.valueOf(freePort()));
        awaitPort(port, Duration.ofSeconds(60));
        for (int w = 0; w < 2; w++) {
            start(home, "worker" + w, "org.apache.spark.deploy.worker.Worker", master, "--host", "127.0.0.1", "--cores", "1",
                    "--memory", "2g", "--webui-port", String.valueOf(freePort()), "--work-dir", home.resolve("work" + w).toString());
        }
        SparkConf conf = SparkRuns.conf(master, "perennial-standalone-test")
                .set("spark.driver.host", "127.0.0.1")
                .set("spark.executor.memory", "1g")
                .set("spark.executor.extraClassPath", String.join(File.pathSeparator, dirs))
                .set("spark.executor.extraJavaOptions", "-Dai.djl.offline=true -Dai.djl.default_engine=PyTorch")
                .set("spark.executorEnv.DJL_OFFLINE", "true")
                .set("spark.executorEnv.OMP_WAIT_POLICY", "PASSIVE");
        JavaSparkContext spark = new JavaSparkContext(conf);
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (spark.sc().statusTracker().getExecutorInfos().length < 3 && System.nanoTime() < deadline) { // 2 executors + driver
                Thread.sleep(200);
            }
            assertThat(spark.sc().statusTracker().getExecutorInfos()).as("executors registered").hasSize(3);
            try (DistributedRun run = new DistributedRun(spark, e.config(), e.buildScenario(), sgd)) {
                assertThat(run.run(ProgressListener.NONE, null, Checkpointer.Policy.NEVER).experiment().result().weightsSha256())
                        .isEqualTo(local);
            }
            LocalSgdTest.FailedTasks failed = new LocalSgdTest.FailedTasks();
            spark.sc().addSparkListener(failed);
            try (DistributedRun run = new DistributedRun(spark, e.config(), e.buildScenario(), sgd)) {
                run.injectFailure(2, 1, true); // worker 1's executor JVM halts mid-round; its Spark worker starts a new one
                assertThat(run.run(ProgressListener.NONE, null, Checkpointer.Policy.NEVER).experiment().result().weightsSha256())
                        .isEqualTo(local);
            }
            Thread.sleep(500); // task-end events reach listeners asynchronously
            assertThat(failed.count()).as("failed task attempts").isPositive();
        } finally {
            spark.stop();
        }
    }

    private void start(Path home, String name, String mainClass, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
                "-cp", home.resolve("jars").toString() + File.separator + "*"));
        command.addAll(List.of(System.getProperty("spark.java.options", "").split(" ")).stream().filter(s -> !s.isBlank()).toList());
        command.add(mainClass);
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(home.resolve(name + ".log").toFile());
        pb.environment().put("SPARK_HOME", home.toString());
        pb.environment().put("SPARK_SCALA_VERSION", "2.13");
        cluster.add(pb.start());
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void awaitPort(int port, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                Thread.sleep(200);
            }
        }
        throw new AssertionError("the Spark master did not open port " + port);
    }
}
