package ai.perennial.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.perennial.cli.report.Svg;
import ai.perennial.core.PerennialException;
import ai.perennial.core.data.DataSources;
import ai.perennial.core.data.Dataset;
import ai.perennial.core.data.FashionMnist;
import ai.perennial.core.data.Shuffle;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.merging.Interpolation;
import ai.perennial.core.merging.Renormalization;
import ai.perennial.core.merging.WeightMatching;
import ai.perennial.core.model.Model;
import ai.perennial.core.model.Parameter;
import ai.perennial.core.model.Parameters;
import ai.perennial.core.run.ResultWriter;
import ai.perennial.core.state.Rng;
import ai.perennial.core.train.Evaluator;
import java.nio.file.Path;
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
 * {@code perennial interpolate A B}: linear mode connectivity between two exported models. Test loss and accuracy along
 * (1 − α)A + αB, plainly and after weight-matching re-basin (B's hidden units permuted to align with A's), without and
 * with re-normalization of the interpolated network's hidden activations (rescale; rescale + reshift); the barrier of
 * each curve is its largest rise above the chord between the endpoints.
 */
@Command(name = "interpolate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Loss and accuracy on the straight line between two exported models, and the barrier along it.",
            "Four variants: plain, after re-basin, and re-basin with re-normalization (rescale; rescale + reshift); barrier heights",
            "go to DIR/interpolate.json, the curves to .csv and .svg."})
public final class InterpolateCommand implements Callable<Integer>, UsesEngine {
    static final List<String> VARIANTS = List.of("plain", "rebasin", "rebasin+rescale", "rebasin+reshift");

    @picocli.CommandLine.Parameters(index = "0", paramLabel = "A", description = "First model (NAME.safetensors from 'perennial export')")
    Path first;

    @picocli.CommandLine.Parameters(index = "1", paramLabel = "B", description = "Second model, same architecture")
    Path second;

    @Option(names = "--data", required = true, description = "A directory of MNIST-layout IDX files: the test split is evaluated, "
            + "the training split gives the re-normalization statistics")
    Path data;

    @Option(names = "--points", defaultValue = "11", description = "Points on the line, α = 0 … 1. Default: ${DEFAULT-VALUE}")
    int points;

    @Option(names = "--stat-samples", defaultValue = "2000", description = "Training samples for the activation statistics. "
            + "Default: ${DEFAULT-VALUE}")
    int statSamples;

    @Option(names = "--out", required = true, description = "Output directory: interpolate.json, interpolate.csv, interpolate.svg")
    Path out;

    @Option(names = "--force", description = "Replace the outputs of an earlier run in --out")
    boolean force;

