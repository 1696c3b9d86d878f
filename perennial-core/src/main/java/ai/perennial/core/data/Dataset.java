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

    int numClasses();

    int label(int index);

    /** The samples at {@code indices} as a new data set (copies the selected rows). */
    Dataset select(int[] indices);

    /** Float32 inputs of shape {@code (indices.length, sampleShape...)}, normalized, on {@code manager}. */
    NDArray inputs(NDManager manager, int[] indices);

    /** Int64 labels of shape {@code (indices.length)} on {@code manager}. */
    default NDArray labels(NDManager manager, int[] indices) {
        long[] out = new long[indices.length];
        for (int i = 0; i < indices.length; i++) {
            out[i] = label(indices[i]);
        }
        return manager.create(out, new Shape(indices.length)).toType(DataType.INT64, false);
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
