package ai.perennial.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.training.GradientCollector;
import ai.perennial.core.PerennialException;
import ai.perennial.core.data.ByteDataset;
import ai.perennial.core.data.Dataset;
import ai.perennial.core.data.FashionMnist;
import ai.perennial.core.data.Shuffle;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.model.ForwardMacs;
import ai.perennial.core.model.Mlp;
import ai.perennial.core.model.Parameter;
import ai.perennial.core.optim.Optimizer;
import ai.perennial.core.optim.Optimizers;
import ai.perennial.core.precision.Precision;
import ai.perennial.core.precision.QuantizedLayers;
import ai.perennial.core.run.Provenance;
import ai.perennial.core.run.ResultWriter;
import ai.perennial.core.schedule.Schedule;
import ai.perennial.core.train.Losses;
import ai.perennial.core.train.ProgressListener;
import ai.perennial.core.train.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code perennial bench step}: the cost of one training step of Perennial's loop against a minimal
 * hand-written DJL loop doing the same math, and against the GEMM floor (the step's matmul FLOPs at
 * the machine's measured large-GEMM rate). Library and hand-written blocks of a few steps alternate,
 * so drift in machine speed affects both alike; each reported time is the median over blocks.
 */
@Command(name = "step", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Time one training step (MLP 784-400-400-10, batch 128, SGD) against a hand-written DJL loop and the GEMM floor.",
            "With --model, time that registered model (e.g. resnet18:width=20) on random images of --input against the GEMM floor."})
public final class StepBenchmark implements Callable<Integer> {
    private static final int[] HIDDEN = {400, 400};
    private static final float LR = 0.01f;

    @Option(names = "--batch-size", defaultValue = "128", description = "Default: ${DEFAULT-VALUE}")
    int batchSize;

    @Option(names = "--steps", defaultValue = "25", description = "Steps per timed block. Default: ${DEFAULT-VALUE}")
    int stepsPerBlock;

    @Option(names = "--blocks", defaultValue = "40", description = "Timed blocks per loop (alternating). Default: ${DEFAULT-VALUE}")
    int blocks;

    @Option(names = "--warmup", defaultValue = "500", description = "Warm-up steps per loop. Default: ${DEFAULT-VALUE}")
    int warmup;

    @Option(names = "--data-dir", description = "Fashion-MNIST directory; random bytes of the same shape when absent")
    Path dataDir;

    @Option(names = "--out", defaultValue = "bench-step.json", description = "JSON output file. Default: ${DEFAULT-VALUE}")
    Path out;

    @Option(names = "--model", description = "A registered model as name:key=value (e.g. resnet18:width=20) to time instead of the"
            + " MLP, on random images of --input, 10 classes")
    String model;

    @Option(names = "--input", defaultValue = "3x32x32", description = "Image shape CxHxW for --model. Default: ${DEFAULT-VALUE}")
    String input;

    @Option(names = "--precision", description = "A training precision (e.g. nvfp4, ternary:scale=absmedian; see 'list precisions'):"
            + " time the MLP's library step with its dense layers in it against the same step in FP32, alternating blocks")
    String precision;

