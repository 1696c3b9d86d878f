package ai.perennial.cli;

import ai.djl.ndarray.NDManager;
import ai.perennial.core.averaging.WeightAverage;
import ai.perennial.core.data.DataSources;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.model.Model;
import ai.perennial.core.model.ModelSpec;
import ai.perennial.core.optim.Optimizer;
import ai.perennial.core.optim.OptimizerSpec;
import ai.perennial.core.run.Provenance;
import ai.perennial.core.run.ResultWriter;
import ai.perennial.core.run.Seeds;
import ai.perennial.core.train.Evaluator;
import ai.perennial.core.train.GradientNormLog;
import ai.perennial.core.train.TrainStats;
import ai.perennial.core.train.Trainer;
import ai.perennial.core.train.TrainingHook;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code perennial train}: one model, one data set, one optimizer; writes {@code result.json}. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Train a classifier on a data set and write DIR/result.json.")
public final class TrainCommand implements Callable<Integer> {

    @Option(names = "--dataset", defaultValue = "fashion-mnist",
            description = "fashion-mnist, idx (any MNIST-layout IDX directory), gaussian-clusters, linear-teacher. Default: ${DEFAULT-VALUE}")
    String dataset;

    @Option(names = "--data-dir", description = "Directory of IDX files (default for fashion-mnist: /usr/share/datasets/fashion-mnist)")
    Path dataDir;

    @Option(names = "--model", defaultValue = "mlp", description = "mlp or cnn. Default: ${DEFAULT-VALUE}")
    String model;

    @Option(names = "--hidden", split = ",", defaultValue = "400,400", description = "MLP hidden sizes. Default: ${DEFAULT-VALUE}")
    int[] hidden;

    @Option(names = "--optimizer", defaultValue = "adamw",
            description = "sgd, momentum, nesterov, adam, adamw, adam-l2, amsgrad, radam, adabound, amsbound, adamod, adafactor. Default: ${DEFAULT-VALUE}")
    String optimizer;

    @Option(names = "--lr", defaultValue = "1e-3", description = "Peak learning rate. Default: ${DEFAULT-VALUE}")
    double lr;

    @Option(names = "--momentum", description = "Momentum (default 0.9 for momentum/nesterov, 0 for sgd)")
    Double momentum;

    @Option(names = "--weight-decay", description = "Weight decay (default 0.01 for adamw, else 0)")
    Double weightDecay;

    @Option(names = "--beta1", defaultValue = "0.9", description = "Adam beta1. Default: ${DEFAULT-VALUE}")
    double beta1;

    @Option(names = "--beta2", defaultValue = "0.999", description = "Adam beta2. Default: ${DEFAULT-VALUE}")
    double beta2;

    @Option(names = "--eps", defaultValue = "1e-8", description = "Adam epsilon. Default: ${DEFAULT-VALUE}")
    double eps;

    @Option(names = "--schedule", defaultValue = "constant",
            description = "Learning-rate schedule spec, e.g. constant, cosine, wsd:decay=200, rex (see 'perennial schedule plot --help'). Default: ${DEFAULT-VALUE}")
    String schedule;

    @Option(names = "--sam-rho", defaultValue = "0", description = "Wrap the optimizer in SAM with this radius (0.05 is usual; 0 = off). Default: ${DEFAULT-VALUE}")
    double samRho;

    @Option(names = "--clip-norm", defaultValue = "0", description = "Clip gradients to this global norm (0 = off). Default: ${DEFAULT-VALUE}")
    double clipNorm;

    @Option(names = "--decay-mask", defaultValue = "all", description = "Which parameters weight decay touches: all, or weights (not biases). Default: ${DEFAULT-VALUE}")
    String decayMask;

    @Option(names = "--temperature", defaultValue = "1e-5", description = "SGLD temperature. Default: ${DEFAULT-VALUE}")
    double temperature;

    @Option(names = "--noise", defaultValue = "1e-3", description = "UPGD perturbation σ. Default: ${DEFAULT-VALUE}")
    double noise;

    @Option(names = "--log-grad-norms", description = "Write DIR/grad_norms.csv (mean squared gradient norm per 10 steps) for a later '--schedule refined:file=...'")
    boolean logGradNorms;

    @Option(names = "--average", description = "Weight average evaluated beside the trained weights: ema:DECAY (e.g. ema:0.999) or swa:START[:EVERY] (e.g. swa:300:10)")
    String average;

    @Option(names = "--warmup-steps", defaultValue = "0", description = "Linear warmup steps. Default: ${DEFAULT-VALUE}")
    long warmupSteps;

