package ai.perennial.spark;

import ai.perennial.cl.scenario.Experience;
import ai.perennial.cl.scenario.Scenario;
import ai.perennial.core.PerennialException;
import ai.perennial.core.data.Dataset;
import java.util.ArrayList;
import java.util.List;

/**
 * A worker's view of a stream: every experience's training set cut into K equal shards by position (sample i goes to
 * worker i mod K; the last n mod K samples, fewer than K, go to nobody, so every worker takes the same number of steps and
 * the rounds stay aligned). Test sets are whole: any worker can measure the accuracy matrix.
 */
public final class Shards {
    private Shards() {
    }

    /** Worker {@code worker}'s stream out of {@code workers}; with one worker, the stream itself. */
    public static Scenario of(Scenario stream, int worker, int workers) {
        if (workers == 1) {
            return stream;
        }
        List<Experience> out = new ArrayList<>();
        for (Experience e : stream.experiences()) {
            out.add(new Experience(e.index(), shard(e.train(), worker, workers, e.index()), e.test(), e.taskId(), e.classes()));
        }
        return new Scenario(stream.name(), out, stream.outputs(), stream.heads(), stream.setting(), stream.settings());
    }

    /** Samples worker, worker + K, worker + 2K, ... of {@code data}, the same count for every worker. */
    static Dataset shard(Dataset data, int worker, int workers, int experience) {
        int each = data.size() / workers;
        if (each == 0) {
            throw new PerennialException(LocalSgd.key(LocalSgd.WORKERS) + ": experience " + (experience + 1) + " has " + data.size()
                    + " training samples, fewer than the " + workers + " workers; use at most " + data.size() + " workers");
        }
        int[] indices = new int[each];
        for (int j = 0; j < each; j++) {
            indices[j] = worker + j * workers;
        }
        return data.select(indices);
    }
}