    @Override
    public Integer call() {
        if (batchSize <= 0 || stepsPerBlock <= 0 || blocks <= 0 || warmup < 0) {
            throw new PerennialException("--batch-size, --steps and --blocks must be positive and --warmup >= 0");
        }
        Engines.pytorch();
        if (model != null) {
            return timeModel();
        }
        Path dir = dataDir != null ? dataDir : FashionMnist.DEFAULT_DIR;
        Dataset data;
        String dataName;
        if (Files.isDirectory(dir)) {
            data = FashionMnist.load(dir).train();
            dataName = "fashion-mnist " + dir;
        } else {
            data = randomImages(60000);
            dataName = "random uint8 28x28 (no data at " + dir + ")";
        }
        if (precision != null) {
            return timePrecision(data, dataName);
        }
        int inputs = data.featureCount();
        try (NDManager manager = NDManager.newBaseManager()) {
            Mlp libraryModel = new Mlp(manager, inputs, HIDDEN, 10, 1, 1);
            Optimizer sgd = new Optimizer(Optimizers.SGD.name(), Optimizers.sgd(Schedule.constant(LR), 0, false, 0), libraryModel.parameters());
            Trainer trainer = new Trainer(libraryModel, sgd, List.of(), manager);
            Mlp handModel = new Mlp(manager, inputs, HIDDEN, 10, 1, 1);
            HandWrittenLoop hand = new HandWrittenLoop(handModel.parameters(), data, batchSize, manager);
            Trainer.Options options = new Trainer.Options(1000, batchSize, 7, Integer.MAX_VALUE / 2, -1);

            trainer.train(data, 0, withSteps(options, warmup), ProgressListener.NONE);
            hand.run(warmup);
            // One library run of blocks x steps; after each library block the progress callback runs a
            // hand-written block, so the two alternate finely and see the same machine conditions.
            // A report also comes at each epoch end, so a block is whatever ran since the last report.
            List<Double> libraryBlocks = new ArrayList<>();
            List<Double> handBlocks = new ArrayList<>();
            long[] resumedAt = {System.nanoTime(), 0};
            Trainer.Options timed = new Trainer.Options(options.epochs(), batchSize, options.shuffleSeed(), stepsPerBlock,
                    (long) blocks * stepsPerBlock);
            trainer.train(data, 0, timed, (done, total, loss) -> {
                int steps = (int) (done - resumedAt[1]);
                libraryBlocks.add((System.nanoTime() - resumedAt[0]) / 1e6 / steps);
                handBlocks.add(hand.run(steps));
                resumedAt[1] = done;
                resumedAt[0] = System.nanoTime();
            });
            double[] library = libraryBlocks.stream().mapToDouble(Double::doubleValue).toArray();
            double[] handWritten = handBlocks.stream().mapToDouble(Double::doubleValue).toArray();
            double gflops = gemmGflops(manager, 2048, 6, 3);
            double stepFlops = stepFlops(batchSize, inputs, HIDDEN, 10);
            double floorMs = stepFlops / (gflops * 1e9) * 1e3;
            double shapeFloor = shapeFloorMs(manager, batchSize, inputs, HIDDEN, 10, 6, 20);
            double libMs = median(library);
            double handMs = median(handWritten);
            // Blocks are paired in time, so the ratio of each pair cancels machine drift; report their median.
            double[] pairRatios = new double[library.length];
            for (int i = 0; i < library.length; i++) {
                pairRatios[i] = library[i] / handWritten[i];
            }
            double ratio = median(pairRatios);

            Map<String, Object> result = new LinkedHashMap<>();
            result.put("library_ms_per_step", libMs);
            result.put("hand_written_ms_per_step", handMs);
            result.put("ratio_library_to_hand_written", ratio);
            result.put("gemm_gflops", gflops);
            result.put("step_matmul_gflop", stepFlops / 1e9);
            result.put("gemm_floor_ms_per_step", floorMs);
            result.put("library_to_floor", libMs / floorMs);
            result.put("step_shape_gemm_ms", shapeFloor);
            result.put("library_to_step_shape_gemm", libMs / shapeFloor);
            result.put("library_block_ms", library);
            result.put("hand_written_block_ms", handWritten);
            result.put("data", dataName);
            result.put("provenance", Provenance.capture(Map.of("batch_size", batchSize, "steps_per_block", stepsPerBlock,
                    "blocks", blocks, "warmup", warmup, "model", libraryModel.describe(), "optimizer", "sgd lr " + LR), 1,
                    "perennial bench step"));
            ResultWriter.write(out.toAbsolutePath().getParent(), out.getFileName().toString(), result);
            System.out.printf("library step      %.3f ms%nhand-written step %.3f ms%nratio             %.3f (median of paired blocks)%n"
                            + "GEMM              %.1f GFLOP/s (2048x2048, best of 6)%nGEMM floor        %.3f ms/step (%.3f GFLOP)%n"
                            + "library / floor   %.2f%n"
                            + "step GEMMs alone  %.3f ms (same shapes, best of 6)%nlibrary / that    %.2f%n-> %s%n",
                    libMs, handMs, ratio, gflops, floorMs, stepFlops / 1e9, libMs / floorMs, shapeFloor,
                    libMs / shapeFloor, out);
        }
        return 0;
    }

