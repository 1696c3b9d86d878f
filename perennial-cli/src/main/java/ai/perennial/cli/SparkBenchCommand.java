package ai.perennial.cli;

import ai.perennial.core.PerennialException;
import ai.perennial.spark.DistributedRun;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code perennial spark-bench}: what one Local SGD round costs in Spark itself, without training. */
@Command(name = "spark-bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Time empty Local SGD rounds on Spark (docs/distributed.md).",
            "Broadcast the parameters, K barrier tasks hand them back, shuffle and collect: Spark's own cost per round, to weigh",
            "against a round's compute."})
public final class SparkBenchCommand implements Callable<Integer> {
    @Option(names = "--master", description = "Spark master. Default: local[K]")
    String master;

    @Option(names = "--workers", defaultValue = "4", description = "K: tasks per round. Default: ${DEFAULT-VALUE}")
    int workers;

    @Option(names = "--params", defaultValue = "203530", description = "floats broadcast and returned per task (default: the"
            + " fmnist-qsr MLP, 784-256-10)")
    int params;

    @Option(names = "--rounds", defaultValue = "60", description = "rounds timed after 10 warm-up rounds. Default: ${DEFAULT-VALUE}")
    int rounds;

    @Override
    public Integer call() {
        if (workers < 1 || params < 0 || rounds < 1) {
            throw new PerennialException("--workers and --rounds must be at least 1, --params at least 0");
        }
        String on = master != null ? master : "local[" + workers + "]";
        double[] s = DistributedRun.emptyRounds(on, workers, params, 10, rounds);
        Arrays.sort(s);
        System.out.printf(Locale.ROOT, "empty round, %d workers, %d floats each way: median %.1f ms (min %.1f, p90 %.1f) over %d rounds"
                + " on %s%n", workers, params, 1e3 * s[s.length / 2], 1e3 * s[0], 1e3 * s[(int) (0.9 * (s.length - 1))], rounds, on);
        return 0;
    }
}
