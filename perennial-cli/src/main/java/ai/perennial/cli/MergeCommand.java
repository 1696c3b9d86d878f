package ai.perennial.cli;

import ai.djl.ndarray.NDManager;
import ai.perennial.core.PerennialException;
import ai.perennial.core.data.DataSources;
import ai.perennial.core.data.Dataset;
import ai.perennial.core.data.FashionMnist;
import ai.perennial.core.data.Shuffle;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.merging.FoldableMerge;
import ai.perennial.core.merging.Merge;
import ai.perennial.core.merging.ModelSoup;
import ai.perennial.core.merging.TaskArithmetic;
import ai.perennial.core.merging.WeightMatching;
import ai.perennial.core.model.Model;
import ai.perennial.core.model.Parameter;
import ai.perennial.core.model.Parameters;
import ai.perennial.core.state.Rng;
import ai.perennial.core.train.Evaluator;
import java.io.IOException;
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
 * {@code perennial merge MODEL... --out merged.safetensors}: one model from several exported models of one
 * architecture, by a registered merge rule against a shared base, or as a greedy soup chosen on a validation split.
 */
@Command(name = "merge", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Merge exported models of one architecture into one exported model.",
            "By a registered rule (see 'list merges') against --base, as a greedy soup on a validation split, or by FS-Merge;",
            "reports test accuracies."})
public final class MergeCommand implements Callable<Integer>, UsesEngine {
    @picocli.CommandLine.Parameters(paramLabel = "MODEL", arity = "2..*", description = "Exported models (NAME.safetensors)")
    List<Path> models;

    @Option(names = "--method", description = "A merge spec, e.g. ties:density=0.2. Default: the uniform average")
    String method;

    @Option(names = "--base", description = "The model all of them were fine-tuned from (task vectors are taken against it); "
            + "required by every rule but uniform")
    Path base;

    @Option(names = "--greedy-soup", description = "Instead of --method: add models, best first, to a uniform soup while the "
            + "validation accuracy does not drop")
    boolean greedy;

    @Option(names = "--fs-merge", description = "Instead of --method, for two models: FS-Merge, a SuperNet of both with learned "
            + "per-layer merge/unmerge maps (trained to reconstruct both models' features on the --validation samples, labels "
            + "unused), folded into one network")
    boolean fsMerge;

    @Option(names = "--fs-steps", defaultValue = "300", description = "FS-Merge's Adam steps per layer. Default: ${DEFAULT-VALUE}")
    int fsSteps;

    @Option(names = "--fs-lr", defaultValue = "0.001", description = "FS-Merge's Adam rate. Default: ${DEFAULT-VALUE}")
    double fsLr;

    @Option(names = "--validation", defaultValue = "5000", description = "Training samples held out to rank the soup's "
            + "ingredients, or FS-Merge's unlabeled samples. Default: ${DEFAULT-VALUE}")
    int validation;

    @Option(names = "--data", required = true, description = "A directory of MNIST-layout IDX files (its test split is reported)")
    Path data;

    @Option(names = "--out", required = true, description = "The merged NAME.safetensors (its NAME.json spec beside it)")
    Path out;