    @Override
    public Integer call() {
        double[] alphas = Interpolation.alphas(points);
        if (statSamples < 2) {
            throw new PerennialException("--stat-samples must be at least 2, got " + statSamples);
        }
        ExportedModel a = ExportedModel.open(first);
        ExportedModel b = ExportedModel.open(second);
        if (!a.sameArchitecture(b)) {
            throw new PerennialException("A " + first + " and B " + second + " are different networks (" + a.model() + " vs " + b.model()
                    + "); interpolate needs two models of one architecture");
        }
        if (a.heads() != 1) {
            throw new PerennialException("interpolate reads single-head models; " + first + " has " + a.heads() + " heads");
        }
        OutputDir.prepare(out, false, force, List.of("interpolate.json", "interpolate.csv", "interpolate.svg"));
        Engines.pytorch();
        DataSources.Split split = DataSources.load(FashionMnist.IDX.name(), Map.of("data_dir", data.toString()), 0);
        a.checkData(split.test(), "--data " + data);
        long start = System.nanoTime();
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("a", first.toString());
        result.put("b", second.toString());
        result.put("alphas", alphas);
        Map<String, Map<String, Object>> curves = new LinkedHashMap<>();
        try (NDManager m = NDManager.newBaseManager()) {
            Model modelA = a.build(m);
            Model modelB = b.build(m);
            Model probe = a.build(m);
            List<Parameter> params = modelA.parameters();
            long[][] shapes = Parameters.shapes(params);
            float[][] wa = Parameters.values(params);
            float[][] wb = Parameters.values(modelB.parameters());
            // batch-norm statistics are interpolated with the weights (re-basin leaves them: it moves no unit of such a model)
            float[][] sa = Parameters.values(modelA.buffers());
            float[][] sb = Parameters.values(modelB.buffers());
            int[][] perms = WeightMatching.match(modelA.units(), shapes, wa, wb, 0);
            float[][] aligned = WeightMatching.permute(modelA.units(), shapes, wb, perms);
            int moved = 0;
            for (int[] p : perms) {
                for (int j = 0; j < p.length; j++) {
                    moved += p[j] != j ? 1 : 0;
                }
            }
            result.put("units_moved_by_rebasin", moved);
            Dataset stats = split.train().select(Arrays.copyOf(Shuffle.permutation(split.train().size(), new Rng(7)),
                    Math.min(statSamples, split.train().size())));
            NDArray statInputs = stats.inputs(m, java.util.stream.IntStream.range(0, stats.size()).toArray());
            Parameters.overwrite(modelB.parameters(), aligned);
            // re-basin and re-normalization address single hidden units; a model without them (a ResNet) has the plain line only
            boolean units = !modelA.units().isEmpty();
            if (!units) {
                System.out.println(a.model().get("name") + " has no individually addressable hidden units: the plain line only");
            }
            double[][][] statsA = units ? Renormalization.statistics(modelA, statInputs) : null;
            double[][][] statsB = units ? Renormalization.statistics(modelB, statInputs) : null;
            for (String variant : units ? VARIANTS : VARIANTS.subList(0, 1)) {
                double[] loss = new double[alphas.length];
                double[] accuracy = new double[alphas.length];
                for (int i = 0; i < alphas.length; i++) {
                    Parameters.overwrite(probe.parameters(), Interpolation.lerp(wa, variant.equals(VARIANTS.get(0)) ? wb : aligned, alphas[i]));
                    Parameters.overwrite(probe.buffers(), Interpolation.lerp(sa, sb, alphas[i]));
                    if (variant.endsWith("rescale") || variant.endsWith("reshift")) {
                        Renormalization.apply(probe, statsA, statsB, alphas[i], statInputs, variant.endsWith("reshift"));
                    }
                    loss[i] = Evaluator.loss(probe, split.test(), 1000, m);
                    accuracy[i] = Evaluator.accuracy(probe, split.test(), 1000, m);
                }
                double[] error = Arrays.stream(accuracy).map(x -> 1 - x).toArray();
                Map<String, Object> curve = new LinkedHashMap<>();
                curve.put("loss_barrier", Interpolation.barrier(alphas, loss));
                curve.put("error_barrier", Interpolation.barrier(alphas, error));
                curve.put("loss", loss);
                curve.put("accuracy", accuracy);
                curves.put(variant, curve);
                System.out.printf(Locale.ROOT, "%-16s loss barrier %.4f  error barrier %.4f  (midpoint accuracy %.4f)%n", variant,
                        curve.get("loss_barrier"), curve.get("error_barrier"), accuracy[alphas.length / 2]);
            }
        }
        result.put("curves", curves);
        result.put("seconds", (System.nanoTime() - start) / 1e9);
        ResultWriter.write(out, "interpolate.json", result);
        StringBuilder csv = new StringBuilder("variant,alpha,test_loss,test_accuracy\n");
        List<Svg.Series> series = new ArrayList<>();
        double top = 0;
        for (var e : curves.entrySet()) {
            double[] loss = (double[]) e.getValue().get("loss");
            double[] accuracy = (double[]) e.getValue().get("accuracy");
            for (int i = 0; i < alphas.length; i++) {
                csv.append(e.getKey()).append(',').append(alphas[i]).append(',').append(loss[i]).append(',').append(accuracy[i]).append('\n');
                top = Math.max(top, loss[i]);
            }
            series.add(new Svg.Series(e.getKey(), alphas, loss));
        }
        ResultWriter.writeText(out.resolve("interpolate.csv"), csv.toString());
        ResultWriter.writeText(out.resolve("interpolate.svg"), Svg.lineChart("test loss between A (α = 0) and B (α = 1)", series,
                new long[0], "α", "test loss", 0, Math.max(top * 1.05, 1e-3)));
        System.out.println("-> " + out.resolve("interpolate.json"));
        return 0;
    }
}