    /**
     * The MLP's library step in {@link #precision} against the same step in FP32 (same initial weights, same batches):
     * blocks of each alternate, each block one short training call of the same length, so per-call overheads and drift
     * in machine speed fall on both alike; the ratio is the median over paired blocks.
     */
    private int timePrecision(Dataset data, String dataName) {
        Precision chosen = Precision.parse(precision);
        try (NDManager manager = NDManager.newBaseManager()) {
            Trainer[] trainers = new Trainer[2];
            String described = null;
            for (int i = 0; i < 2; i++) {
                Mlp net = new Mlp(manager, data.featureCount(), HIDDEN, 10, 1, 1);
                Optimizer sgd = new Optimizer(Optimizers.SGD.name(), Optimizers.sgd(Schedule.constant(LR), 0, false, 0), net.parameters());
                QuantizedLayers layers = i == 1 ? chosen.attach(net, 1) : null;
                trainers[i] = new Trainer(net, sgd, layers == null ? List.of() : List.of(layers), manager);
                described = net.describe();
            }
            Trainer.Options options = new Trainer.Options(1, batchSize, 7, Integer.MAX_VALUE / 2, stepsPerBlock);
            for (Trainer t : trainers) {
                if (warmup > 0) {
                    t.train(data, 0, withSteps(options, warmup), ProgressListener.NONE);
                }
            }
            double[][] ms = new double[2][blocks];
            for (int b = 0; b < blocks; b++) {
                for (int i = 0; i < 2; i++) {
                    long start = System.nanoTime();
                    trainers[i].train(data, 0, options, ProgressListener.NONE);
                    ms[i][b] = (System.nanoTime() - start) / 1e6 / stepsPerBlock;
                }
            }
            double[] ratios = new double[blocks];
            for (int b = 0; b < blocks; b++) {
                ratios[b] = ms[1][b] / ms[0][b];
            }
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("precision", chosen.describe());
            result.put("fp32_ms_per_step", median(ms[0]));
            result.put("precision_ms_per_step", median(ms[1]));
            result.put("ratio_precision_to_fp32", median(ratios));
            result.put("fp32_block_ms", ms[0]);
            result.put("precision_block_ms", ms[1]);
            result.put("data", dataName);
            result.put("provenance", Provenance.capture(Map.of("batch_size", batchSize, "steps_per_block", stepsPerBlock, "blocks", blocks,
                    "warmup", warmup, "model", described, "optimizer", "sgd lr " + LR, "precision", chosen.describe()), 1,
                    "perennial bench step --precision " + precision));
            ResultWriter.write(out.toAbsolutePath().getParent(), out.getFileName().toString(), result);
            System.out.printf("fp32 step         %.3f ms%n%-17s %.3f ms%nratio             %.2f (median of paired blocks)%n-> %s%n",
                    median(ms[0]), chosen.describe(), median(ms[1]), median(ratios), out);
        }
        return 0;
    }

