package ai.perennial.core.data;

import ai.perennial.core.PerennialException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/** Resolves a data set by name: real IDX data or a seeded synthetic set. */
public final class DataSources {
    public static final List<String> NAMES = List.of("fashion-mnist", "idx", "gaussian-clusters", "linear-teacher");

    private DataSources() {
    }

    public record Split(Dataset train, Dataset test) {
    }

    /**
     * @param dataDir directory of IDX files; {@code null} means the Fashion-MNIST default for
     *     {@code fashion-mnist} and is an error for {@code idx}
     */
    public static Split load(String name, Path dataDir, long seed) {
        switch (name) {
            case "fashion-mnist": {
                FashionMnist.Split s = FashionMnist.load(dataDir == null ? FashionMnist.DEFAULT_DIR : dataDir);
                return new Split(s.train(), s.test());
            }
            case "idx": {
                if (dataDir == null) {
                    throw new PerennialException("dataset idx needs --data-dir DIR holding train/t10k images and labels IDX files");
                }
                FashionMnist.Split s = FashionMnist.load(dataDir);
                return new Split(s.train(), s.test());
            }
            case "gaussian-clusters": {
                FloatDataset all = Synthetic.gaussianClusters(6000, 32, 10, 1.0, seed);
                return splitSynthetic(all);
            }
            case "linear-teacher": {
                FloatDataset all = Synthetic.linearTeacher(6000, 32, 10, seed);
                return splitSynthetic(all);
            }
            default:
                throw new PerennialException("unknown dataset '" + name + "'; choose one of " + String.join(", ", NAMES));
        }
    }

    /** First 5/6 for training, last 1/6 for testing (samples are already i.i.d.). */
    private static Split splitSynthetic(Dataset all) {
        int trainSize = all.size() * 5 / 6;
        int[] order = Shuffle.range(all.size());
        return new Split(all.select(Arrays.copyOfRange(order, 0, trainSize)),
                all.select(Arrays.copyOfRange(order, trainSize, order.length)));
    }
}
