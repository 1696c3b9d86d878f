package ai.perennial.core.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * An immutable labelled data set held on the host. Inputs become float32 tensors only when a batch
 * is requested, so the host copy stays compact (uint8 for images).
 */
public interface Dataset {

    String name();

    int size();

    /** Shape of one input, e.g. {@code [1, 28, 28]} for an image or {@code [d]} for a vector. */
    Shape sampleShape();

    /** Classes of a classification data set; 1 for numeric targets ({@link #regression}), read by one output unit. */
    int numClasses();

    /** The class of sample {@code index}; 0 for every sample of a {@link #regression} data set. */
    int label(int index);

    /** True when every sample carries a numeric target ({@link #target}) to regress instead of a class label. */
    default boolean regression() {
        return false;
    }

    /** The numeric target of sample {@code index}; only for a {@link #regression} data set. */
    default float target(int index) {
        throw new UnsupportedOperationException(name() + " has class labels, not numeric targets");
    }

    /**
     * The task (output head) sample {@code index} belongs to; 0 unless the data set was tagged with
     * {@link #withTask}. Batches may mix tasks (cumulative training, replay in task-incremental runs).
     */
    int task(int index);

    /**
     * The samples at {@code indices} as a new data set. The host data sets return a view that shares the input rows
     * (see {@link HostDataset}); only labels, targets and task ids of the selection are copied.
     */
    Dataset select(int[] indices);

    /** The same inputs with new labels in {@code 0..numClasses-1} (e.g. class ids local to a task's head). */
    Dataset withLabels(int[] labels, int numClasses);

    /** The same samples, all tagged as belonging to {@code task}. */
    Dataset withTask(int task);

    /**
     * Every input's features reordered: feature {@code i} of the result is feature {@code permutation[i]}. The host data
     * sets return a view that applies the permutation as batches are read.
     */
    Dataset permuteFeatures(int[] permutation);

    /** A copy named {@code name}. */
    Dataset named(String name);

    /** Float32 inputs of shape {@code (indices.length, sampleShape...)}, normalized, on {@code manager}. */
    NDArray inputs(NDManager manager, int[] indices);

    /**
     * Int64 class labels of shape {@code (indices.length)} on {@code manager}, or float32 numeric targets of that shape for a
     * {@link #regression} data set.
     */
    default NDArray labels(NDManager manager, int[] indices) {
        if (regression()) {
            float[] targets = new float[indices.length];
            for (int i = 0; i < indices.length; i++) {
                targets[i] = target(indices[i]);
            }
            return manager.create(targets, new Shape(indices.length));
        }
        long[] out = new long[indices.length];
        for (int i = 0; i < indices.length; i++) {
            out[i] = label(indices[i]);
        }
        return manager.create(out, new Shape(indices.length)).toType(DataType.INT64, false);
    }

    /** Int32 task ids of shape {@code (indices.length)} on the host. */
    default int[] tasks(int[] indices) {
        int[] out = new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            out[i] = task(indices[i]);
        }
        return out;
    }

    default int[] labels() {
        int[] out = new int[size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = label(i);
        }
        return out;
    }

    /** Number of input features per sample. */
    default int featureCount() {
        return Math.toIntExact(sampleShape().size());
    }
}