    /**
     * The library loop alone on a registered model: median ms per step over blocks, against the GEMM floor of the step's
     * multiply-accumulates (forward, weight gradients and input gradients: 3 × 2 × the forward MACs per sample).
     */
    private int timeModel() {
        long[] dims;
        try {
            dims = java.util.Arrays.stream(input.split("x")).mapToLong(Long::parseLong).toArray();
        } catch (NumberFormatException e) {
            dims = new long[0];
        }
        if (dims.length != 3 || java.util.Arrays.stream(dims).anyMatch(d -> d < 1)) {
            throw new PerennialException("--input " + input + ": give an image shape CxHxW such as 3x32x32");
        }
        Shape shape = new Shape(dims);
        int samples = Math.max(4 * batchSize, 512);
        byte[] pixels = new byte[Math.toIntExact(samples * shape.size())];
        new SplittableRandom(1).nextBytes(pixels);
        int[] labels = new int[samples];
        for (int i = 0; i < samples; i++) {
            labels[i] = i % 10;
        }
        Dataset data = new ByteDataset("random", pixels, labels, shape, 10, 0.5f, 0.29f);
        String described = "--model '" + model + "'";
        ai.perennial.core.registry.Spec spec = ai.perennial.core.registry.Spec.parse(model, described);
        var component = ai.perennial.core.registry.Registry.global().get(ai.perennial.core.model.Model.KIND, spec.name(), described);
        try (NDManager manager = NDManager.newBaseManager()) {
            ai.perennial.core.model.Model net = component.build(component.resolve(spec.params(), described),
                    new ai.perennial.core.model.Model.Context(manager, shape, 10, 1, 1));
            Optimizer sgd = new Optimizer(Optimizers.SGD.name(), Optimizers.sgd(Schedule.constant(LR), 0.9, false, 0), net.parameters());
            Trainer trainer = new Trainer(net, sgd, List.of(), manager);
            Trainer.Options options = new Trainer.Options(100_000, batchSize, 7, stepsPerBlock, -1);
            if (warmup > 0) {
                trainer.train(data, 0, withSteps(options, warmup), ProgressListener.NONE);
            }
            List<Double> blockMs = new ArrayList<>();
            long[] resumedAt = {System.nanoTime(), 0};
            trainer.train(data, 0, withSteps(options, blocks * stepsPerBlock), (done, total, loss) -> {
                blockMs.add((System.nanoTime() - resumedAt[0]) / 1e6 / (done - resumedAt[1]));
                resumedAt[1] = done;
                resumedAt[0] = System.nanoTime();
            });
            double ms = median(blockMs.stream().mapToDouble(Double::doubleValue).toArray());
            double gflops = gemmGflops(manager, 2048, 6, 3);
            long forwardMacs;
            try (NDManager scratch = manager.newSubManager()) {
                forwardMacs = ForwardMacs.of(net, data.inputs(scratch, new int[] {0}), new int[] {0});
            }
            double stepFlops = 3.0 * 2.0 * forwardMacs * batchSize;
            double floorMs = stepFlops / (gflops * 1e9) * 1e3;
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("model", net.describe());
            result.put("parameters", net.parameterCount());
            result.put("library_ms_per_step", ms);
            result.put("gemm_gflops", gflops);
            result.put("step_gflop", stepFlops / 1e9);
            result.put("gemm_floor_ms_per_step", floorMs);
            result.put("library_to_floor", ms / floorMs);
            result.put("achieved_gflops", stepFlops / (ms / 1e3) / 1e9);
            result.put("library_block_ms", blockMs);
            result.put("provenance", Provenance.capture(Map.of("batch_size", batchSize, "steps_per_block", stepsPerBlock, "blocks", blocks,
                    "warmup", warmup, "model", model, "input", input, "optimizer", "sgd lr " + LR + " momentum 0.9"), 1,
                    "perennial bench step --model"));
            ResultWriter.write(out.toAbsolutePath().getParent(), out.getFileName().toString(), result);
            System.out.printf("%s, %d parameters, batch %d%nlibrary step      %.1f ms%nGEMM              %.1f GFLOP/s (2048x2048, best of 6)%n"
                            + "step FLOPs        %.2f GFLOP (3 x forward MACs x 2)%nGEMM floor        %.1f ms/step%nlibrary / floor   %.2f%n"
                            + "achieved          %.1f GFLOP/s%n-> %s%n",
                    net.describe(), net.parameterCount(), batchSize, ms, gflops, stepFlops / 1e9, floorMs, ms / floorMs,
                    stepFlops / (ms / 1e3) / 1e9, out);
        }
        return 0;
    }

    private static Trainer.Options withSteps(Trainer.Options base, int steps) {
        return new Trainer.Options(base.epochs(), base.batchSize(), base.shuffleSeed(), base.reportEvery(), steps);
    }

    /**
     * The reference: the same MLP forward, softmax cross-entropy, backward and SGD update written directly
     * against DJL with per-parameter ops and explicit closing, and the same batch construction.
     */
    static final class HandWrittenLoop {
        private final NDArray[] w;
        private final Dataset data;
        private final int batchSize;
        private final NDManager manager;
        private final SplittableRandom rng = new SplittableRandom(7);
        private int[] order;
        private int cursor;

        HandWrittenLoop(List<Parameter> params, Dataset data, int batchSize, NDManager manager) {
            this.w = params.stream().map(Parameter::array).toArray(NDArray[]::new);
            this.data = data;
            this.batchSize = batchSize;
            this.manager = manager;
        }

        double run(int steps) {
            long start = System.nanoTime();
            for (int s = 0; s < steps; s++) {
                if (order == null || cursor + batchSize > order.length) {
                    order = Shuffle.permutation(data.size(), rng);
                    cursor = 0;
                }
                int[] idx = Arrays.copyOfRange(order, cursor, cursor + batchSize);
                cursor += batchSize;
                try (NDManager step = manager.newSubManager(); NDScope scope = new NDScope()) {
                    NDArray x = data.inputs(step, idx);
                    NDArray y = data.labels(step, idx);
                    NDArray loss;
                    try (GradientCollector gc = Engines.newGradientCollector()) {
                        NDArray h = x.reshape(idx.length, -1);
                        h = Activation.relu(Linear.linear(h, w[0], w[1]).singletonOrThrow());
                        h = Activation.relu(Linear.linear(h, w[2], w[3]).singletonOrThrow());
                        loss = Losses.crossEntropy(Linear.linear(h, w[4], w[5]).singletonOrThrow(), y);
                        gc.backward(loss);
                    }
                    for (NDArray p : w) {
                        NDArray g = p.getGradient();
                        p.subi(g.mul(LR));
                        Engines.zeroGradient(p);
                    }
                }
            }
            return (System.nanoTime() - start) / 1e6 / steps;
        }
    }

