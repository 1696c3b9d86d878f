package ai.perennial.cli;

import picocli.CommandLine.Command;

/** {@code perennial bench ...}: performance measurements, run in one process after warm-up. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks.",
        subcommands = {StepBenchmark.class, OptimizerBenchmark.class, StrategyBenchmark.class, CheckpointBenchmark.class, CrashBenchmark.class,
            CsvBenchmark.class, MemoryBenchmark.class, StartupBenchmark.class, TensorBoardBenchmark.class})
public final class BenchCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
