package ai.perennial.core.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;

/**
 * Unsigned-byte inputs (images) kept as {@code uint8} on the host. A batch is gathered as bytes and
 * normalized on the device: {@code (x / 255 - mean) / std}.
 */
public final class ByteDataset implements Dataset {
    private final String name;
    private final byte[] pixels;
    private final int[] labels;
    private final Shape sampleShape;
    private final int features;
    private final int numClasses;
    private final float mean;
    private final float std;

    public ByteDataset(String name, byte[] pixels, int[] labels, Shape sampleShape, int numClasses, float mean, float std) {
        this.features = Math.toIntExact(sampleShape.size());
        if ((long) labels.length * features != pixels.length) {
            throw new IllegalArgumentException(name + ": " + pixels.length + " bytes do not hold " + labels.length
                    + " samples of shape " + sampleShape);
        }
        for (int label : labels) {
            if (label < 0 || label >= numClasses) {
                throw new IllegalArgumentException(name + ": label " + label + " outside 0.." + (numClasses - 1));
            }
        }
        if (!(std > 0)) {
            throw new IllegalArgumentException(name + ": normalization std must be positive, got " + std);
        }
        this.name = name;
        this.pixels = pixels;
        this.labels = labels;
        this.sampleShape = sampleShape;
        this.numClasses = numClasses;
        this.mean = mean;
        this.std = std;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int size() {
        return labels.length;
    }

    @Override
    public Shape sampleShape() {
        return sampleShape;
    }

    @Override
    public int numClasses() {
        return numClasses;
    }

    @Override
    public int label(int index) {
        return labels[index];
    }

    /** The raw byte of feature {@code feature} of sample {@code index}. */
    public int pixel(int index, int feature) {
        return pixels[index * features + feature] & 0xff;
    }

    public float mean() {
        return mean;
    }

    public float std() {
        return std;
    }

    @Override
    public ByteDataset select(int[] indices) {
        byte[] out = new byte[indices.length * features];
        int[] outLabels = new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            System.arraycopy(pixels, indices[i] * features, out, i * features, features);
            outLabels[i] = labels[indices[i]];
        }
        return new ByteDataset(name, out, outLabels, sampleShape, numClasses, mean, std);
    }

    @Override
    public NDArray inputs(NDManager manager, int[] indices) {
        ByteBuffer batch = ByteBuffer.allocateDirect(indices.length * features);
        for (int index : indices) {
            batch.put(pixels, index * features, features);
        }
        batch.flip();
        long[] dims = new long[sampleShape.dimension() + 1];
        dims[0] = indices.length;
        System.arraycopy(sampleShape.getShape(), 0, dims, 1, sampleShape.dimension());
        NDArray raw = manager.create(batch, new Shape(dims), DataType.UINT8);
        NDArray x = raw.toType(DataType.FLOAT32, false);
        raw.close();
        // (x/255 - mean)/std as one multiply and one subtract, in place.
        return x.muli(1f / (255f * std)).subi(mean / std);
    }
}
