package ai.perennial.cli;

import ai.djl.ndarray.NDManager;
import ai.perennial.cli.report.Png;
import ai.perennial.core.PerennialException;
import ai.perennial.core.data.DataSources;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.model.Model;
import ai.perennial.core.optim.Optimizer;
import ai.perennial.core.optim.OptimizerConfig;
import ai.perennial.core.optim.Optimizers;
import ai.perennial.core.registry.Param;
import ai.perennial.core.registry.Registry;
import ai.perennial.core.run.Provenance;
import ai.perennial.core.run.ResultWriter;
import ai.perennial.core.run.Seeds;
import ai.perennial.core.schedule.Schedule;
import ai.perennial.core.train.Augmentation;
import ai.perennial.core.train.Losses;
import ai.perennial.core.train.Trainer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code perennial lr-find}: the LR range test. The learning rate grows exponentially from {@code --min-lr} to
 * {@code --max-lr} over {@code --steps} updates while the training loss is recorded; the sweep stops once the smoothed
 * loss exceeds 4× its minimum. Suggested rates: where the smoothed loss falls fastest against log(lr), and a tenth of
 * the rate at the minimum.
 */
@Command(name = "lr-find", mixinStandardHelpOptions = true, sortOptions = false,
        description = "LR range test: sweep the learning rate exponentially, plot loss against it, suggest a rate.")
public final class LrFindCommand implements Callable<Integer>, UsesEngine {
    private final DeclaredOptions declared = new DeclaredOptions();

    @Option(names = "--min-lr", defaultValue = "1e-6", description = "First learning rate. Default: ${DEFAULT-VALUE}")
    double minLr;

    @Option(names = "--max-lr", defaultValue = "10", description = "Last learning rate. Default: ${DEFAULT-VALUE}")
    double maxLr;

    @Option(names = "--steps", defaultValue = "300", description = "Updates in the sweep. Default: ${DEFAULT-VALUE}")
    int steps;

    @Option(names = "--batch-size", defaultValue = "128", description = "Mini-batch size. Default: ${DEFAULT-VALUE}")
    int batchSize;

    @Option(names = "--seed", defaultValue = "1", description = "Seed. Default: ${DEFAULT-VALUE}")
    long seed;

    @Option(names = "--out", required = true, description = "Output directory: lr_find.csv, lr_find.png, result.json")
    Path out;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** Adds the data set, model and optimizer flags from the registry (the rate is swept, so no --lr or --schedule). */
    static void declareOptions(picocli.CommandLine command) {
        LrFindCommand lrFind = command.getCommand();
        List<Param<?>> wrappers = new ArrayList<>(OptimizerConfig.sharedParams(Registry.global()));
        wrappers.removeAll(List.of(OptimizerConfig.LR, OptimizerConfig.SCHEDULE, OptimizerConfig.WARMUP_STEPS));
        TrainCommand.declareSections(lrFind.declared, command.getCommandSpec(), Optimizers.MOMENTUM.name(), wrappers);
    }

    /** Thrown from the progress listener to end the sweep once the loss has blown up. */
    private static final class Diverged extends RuntimeException {
        Diverged() {
            super(null, null, false, false);
        }
    }

