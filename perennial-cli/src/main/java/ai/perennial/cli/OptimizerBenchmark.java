package ai.perennial.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.perennial.core.PerennialException;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.model.Mlp;
import ai.perennial.core.model.Model;
import ai.perennial.core.model.Parameter;
import ai.perennial.core.optim.GradientOracle;
import ai.perennial.core.optim.Optimizer;
import ai.perennial.core.optim.OptimizerConfig;
import ai.perennial.core.optim.Optimizers;
import ai.perennial.core.optim.Sam;
import ai.perennial.core.lowrank.GaLore;
import ai.perennial.core.lowrank.Plumage;
import ai.perennial.core.registry.Registry;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code perennial bench optimizers}: the cost of one optimizer update (gradients → new weights) per recipe on a
 * ~1M-parameter MLP, relative to plain SGD, measured in one process with interleaved blocks.
 */
@Command(name = "optimizers", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Update cost per optimizer recipe on a ~1M-parameter MLP (784-1000-200-10), relative to plain SGD.",
            "Times Optimizer.step only (fixed random gradients); SAM's second forward/backward is not included."})
final class OptimizerBenchmark implements Callable<Integer> {
    /** The reference recipe, and the pseudo-recipe "SAM around momentum". */
    private static final String SGD = Optimizers.SGD.name();
    private static final String SAM = Sam.SAM.name();
    /** Adam inside a rank-32 projection: refreshed once (the per-update projection cost) or at every update (SVD included). */
    private static final String REFRESH = "-refresh";
    private static final Map<String, Map<String, Object>> LOW_RANK = Map.of(
            GaLore.GALORE.name(), Map.of("name", Optimizers.ADAM.name(), "galore_rank", 32, "galore_interval", 1_000_000),
            GaLore.GALORE.name() + REFRESH, Map.of("name", Optimizers.ADAM.name(), "galore_rank", 32, "galore_interval", 1),
            Plumage.PLUMAGE.name(), Map.of("name", Optimizers.ADAM.name(), "plumage_rank", 32, "plumage_interval", 1_000_000),
            Plumage.PLUMAGE.name() + REFRESH, Map.of("name", Optimizers.ADAM.name(), "plumage_rank", 32, "plumage_interval", 1));

    @Option(names = "--recipes", split = ",", description = {"Recipes (sam = SAM around momentum; galore, plumage = Adam in a rank-32 projection",
        "refreshed once, galore-refresh, plumage-refresh = refreshed at every update). Default: every registered recipe, then sam"})
    List<String> recipes;

    @Option(names = "--steps", defaultValue = "10", description = "Updates per timed block. Default: ${DEFAULT-VALUE}")
    int steps;

    @Option(names = "--blocks", defaultValue = "9", description = "Interleaved blocks per recipe (median reported). Default: ${DEFAULT-VALUE}")
    int blocks;

    @Override
    public Integer call() {
        if (steps < 1 || blocks < 1) {
            throw new PerennialException("--steps and --blocks must be positive");
        }
        Engines.pytorch();
        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, Optimizer> optimizers = new LinkedHashMap<>();
            Map<String, Model> models = new LinkedHashMap<>();
            List<String> names = new ArrayList<>(recipes != null ? recipes : Registry.global().names(Optimizers.KIND));
            if (recipes == null) {
                names.add(SAM);
            }
            if (!names.contains(SGD)) {
                names.add(0, SGD);
            }
            for (String name : names) {
                Model model = new Mlp(manager, 784, new int[] {1000, 200}, 10, 1, 1);
                boolean sam = name.equals(SAM);
                Map<String, Object> section = sam ? Map.of("name", Optimizers.MOMENTUM.name(), "sam_rho", 0.05)
                        : LOW_RANK.getOrDefault(name, Map.of("name", name));
                OptimizerConfig spec = OptimizerConfig.resolve(Registry.global(), section, "--recipes " + name);
                optimizers.put(name, new Optimizer(name, spec.build(1_000_000, 1), model.parameters()));
                models.put(name, model);
            }
            long parameters = models.get(SGD).parameterCount();
            List<NDArray> grads = new ArrayList<>();
            for (Parameter p : models.get(SGD).parameters()) {
                NDArray g = manager.randomNormal(p.array().getShape()).muli(1e-3f);
                grads.add(g);
            }
            GradientOracle oracle = () -> grads;
            Map<String, double[]> times = new LinkedHashMap<>();
            names.forEach(n -> times.put(n, new double[blocks]));
            for (int b = -2; b < blocks; b++) { // two warm-up rounds
                for (String name : names) {
                    Optimizer opt = optimizers.get(name);
                    long start = System.nanoTime();
                    for (int s = 0; s < steps; s++) {
                        try (NDScope scope = new NDScope()) {
                            opt.step(grads, oracle);
                        }
                    }
                    if (b >= 0) {
                        times.get(name)[b] = (System.nanoTime() - start) / 1e6 / steps;
                    }
                }
            }
            double sgd = StepBenchmark.median(times.get(SGD));
            System.out.printf(Locale.ROOT, "update cost, %,d parameters, median of %d blocks of %d updates:%n", parameters, blocks, steps);
            for (String name : names) {
                double ms = StepBenchmark.median(times.get(name));
                System.out.printf(Locale.ROOT, "  %-10s %7.3f ms  %5.2f× sgd%n", name, ms, ms / sgd);
            }
        }
        return 0;
    }
}
