package ai.perennial.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/** Spark contexts set up for Perennial's rounds. */
public final class SparkRuns {
    private SparkRuns() {
    }

    /**
     * A context on {@code master} (local[K], local[K,F] for F attempts per task, spark://host:port, yarn, k8s://...),
     * or on the master spark-submit set when {@code master} is null. Barrier rounds check for free task slots every 2 s
     * for up to a minute (Spark's default: every 15 s for 10 minutes) so a cluster too small fails soon with a clear error.
     */
    public static JavaSparkContext context(String master, String appName) {
        return new JavaSparkContext(conf(master, appName));
    }

    /** The configuration {@link #context} starts from, for callers that add their own settings. */
    public static SparkConf conf(String master, String appName) {
        SparkConf conf = new SparkConf().setAppName(appName)
                .setIfMissing("spark.scheduler.barrier.maxConcurrentTasksCheck.interval", "2s")
                .setIfMissing("spark.scheduler.barrier.maxConcurrentTasksCheck.maxFailures", "30")
                // each barrier round leaves shuffle files (see DistributedRun); Spark deletes them once the driver's
                // garbage collector has dropped the round's RDDs, which by default it forces only every 30 minutes
                .setIfMissing("spark.cleaner.periodicGC.interval", "1min")
                .setIfMissing("spark.ui.enabled", "false")
                .setIfMissing("spark.ui.showConsoleProgress", "false");
        if (master != null) {
            conf.setMaster(master);
        }
        return conf;
    }
}