    @Override
    public Integer call() throws IOException {
        if (!(minLr > 0) || !(maxLr > minLr) || steps < 10) {
            throw new PerennialException("need 0 < --min-lr < --max-lr and --steps >= 10, got " + minLr + ", " + maxLr + ", " + steps);
        }
        TrainCommand.Setup setup = TrainCommand.Setup.resolve(declared, spec.commandLine().getParseResult());
        String optimizer = setup.optimizer().name();
        OutputDir.writable(out);
        double growth = Math.pow(maxLr / minLr, 1.0 / (steps - 1));
        Schedule sweep = Schedule.exponential(minLr, growth);
        Engines.pytorch();
        DataSources.Split data = setup.dataset().build(Seeds.derive(seed, "data"));
        List<double[]> points = new ArrayList<>(); // step, lr, loss, smoothed
        double[] best = {Double.MAX_VALUE};
        double[] average = {0};
        String stopped = "reached --max-lr";
        try (NDManager manager = NDManager.newBaseManager()) {
            Model net = setup.model().build(new Model.Context(manager, data.train().sampleShape(), data.train().numClasses(), 1,
                    Seeds.derive(seed, "init")));
            Optimizer opt = new Optimizer(optimizer, setup.optimizer().build(sweep, Seeds.derive(seed, "optimizer-noise")), net.parameters());
            Trainer trainer = new Trainer(net, opt, List.of(), manager, Losses.of(null, data.train()), Augmentation.none());
            int epochs = (int) Math.ceil(steps / Math.ceil(data.train().size() / (double) batchSize));
            Trainer.Options options = new Trainer.Options(Math.max(1, epochs), batchSize, Seeds.derive(seed, "shuffle"), 1, steps);
            try {
                trainer.train(data.train(), 0, options, (done, total, loss) -> {
                    // bias-corrected exponential smoothing (β = 0.98) of the per-step loss
                    average[0] = 0.98 * average[0] + 0.02 * loss;
                    double smoothed = average[0] / (1 - Math.pow(0.98, done));
                    points.add(new double[] {done, sweep.at(done - 1), loss, smoothed});
                    best[0] = Math.min(best[0], smoothed);
                    if (done > 10 && smoothed > 4 * best[0]) {
                        throw new Diverged();
                    }
                });
            } catch (Diverged e) {
                stopped = "loss above 4× its minimum";
            } catch (PerennialException e) {
                if (!e.getMessage().startsWith("training loss became")) {
                    throw e;
                }
                stopped = "loss became non-finite";
            }
        }
        if (points.size() < 5) {
            List<String> typed = declared.typed(spec.commandLine().getParseResult(), "optimizer");
            throw new PerennialException("the loss diverged within " + points.size() + " steps; lower --min-lr"
                    + (typed.isEmpty() ? "" : " or revisit the optimizer settings (" + String.join(", ", typed) + ")"));
        }
        int minimum = 0;
        int steepest = 1;
        double steepestSlope = Double.MAX_VALUE;
        for (int i = 0; i < points.size(); i++) {
            if (points.get(i)[3] < points.get(minimum)[3]) {
                minimum = i;
            }
        }
        for (int i = 5; i <= minimum; i++) { // slope of the smoothed loss against log(lr), over 5 steps
            double slope = (points.get(i)[3] - points.get(i - 5)[3]) / Math.log(points.get(i)[1] / points.get(i - 5)[1]);
            if (slope < steepestSlope) {
                steepestSlope = slope;
                steepest = i;
            }
        }
        double steepestLr = points.get(steepest)[1];
        double minimumLr = points.get(minimum)[1];
        StringBuilder csv = new StringBuilder("step,lr,loss,smoothed_loss\n");
        double[] lrs = new double[points.size()];
        double[] smooth = new double[points.size()];
        for (int i = 0; i < points.size(); i++) {
            double[] p = points.get(i);
            csv.append(String.format(Locale.ROOT, "%d,%.6g,%.6g,%.6g%n", (long) p[0], p[1], p[2], p[3]));
            lrs[i] = p[1];
            smooth[i] = p[3];
        }
        ResultWriter.writeText(out.resolve("lr_find.csv"), csv.toString());
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(800).height(450).title("LR range test: " + optimizer).xAxisTitle("learning rate")
                .yAxisTitle("smoothed training loss").build();
        chart.getStyler().setXAxisLogarithmic(true).setLegendVisible(true).setMarkerSize(0);
        chart.addSeries("smoothed loss", lrs, smooth).setMarker(SeriesMarkers.NONE);
        chart.addSeries("steepest descent", new double[] {steepestLr}, new double[] {smooth[steepest]}).setMarker(SeriesMarkers.CIRCLE);
        chart.getStyler().setMarkerSize(8);
        Png.write(out.resolve("lr_find.png"), chart);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("suggested_lr_steepest", steepestLr);
        result.put("suggested_lr_min_over_10", minimumLr / 10);
        result.put("lr_at_minimum_loss", minimumLr);
        result.put("minimum_smoothed_loss", points.get(minimum)[3]);
        result.put("steps_run", points.size());
        result.put("stopped", stopped);
        Map<String, Object> config = new LinkedHashMap<>(setup.resolved());
        config.put("min_lr", minLr);
        config.put("max_lr", maxLr);
        config.put("steps", steps);
        config.put("batch_size", batchSize);
        result.put("provenance", Provenance.capture(config, seed,
                "perennial " + String.join(" ", spec.root().commandLine().getParseResult().originalArgs())));
        ResultWriter.write(out, "result.json", result);
        System.out.printf(Locale.ROOT, "%s: steepest descent at lr %.3g, minimum loss %.4f at lr %.3g (suggest %.3g); %d steps, stopped: %s -> %s%n",
                optimizer, steepestLr, points.get(minimum)[3], minimumLr, minimumLr / 10, points.size(), stopped, out);
        return 0;
    }
}