    /** Forward, weight-gradient and input-gradient matmuls (no input gradient for the first layer). */
    static double stepFlops(int batch, int inputs, int[] hidden, int outputs) {
        double forward = 0;
        double inputGrads = 0;
        int fanIn = inputs;
        int[] widths = Arrays.copyOf(hidden, hidden.length + 1);
        widths[hidden.length] = outputs;
        for (int l = 0; l < widths.length; l++) {
            double macs = (double) batch * fanIn * widths[l];
            forward += 2 * macs;
            if (l > 0) {
                inputGrads += 2 * macs;
            }
            fanIn = widths[l];
        }
        return 2 * forward + inputGrads;
    }

    /**
     * The step's own matmuls with their real shapes, timed alone (best of {@code rounds}): forward
     * {@code X·Wᵀ}, weight gradients {@code Gᵀ·X}, input gradients {@code G·W} for all layers but the first.
     * This is the floor for these shapes, which small batches run far below large-GEMM speed.
     */
    static double shapeFloorMs(NDManager manager, int batch, int inputs, int[] hidden, int outputs, int rounds, int reps) {
        try (NDManager m = manager.newSubManager(); NDScope scope = new NDScope()) {
            int[] widths = Arrays.copyOf(hidden, hidden.length + 1);
            widths[hidden.length] = outputs;
            List<NDArray[]> layers = new ArrayList<>();
            int fanIn = inputs;
            for (int width : widths) {
                layers.add(new NDArray[] {m.randomNormal(new Shape(batch, fanIn)), m.randomNormal(new Shape(width, fanIn)),
                    m.randomNormal(new Shape(batch, width))});
                fanIn = width;
            }
            double best = Double.MAX_VALUE;
            for (int round = 0; round <= rounds; round++) {
                long start = System.nanoTime();
                for (int r = 0; r < reps; r++) {
                    for (int l = 0; l < layers.size(); l++) {
                        NDArray[] xwg = layers.get(l);
                        xwg[0].matMul(xwg[1].transpose()).close();
                        xwg[2].transpose().matMul(xwg[0]).close();
                        if (l > 0) {
                            xwg[2].matMul(xwg[1]).close();
                        }
                    }
                }
                double ms = (System.nanoTime() - start) / 1e6 / reps;
                if (round > 0) {
                    best = Math.min(best, ms);
                }
            }
            return best;
        }
    }

    /**
     * Best rate over {@code rounds} rounds of {@code reps} n×n matmuls on every core: the machine's GEMM capability (the
     * step itself may run on fewer threads, see {@link Engines#fitIntraOpThreads}).
     */
    static double gemmGflops(NDManager manager, int n, int rounds, int reps) {
        int stepThreads = Engines.intraOpThreads();
        Engines.setIntraOpThreads(Runtime.getRuntime().availableProcessors());
        try (NDManager m = manager.newSubManager(); NDScope scope = new NDScope()) {
            NDArray a = m.randomNormal(new Shape(n, n));
            NDArray b = m.randomNormal(new Shape(n, n));
            a.dot(b).close();
            double best = 0;
            for (int round = 0; round < rounds; round++) {
                long start = System.nanoTime();
                for (int r = 0; r < reps; r++) {
                    a.dot(b).close();
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                best = Math.max(best, 2.0 * n * n * n * reps / seconds / 1e9);
            }
            return best;
        } finally {
            Engines.setIntraOpThreads(stepThreads);
        }
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static ByteDataset randomImages(int n) {
        byte[] pixels = new byte[n * 784];
        new SplittableRandom(1).nextBytes(pixels);
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 10;
        }
        return new ByteDataset("random", pixels, labels, new Shape(1, 28, 28), 10, 0.5f, 0.29f);
    }
}
