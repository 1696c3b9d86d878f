package ai.perennial.cli;

import ai.djl.ndarray.NDManager;
import ai.perennial.cli.report.CompareReport;
import ai.perennial.core.PerennialException;
import ai.perennial.core.data.DataSources;
import ai.perennial.core.data.Dataset;
import ai.perennial.core.data.Shuffle;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.model.Model;
import ai.perennial.core.model.Parameter;
import ai.perennial.core.model.Parameters;
import ai.perennial.core.optim.Optimizer;
import ai.perennial.core.optim.OptimizerConfig;
import ai.perennial.core.optim.Optimizers;
import ai.perennial.core.registry.Registry;
import ai.perennial.core.run.Provenance;
import ai.perennial.core.run.ResultWriter;
import ai.perennial.core.run.Seeds;
import ai.perennial.core.sparsity.LotteryTickets;
import ai.perennial.core.sparsity.Masks;
import ai.perennial.core.sparsity.Pruning;
import ai.perennial.core.state.Rng;
import ai.perennial.core.train.Evaluator;
import ai.perennial.core.train.ProgressListener;
import ai.perennial.core.train.Trainer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code perennial lottery}: the lottery-ticket table. Per seed: one dense run (recording θ_k, the rewind point), then
 * for every sparsity the accuracy of one-shot magnitude pruning, iterative magnitude pruning with rewinding, IMP's masks
 * from a fresh initialization, and COLT; mean ± sd over seeds, with the measured sparsity of every weight matrix.
 */
@Command(name = "lottery", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Lottery tickets: accuracy against sparsity for four ways of finding a sparse trainable network.",
            "one-shot magnitude pruning, iterative magnitude pruning with rewinding (imp), IMP's masks re-initialized (reinit)",
            "and COLT; writes DIR/lottery.json and DIR/lottery.md."})
public final class LotteryCommand implements Callable<Integer>, UsesEngine {
    static final List<String> METHODS = List.of("one-shot", "imp", "reinit", "colt");

    private final DeclaredOptions declared = new DeclaredOptions();

    @Option(names = "--sparsities", split = ",", defaultValue = "0.5,0.8,0.9,0.95,0.98",
            description = "Sparsity levels, increasing (IMP prunes from one to the next). Default: ${DEFAULT-VALUE}")
    double[] sparsities;

    @Option(names = "--methods", split = ",", defaultValue = "one-shot,imp,reinit,colt", description = "Which of one-shot, imp, reinit, colt. "
            + "Default: ${DEFAULT-VALUE}")
    List<String> methods;

    @Option(names = "--scope", defaultValue = "global", description = "Magnitude threshold: global or per layer. Default: ${DEFAULT-VALUE}")
    String scope;

    @Option(names = "--rewind-step", defaultValue = "0", description = "k: tickets restart from the dense run's weights after k steps "
            + "(0: the initialization). Default: ${DEFAULT-VALUE}")
    long rewindStep;

    @Option(names = "--segments", defaultValue = "2", description = "COLT's data segments. Default: ${DEFAULT-VALUE}")
    int segments;

