package ai.perennial.cli;

import ai.djl.ndarray.NDManager;
import ai.perennial.cl.strategy.Naive;
import ai.perennial.cl.strategy.Strategies;
import ai.perennial.cl.strategy.Strategy;
import ai.perennial.core.PerennialException;
import ai.perennial.core.data.Dataset;
import ai.perennial.core.data.Synthetic;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.model.Mlp;
import ai.perennial.core.optim.Optimizer;
import ai.perennial.core.optim.Optimizers;
import ai.perennial.core.registry.Component;
import ai.perennial.core.registry.Registry;
import ai.perennial.core.schedule.Schedule;
import ai.perennial.core.train.ProgressListener;
import ai.perennial.core.train.TrainStats;
import ai.perennial.core.train.Trainer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code perennial bench strategies}: the cost of one training step (forward, backward, the strategy's per-step hooks,
 * the update) per strategy, relative to naive fine-tuning, in one process with interleaved blocks. Once-per-experience
 * work (importance estimation, exemplar selection) is left out: it is reported separately by every run.
 */
@Command(name = "strategies", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Training-step cost per strategy relative to naive, on an MLP over synthetic 784-feature data (plain SGD).",
            "Each block is a short experience of --steps steps; experience-level hooks are not counted."})
final class StrategyBenchmark implements Callable<Integer> {

    @Option(names = "--strategies", split = ",", description = "Strategies (combinations with '+' too). Default: naive and the plasticity family")
    List<String> strategies;

    @Option(names = "--hidden", split = ",", defaultValue = "100,100", description = "Hidden layer sizes. Default: ${DEFAULT-VALUE}")
    int[] hidden;

    @Option(names = "--batch", defaultValue = "16", description = "Batch size. Default: ${DEFAULT-VALUE}")
    int batch;

    @Option(names = "--steps", defaultValue = "100", description = "Steps per timed block. Default: ${DEFAULT-VALUE}")
    int steps;

    @Option(names = "--warm-up", defaultValue = "5", description = "Seconds of untimed rounds first (at least two rounds). Default: ${DEFAULT-VALUE}")
    double warmUp;

    @Option(names = "--blocks", defaultValue = "9", description = "Interleaved blocks per strategy (median reported). Default: ${DEFAULT-VALUE}")
    int blocks;

    /** One block of {@code steps} steps per strategy, in order: milliseconds per step, experience-level hooks left out. */
    private Map<String, Double> round(Map<String, Trainer> trainers, Dataset data, int seed) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (Map.Entry<String, Trainer> e : trainers.entrySet()) {
            TrainStats stats = e.getValue().train(data, 0, new Trainer.Options(1, batch, seed, steps, steps), ProgressListener.NONE);
            out.put(e.getKey(), 1000 * (stats.wallSeconds() - stats.hookSeconds()) / stats.steps());
        }
        return out;
    }

    @Override
    public Integer call() {
        if (steps < 1 || blocks < 1 || batch < 1 || Arrays.stream(hidden).anyMatch(h -> h < 1)) {
            throw new PerennialException("--steps, --blocks, --batch and every --hidden size must be positive");
        }
        if (!(warmUp >= 0 && warmUp <= 3600)) {
            throw new PerennialException("--warm-up must be between 0 and 3600 seconds, got " + warmUp);
        }
        List<String> names = new ArrayList<>(strategies != null ? strategies : Registry.global().all(Strategy.KIND).stream()
                .filter(c -> "plasticity".equals(c.family())).map(Component::name).toList());
        names.remove(Naive.NAIVE.name());
        names.add(0, Naive.NAIVE.name());
        Engines.pytorch();
        Dataset data = Synthetic.gaussianClusters(Math.max(steps * batch, 1024), 784, 10, 1.5, 1);
        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, Trainer> trainers = new LinkedHashMap<>();
            for (String name : names) {
                Mlp model = new Mlp(manager, 784, hidden, 10, 1, 1);
                Strategy strategy;
                try {
                    strategy = Strategies.create(name, Map.of(), 1);
                } catch (PerennialException e) {
                    throw new PerennialException("--strategies " + name + ": " + e.getMessage(), e);
                }
                Optimizer optimizer = new Optimizer(name, Optimizers.sgd(Schedule.constant(0.01), 0, false, 0), model.parameters());
                trainers.put(name, new Trainer(model, optimizer, List.of(strategy), manager));
            }
            Map<String, double[]> times = new LinkedHashMap<>();
            names.forEach(n -> times.put(n, new double[blocks]));
            // untimed rounds until the JIT has settled: at least two, and at least --warm-up seconds
            long warmUpEnd = System.nanoTime() + (long) (warmUp * 1e9);
            int round = 0;
            while (round < 2 || System.nanoTime() < warmUpEnd) {
                round(trainers, data, round++);
            }
            for (int b = 0; b < blocks; b++) {
                Map<String, Double> ms = round(trainers, data, round++);
                for (String name : names) {
                    times.get(name)[b] = ms.get(name);
                }
            }
            double naive = StepBenchmark.median(times.get(Naive.NAIVE.name()));
            System.out.printf(Locale.ROOT, "step cost, MLP 784-%s-10, batch %d, SGD; median of %d blocks of %d steps:%n",
                    String.join("-", Arrays.stream(hidden).mapToObj(Integer::toString).toList()), batch, blocks, steps);
            for (String name : names) {
                double ms = StepBenchmark.median(times.get(name));
                System.out.printf(Locale.ROOT, "  %-16s %7.3f ms  %5.2f× naive%n", name, ms, ms / naive);
            }
        }
        return 0;
    }
}