    @Override
    public Integer call() throws IOException {
        if (!out.getFileName().toString().endsWith(".safetensors")) {
            throw new PerennialException("--out " + out + ": name the weights file NAME.safetensors");
        }
        if (method == null) {
            method = TaskArithmetic.UNIFORM.name();
        }
        if (greedy && fsMerge) {
            throw new PerennialException("--greedy-soup and --fs-merge are two different merges; choose one");
        }
        if (fsMerge && models.size() != 2) {
            throw new PerennialException("--fs-merge joins two models, got " + models.size());
        }
        if (fsSteps < 0 || !(fsLr > 0)) {
            throw new PerennialException("--fs-steps must be at least 0 and --fs-lr positive, got " + fsSteps + " and " + fsLr);
        }
        String how = greedy ? "greedy soup" : fsMerge ? "fs-merge" : method;
        Merge rule = greedy || fsMerge ? null : Merge.parse(method);
        List<ExportedModel> inputs = new ArrayList<>();
        for (Path m : models) {
            inputs.add(ExportedModel.open(m));
        }
        ExportedModel baseModel = base == null ? null : ExportedModel.open(base);
        for (ExportedModel e : baseModel == null ? inputs : append(inputs, baseModel)) {
            if (!e.sameArchitecture(inputs.get(0))) {
                throw new PerennialException("MODEL " + e.weights() + " is a different network from " + inputs.get(0).weights()
                        + "; merge needs models of one architecture");
            }
        }
        if (rule != null && baseModel == null && !method.startsWith(TaskArithmetic.UNIFORM.name())) {
            throw new PerennialException("--method " + method + " works on task vectors θ − base: give --base (the shared starting model)");
        }
        OutputDir.writableFile(out);
        Engines.pytorch();
        DataSources.Split split = DataSources.load(FashionMnist.IDX.name(), Map.of("data_dir", data.toString()), 0);
        inputs.get(0).checkData(split.test(), "--data " + data);
        Map<String, Object> report = new LinkedHashMap<>();
        try (NDManager m = NDManager.newBaseManager()) {
            Model probe = inputs.get(0).build(m);
            List<Model> nets = new ArrayList<>();
            List<float[][]> weights = new ArrayList<>();
            List<float[][]> statistics = new ArrayList<>(); // batch-norm buffers, empty sets for models without any
            for (ExportedModel e : inputs) {
                Model net = e.build(m);
                nets.add(net);
                weights.add(Parameters.values(net.parameters()));
                statistics.add(Parameters.values(net.buffers()));
                System.out.printf(Locale.ROOT, "%s: test accuracy %.4f%n", e.weights(), Evaluator.accuracy(net, split.test(), 1000, m));
            }
            float[][] merged;
            // a rule merges the weights; the statistics are the models' mean (a rule's arithmetic could make a variance negative)
            float[][] mergedStatistics = Parameters.mean(statistics);
            if (rule == null && (validation < 1 || validation >= split.train().size())) {
                throw new PerennialException("--validation must be between 1 and " + (split.train().size() - 1) + ", got " + validation);
            }
            // a soup ranks on these samples, FS-Merge reconstructs features on them
            Dataset held = rule != null ? null
                    : split.train().select(Arrays.copyOf(Shuffle.permutation(split.train().size(), new Rng(11)), validation));
            if (fsMerge) {
                Model a = nets.get(0);
                int[][] perms = WeightMatching.match(a.units(), Parameters.shapes(a.parameters()), weights.get(0), weights.get(1), 0);
                FoldableMerge.Result r = FoldableMerge.merge(a, nets.get(1), held.inputs(m, java.util.stream.IntStream.range(0, held.size()).toArray()),
                        perms, fsSteps, fsLr);
                merged = r.weights();
                report.put("reconstruction_loss_start", r.initialLoss());
                report.put("reconstruction_loss_trained", r.trainedLoss());
                System.out.printf(Locale.ROOT, "fs-merge: feature reconstruction loss per layer %s -> %s%n", Arrays.toString(r.initialLoss()),
                        Arrays.toString(r.trainedLoss()));
            } else if (greedy) {
                // each candidate soup averages the ingredients' statistics with their weights, so it is evaluated as merged
                int count = probe.parameters().size();
                List<float[][]> states = new ArrayList<>();
                for (int i = 0; i < weights.size(); i++) {
                    states.add(joined(weights.get(i), statistics.get(i)));
                }
                ModelSoup.Soup soup = ModelSoup.greedy(states, w -> {
                    Parameters.overwrite(probe.parameters(), Arrays.copyOf(w, count));
                    Parameters.overwrite(probe.buffers(), Arrays.copyOfRange(w, count, w.length));
                    return Evaluator.accuracy(probe, held, 1000, m);
                });
                merged = Arrays.copyOf(soup.weights(), count);
                mergedStatistics = Arrays.copyOfRange(soup.weights(), count, soup.weights().length);
                report.put("ingredients", soup.ingredients().stream().map(i -> models.get(i).toString()).toList());
                report.put("validation_accuracy", soup.accuracy());
                System.out.printf(Locale.ROOT, "greedy soup of %d: validation accuracy %.4f%n", soup.ingredients().size(), soup.accuracy());
            } else {
                float[][] baseWeights = baseModel == null ? weights.get(0) : Parameters.values(baseModel.build(m).parameters());
                merged = rule.merge(baseWeights, weights);
            }
            Parameters.overwrite(probe.parameters(), merged);
            Parameters.overwrite(probe.buffers(), mergedStatistics);
            double accuracy = Evaluator.accuracy(probe, split.test(), 1000, m);
            System.out.printf(Locale.ROOT, "merged (%s): test accuracy %.4f -> %s%n", how, accuracy, out);
            List<Parameter> params = probe.parameters();
            Map<String, Object> spec = new LinkedHashMap<>(inputs.get(0).spec());
            spec.put("weights", out.getFileName().toString());
            spec.put("from", models.stream().map(Path::toString).toList());
            spec.put("merged_by", how);
            spec.put("base", base == null ? null : base.toString());
            spec.put("test_accuracy", accuracy);
            spec.putAll(report);
            spec.remove("step");
            List<Parameter> buffers = probe.buffers();
            spec.put("buffers", buffers.stream().map(Parameter::name).toList());
            ExportCommand.write(out, java.util.stream.Stream.concat(params.stream(), buffers.stream()).map(Parameter::name).toList(),
                    joined(Parameters.shapes(params), Parameters.shapes(buffers)), joined(merged, mergedStatistics), spec);
        }
        return 0;
    }

    /** {@code a}'s tensors followed by {@code b}'s. */
    static <T> T[] joined(T[] a, T[] b) {
        T[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static List<ExportedModel> append(List<ExportedModel> list, ExportedModel extra) {
        List<ExportedModel> out = new ArrayList<>(list);
        out.add(extra);
        return out;
    }
}