    @Option(names = "--epochs", defaultValue = "3", description = "Epochs of every training run. Default: ${DEFAULT-VALUE}")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "128", description = "Mini-batch size. Default: ${DEFAULT-VALUE}")
    int batchSize;

    @Option(names = "--seeds", split = ",", defaultValue = "1", description = "Seeds; the table gives mean ± sd. Default: ${DEFAULT-VALUE}")
    List<Long> seeds;

    @Option(names = "--out", required = true, description = "Output directory: lottery.json, lottery.md")
    Path out;

    @Option(names = "--force", description = "Replace the outputs of an earlier run in --out")
    boolean force;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The data set, model and optimizer flags, as train has them. */
    static void declareOptions(CommandLine command) {
        LotteryCommand lottery = command.getCommand();
        TrainCommand.declareSections(lottery.declared, command.getCommandSpec(), Optimizers.ADAMW.name(), OptimizerConfig.sharedParams(Registry.global()));
    }

    @Override
    public Integer call() {
        LotteryTickets.checkLevels(sparsities);
        for (String m : methods) {
            if (!METHODS.contains(m)) {
                throw new PerennialException("--methods: unknown method '" + m + "'; choose from " + String.join(", ", METHODS));
            }
        }
        if (methods.contains("reinit") && !methods.contains("imp")) {
            throw new PerennialException("--methods: reinit trains IMP's masks, so list imp too");
        }
        Masks.Scope maskScope = Masks.Scope.parse(scope);
        if (epochs < 1 || batchSize < 1 || rewindStep < 0 || seeds.isEmpty()) {
            throw new PerennialException("--epochs and --batch-size must be at least 1, --rewind-step at least 0, and --seeds not empty");
        }
        if (segments < 2) {
            throw new PerennialException("--segments must be at least 2, got " + segments);
        }
        TrainCommand.Setup setup = TrainCommand.Setup.resolve(declared, spec.commandLine().getParseResult());
        OutputDir.prepare(out, false, force, List.of("lottery.json", "lottery.md"));
        Engines.pytorch();
        Map<String, Object> config = new LinkedHashMap<>(setup.resolved());
        config.put("sparsities", sparsities);
        config.put("methods", methods);
        config.put("scope", scope);
        config.put("rewind_step", rewindStep);
        config.put("segments", segments);
        config.put("epochs", epochs);
        config.put("batch_size", batchSize);
        config.put("seeds", seeds);
        Provenance provenance = Provenance.capture(config, seeds.get(0),
                "perennial " + String.join(" ", spec.root().commandLine().getParseResult().originalArgs()));
        Map<String, List<List<LotteryTickets.Ticket>>> bySeed = new LinkedHashMap<>();
        List<String> layers = null;
        List<Double> dense = new ArrayList<>();
        long start = System.nanoTime();
        for (long seed : seeds) {
            try (SeedRun run = new SeedRun(setup, seed)) {
                layers = run.layerNames();
                dense.add(run.denseAccuracy);
                System.err.printf(Locale.ROOT, "seed %d: dense accuracy %.4f%n", seed, run.denseAccuracy);
                LotteryTickets tickets = new LotteryTickets(run.prunable, maskScope, run::train, run::accuracy);
                List<LotteryTickets.Ticket> imp = null;
                for (String m : METHODS.stream().filter(methods::contains).toList()) { // IMP before its re-initialization
                    List<LotteryTickets.Ticket> result = switch (m) {
                        case "one-shot" -> tickets.oneShot(run.denseWeights, run.rewind, sparsities);
                        case "imp" -> imp = tickets.iterative(run.denseWeights, run.rewind, sparsities);
                        case "reinit" -> tickets.reinitialized(imp, run.freshInit());
                        default -> tickets.colt(run.rewind, sparsities, segments);
                    };
                    bySeed.computeIfAbsent(m, k -> new ArrayList<>()).add(result);
                    for (LotteryTickets.Ticket t : result) {
                        System.err.printf(Locale.ROOT, "seed %d %-8s sparsity %.3f (measured %.4f): accuracy %.4f%n", seed, m, t.sparsity(),
                                t.measured(), t.accuracy());
                    }
                }
            }
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("dense_accuracy", dense);
        Map<String, Object> tables = new LinkedHashMap<>();
        for (var e : bySeed.entrySet()) {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (int level = 0; level < sparsities.length; level++) {
                Map<String, Object> row = new LinkedHashMap<>();
                int l = level;
                row.put("sparsity", sparsities[level]);
                row.put("accuracy", e.getValue().stream().mapToDouble(r -> r.get(l).accuracy()).toArray());
                row.put("measured_sparsity", e.getValue().stream().mapToDouble(r -> r.get(l).measured()).toArray());
                row.put("layer_sparsity", layerSparsity(layers, e.getValue().get(0).get(level).mask()));
                rows.add(row);
            }
            tables.put(e.getKey(), rows);
        }
        result.put("methods", tables);
        result.put("seconds", (System.nanoTime() - start) / 1e9);
        result.put("provenance", provenance);
        ResultWriter.write(out, "lottery.json", result);
        String table = table(bySeed, dense);
        ResultWriter.writeText(out.resolve("lottery.md"), table);
        System.out.print(table);
        return 0;
    }

    private static Map<String, Double> layerSparsity(List<String> layers, float[][] mask) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (int t = 0; t < mask.length; t++) {
            if (layers.get(t) != null) {
                out.put(layers.get(t), Masks.sparsity(mask[t]));
            }
        }
        return out;
    }

    private String table(Map<String, List<List<LotteryTickets.Ticket>>> bySeed, List<Double> dense) {
        StringBuilder s = new StringBuilder("| sparsity |");
        for (String m : bySeed.keySet()) {
            s.append(' ').append(m).append(" |");
        }
        s.append("\n|---|").append("---|".repeat(bySeed.size())).append('\n');
        s.append("| 0 (dense) |").append((" " + meanSd(dense.stream().mapToDouble(Double::doubleValue).toArray()) + " |")
                .repeat(bySeed.size())).append('\n');
        for (int level = 0; level < sparsities.length; level++) {
            s.append("| " + sparsities[level] + " |");
            for (List<List<LotteryTickets.Ticket>> runs : bySeed.values()) {
                int l = level;
                s.append(' ').append(meanSd(runs.stream().mapToDouble(r -> r.get(l).accuracy()).toArray())).append(" |");
            }
            s.append('\n');
        }
        return s.toString();
    }

    private static String meanSd(double[] values) {
        CompareReport.Cell c = CompareCommand.cell(Arrays.stream(values).boxed().toList());
        return String.format(Locale.ROOT, "%.4f ± %.4f", c.mean(), c.std());
    }

    /** One seed's data, dense run and training function. */
    private final class SeedRun implements AutoCloseable {
        final NDManager manager = NDManager.newBaseManager();
        final TrainCommand.Setup setup;
        final long seed;
        final DataSources.Split data;
        final Dataset[] parts;
        final Model model;
        final boolean[] prunable;
        final float[][] init;
        final float[][] rewind;
        final float[][] denseWeights;
        final double denseAccuracy;

        SeedRun(TrainCommand.Setup setup, long seed) {
            this.setup = setup;
            this.seed = seed;
            this.data = setup.dataset().build(Seeds.derive(seed, "data"));
            int[] order = Shuffle.permutation(data.train().size(), new Rng(Seeds.derive(seed, "segments")));
            parts = new Dataset[segments];
            for (int g = 0; g < segments; g++) {
                int from = (int) ((long) g * order.length / segments);
                int to = (int) ((long) (g + 1) * order.length / segments);
                parts[g] = data.train().select(Arrays.copyOfRange(order, from, to));
            }
            if (data.train().regression()) {
                throw new PerennialException("lottery needs class labels (it compares test accuracies), but " + data.train().name()
                        + " has numeric targets; choose a classification data set");
            }
            this.model = build(Seeds.derive(seed, "init"));
            if (!model.buffers().isEmpty()) {
                // rewinding and retraining move weights only: statistics left by another round would leak into this one
                throw new PerennialException("lottery rewinds and retrains weights only, but model " + model.describe()
                        + " also keeps batch-norm statistics; choose a model without them (mlp, cnn)");
            }
            this.prunable = Pruning.prunable(model.parameters());
            this.init = Parameters.values(model.parameters());
            if (rewindStep > Trainer.stepsFor(data.train().size(), Trainer.Options.of(epochs, batchSize, 0))) {
                throw new PerennialException("--rewind-step " + rewindStep + " is beyond the dense run's last step");
            }
            float[][][] atK = {rewindStep == 0 ? init : null};
            this.denseWeights = train(init, Masks.dense(init), -1, trainer -> {
                if (trainer.context().globalStep() == rewindStep) {
                    atK[0] = Parameters.values(model.parameters());
                }
            });
            this.rewind = atK[0];
            this.denseAccuracy = accuracy(denseWeights);
        }

        private Model build(long initSeed) {
            return setup.model().build(new Model.Context(manager, data.train().sampleShape(), data.train().numClasses(), 1, initSeed));
        }

        List<String> layerNames() {
            List<String> out = new ArrayList<>();
            for (int t = 0; t < prunable.length; t++) {
                out.add(prunable[t] ? model.parameters().get(t).name() : null);
            }
            return out;
        }

        float[][] freshInit() {
            try (NDManager scratch = manager.newSubManager()) {
                Model fresh = setup.model().build(new Model.Context(scratch, data.train().sampleShape(), data.train().numClasses(), 1,
                        Seeds.derive(seed, "reinit")));
                return Parameters.values(fresh.parameters());
            }
        }

        float[][] train(float[][] start, float[][] mask, int segment) {
            return train(start, mask, segment, Trainer.StepListener.NONE);
        }

        /** Trains the model from {@code start} with {@code mask} kept, a fresh optimizer and the same data order per run. */
        float[][] train(float[][] start, float[][] mask, int segment, Trainer.StepListener listener) {
            List<Parameter> params = model.parameters();
            Parameters.overwrite(params, start);
            Dataset set = segment < 0 ? data.train() : parts[segment];
            Trainer.Options options = new Trainer.Options(epochs, batchSize, Seeds.derive(seed, "shuffle"), 100, -1);
            try (NDManager run = manager.newSubManager()) {
                Optimizer opt = new Optimizer(setup.optimizer().name(),
                        setup.optimizer().build(Trainer.stepsFor(set.size(), options), Seeds.derive(seed, "optimizer-noise")), params);
                Trainer trainer = new Trainer(model, opt, List.of(Pruning.fixed(mask)), run);
                trainer.train(set, 0, options, ProgressListener.NONE, listener);
            }
            return Parameters.values(params);
        }

        double accuracy(float[][] weights) {
            Parameters.overwrite(model.parameters(), weights);
            return Evaluator.accuracy(model, data.test(), 1000, manager);
        }

        @Override
        public void close() {
            manager.close();
        }
    }
}