    @Option(names = "--epochs", defaultValue = "1", description = "Passes over the training set. Default: ${DEFAULT-VALUE}")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "128", description = "Mini-batch size. Default: ${DEFAULT-VALUE}")
    int batchSize;

    @Option(names = "--max-steps", defaultValue = "-1", description = "Stop after this many steps (-1: no cap)")
    long maxSteps;

    @Option(names = "--seed", defaultValue = "1", description = "Run seed (init, shuffling, synthetic data). Default: ${DEFAULT-VALUE}")
    long seed;

    @Option(names = "--out", required = true, description = "Output directory for result.json")
    Path out;

    @Override
    public Integer call() {
        OptimizerSpec defaults = OptimizerSpec.defaults(optimizer, lr);
        OptimizerSpec optimizerSpec = new OptimizerSpec(optimizer, lr,
                momentum != null ? momentum : defaults.momentum(),
                weightDecay != null ? weightDecay : defaults.weightDecay(), beta1, beta2, eps, schedule, warmupSteps,
                OptimizerSpec.Extras.of(clipNorm, samRho, temperature, noise, decayMask, Seeds.derive(seed, "optimizer-noise")));
        ModelSpec modelSpec = new ModelSpec(model, hidden, 1);
        Trainer.Options options = new Trainer.Options(epochs, batchSize, Seeds.derive(seed, "shuffle"), 50, maxSteps);
        Engines.pytorch();
        DataSources.Split data = DataSources.load(dataset, dataDir, Seeds.derive(seed, "data"));

        Map<String, Object> config = new LinkedHashMap<>();
        config.put("command", "train");
        config.put("dataset", dataset);
        config.put("data_dir", dataDir == null ? null : dataDir.toString());
        config.put("model", Map.of("kind", model, "hidden", hidden, "heads", 1));
        config.put("optimizer", optimizerSpec);
        config.put("epochs", epochs);
        config.put("batch_size", batchSize);
        config.put("max_steps", maxSteps);
        config.put("seed", seed);
        config.put("average", average);
        WeightAverage averager = average == null ? null : WeightAverage.parse(average);
        Provenance provenance = Provenance.capture(config, seed, "perennial " + String.join(" ", rawArgs()));

        long start = System.nanoTime();
        try (NDManager manager = NDManager.newBaseManager()) {
            Model net = modelSpec.build(manager, data.train().sampleShape(), data.train().numClasses(), Seeds.derive(seed, "init"));
            long totalSteps = Trainer.stepsFor(data.train().size(), options);
            Optimizer opt = new Optimizer(optimizer, optimizerSpec.build(totalSteps), net.parameters());
            List<TrainingHook> hooks = new ArrayList<>();
            if (averager != null) {
                hooks.add(averager);
            }
            GradientNormLog normLog = logGradNorms ? new GradientNormLog(10) : null;
            if (normLog != null) {
                hooks.add(normLog);
            }
            Trainer trainer = new Trainer(net, opt, hooks, manager);
            System.err.printf("training %s (%,d parameters) on %s: %,d samples, %d steps, %s lr %g%n",
                    net.describe(), net.parameterCount(), data.train().name(), data.train().size(), totalSteps, optimizer, lr);
            TrainStats stats = trainer.train(data.train(), 0, options, new Progress("train"));
            double accuracy = Evaluator.accuracy(net, data.test(), 1000, manager);
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("test_accuracy", accuracy);
            Double averaged = averager == null ? null
                    : averager.withAveragedWeights(net, () -> Evaluator.accuracy(net, data.test(), 1000, manager));
            if (averaged != null) {
                result.put("test_accuracy_averaged", averaged);
                result.put("average", averager.describe());
            }
            result.put("train_loss", stats.meanLoss());
            result.put("steps", stats.steps());
            result.put("samples", stats.samples());
            result.put("train_seconds", stats.wallSeconds());
            result.put("wall_seconds", (System.nanoTime() - start) / 1e9);
            result.put("samples_per_second", stats.samplesPerSecond());
            result.put("model", net.describe());
            result.put("parameters", net.parameterCount());
            result.put("provenance", provenance);
            Path file = ResultWriter.write(out, "result.json", result);
            if (normLog != null) {
                normLog.write(out.resolve("grad_norms.csv"));
            }
            System.out.printf("test_accuracy %.4f%s  train_loss %.4f  steps %d  %.0f samples/s  -> %s%n", accuracy,
                    averaged == null ? "" : String.format("  test_accuracy_averaged %.4f (%s)", averaged, averager.describe()),
                    stats.meanLoss(), stats.steps(), stats.samplesPerSecond(), file);
        }
        return 0;
    }

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** The whole command line as typed, subcommand included. */
    private List<String> rawArgs() {
        return spec.root().commandLine().getParseResult().originalArgs();
    }
}
