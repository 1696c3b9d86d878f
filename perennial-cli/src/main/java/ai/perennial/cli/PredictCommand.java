package ai.perennial.cli;

import ai.djl.ndarray.NDManager;
import ai.perennial.core.PerennialException;
import ai.perennial.core.data.DataSources;
import ai.perennial.core.data.Dataset;
import ai.perennial.core.data.FashionMnist;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.model.Model;
import ai.perennial.core.run.ResultWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code perennial predict MODEL --data DIR --out predictions.csv}: classify a data set with an exported model. */
@Command(name = "predict", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Classify the samples of an IDX directory with a model from 'perennial export'; write index, prediction and label.")
public final class PredictCommand implements Callable<Integer>, UsesEngine {
    @Parameters(paramLabel = "MODEL", description = "The exported NAME.safetensors (its NAME.json spec beside it)")
    Path weights;

    @Option(names = "--data", required = true, description = "A directory of MNIST-layout IDX files (train/t10k images and labels)")
    Path data;

    @Option(names = "--split", defaultValue = "test", description = "Which part of --data: test (t10k) or train. Default: ${DEFAULT-VALUE}")
    String split;

    @Option(names = "--task", defaultValue = "0", description = "The head to read out, for a model with one head per task. Default: ${DEFAULT-VALUE}")
    int task;

    @Option(names = "--out", required = true, description = "CSV file for the predictions")
    Path out;

    @Override
    public Integer call() throws IOException {
        if (!split.equals("test") && !split.equals("train")) {
            throw new PerennialException("--split must be test or train, got '" + split + "'");
        }
        OutputDir.writableFile(out);
        ExportedModel exported = ExportedModel.open(weights);
        int heads = exported.heads();
        if (task < 0 || task >= heads) {
            throw new PerennialException("--task " + task + ": the model has " + heads + " head(s)");
        }
        Engines.pytorch();
        DataSources.Split split2 = DataSources.load(FashionMnist.IDX.name(), Map.of("data_dir", data.toString()), 0);
        Dataset set = split.equals("test") ? split2.test() : split2.train();
        exported.checkData(set, "--data " + data);
        int[] predicted = new int[set.size()];
        try (NDManager m = NDManager.newBaseManager()) {
            Model model = exported.build(m);
            for (int from = 0; from < set.size(); from += 1000) {
                int[] idx = java.util.stream.IntStream.range(from, Math.min(set.size(), from + 1000)).toArray();
                try (NDManager batch = m.newSubManager()) {
                    int[] tasks = new int[idx.length];
                    Arrays.fill(tasks, task);
                    long[] best = model.forward(set.inputs(batch, idx), tasks).argMax(1).toLongArray();
                    for (int i = 0; i < idx.length; i++) {
                        predicted[from + i] = (int) best[i];
                    }
                }
            }
        }
        StringBuilder csv = new StringBuilder("index,predicted,label\n");
        int correct = 0;
        for (int i = 0; i < predicted.length; i++) {
            csv.append(i).append(',').append(predicted[i]).append(',').append(set.label(i)).append('\n');
            correct += predicted[i] == set.label(i) ? 1 : 0;
        }
        ResultWriter.writeText(out, csv.toString());
        System.out.printf(Locale.ROOT, "accuracy %.4f on %d samples (%s split of %s) -> %s%n", correct / (double) predicted.length,
                predicted.length, split, data, out);
        return 0;
    }
}
