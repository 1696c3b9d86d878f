package ai.perennial.cl.strategy.replay;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.perennial.core.data.Dataset;
import ai.perennial.core.registry.Param;
import ai.perennial.core.train.Batch;
import java.util.Arrays;

/** Batch plumbing shared by replay methods. Replayed samples carry index -1 (they are not in the stream). */
final class Replay {
    static final Param<Integer> REPLAY_BATCH = Param.integer("replay_batch", 0,
            "memory samples replayed per step (0 = the batch size)").nonNegative().atMost(1_000_000);

    private Replay() {
    }

    /** {@code batch} followed by all samples of {@code memory}. */
    static Batch append(Batch batch, Dataset memory) {
        NDManager m = batch.inputs().getManager();
        int[] all = all(memory.size());
        NDArray x = NDArrays.concat(new NDList(batch.inputs(), memory.inputs(m, all)));
        NDArray y = NDArrays.concat(new NDList(batch.labels(), memory.labels(m, all)));
        int[] tasks = concat(batch.tasks(), memory.tasks(all));
        int[] indices = concat(batch.indices(), filled(memory.size(), -1));
        return new Batch(x, y, tasks, indices);
    }

    /** Indices of the batch's stream samples (replayed ones dropped). */
    static int[] streamIndices(Batch batch) {
        return Arrays.stream(batch.indices()).filter(i -> i >= 0).toArray();
    }

    static int[] all(int n) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = i;
        }
        return out;
    }

    private static int[] filled(int n, int value) {
        int[] out = new int[n];
        Arrays.fill(out, value);
        return out;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
