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
public final class ByteDataset extends HostDataset {
    private final byte[] pixels;
    private final float mean;
    private final float std;

    public ByteDataset(String name, byte[] pixels, int[] labels, Shape sampleShape, int numClasses, float mean, float std) {
        this(name, pixels, labels, null, null, sampleShape, numClasses, mean, std);
    }

    /** Images with a numeric target each (regression). */
    public static ByteDataset withTargets(String name, byte[] pixels, float[] targets, Shape sampleShape, float mean, float std) {
        return new ByteDataset(name, pixels, new int[targets.length], targets, null, sampleShape, 1, mean, std);
    }

    private ByteDataset(String name, byte[] pixels, int[] labels, float[] targets, int[] tasks, Shape sampleShape, int numClasses,
            float mean, float std) {
        this(name, pixels, null, null, labels, targets, tasks, sampleShape, numClasses, mean, std);
    }

    private ByteDataset(String name, byte[] pixels, int[] rows, RowTransform transform, int[] labels, float[] targets, int[] tasks,
            Shape sampleShape, int numClasses, float mean, float std) {
        super(name, pixels.length, rows, transform, labels, targets, tasks, sampleShape, numClasses);
        if (!(std > 0)) {
            throw new IllegalArgumentException(name + ": normalization std must be positive, got " + std);
        }
        this.pixels = pixels;
        this.mean = mean;
        this.std = std;
    }

    /**
     * Images of a training and a test set, both normalized with the training pixels' {@link #normalization}: how every
     * reader of uint8 images builds its split.
     */
    public static DataSources.Split split(String name, Shape shape, byte[] trainPixels, int[] trainLabels, byte[] testPixels,
            int[] testLabels, int classes) {
        float[] norm = normalization(trainPixels);
        return new DataSources.Split(new ByteDataset(name + "/train", trainPixels, trainLabels, shape, classes, norm[0], norm[1]),
                new ByteDataset(name + "/test", testPixels, testLabels, shape, classes, norm[0], norm[1]));
    }

    /** {mean, standard deviation} of {@code pixels / 255}; the standard deviation is 1 when every pixel is equal. */
    public static float[] normalization(byte[] pixels) {
        long[] histogram = new long[256];
        for (byte b : pixels) {
            histogram[b & 0xff]++;
        }
        double sum = 0;
        double squares = 0;
        for (int v = 0; v < 256; v++) {
            sum += histogram[v] * (v / 255.0);
            squares += histogram[v] * (v / 255.0) * (v / 255.0);
        }
        double mean = sum / pixels.length;
        double std = Math.sqrt(Math.max(0, squares / pixels.length - mean * mean));
        return new float[] {(float) mean, std > 0 ? (float) std : 1f};
    }

    /** The normalization applied to every input byte: {@code (x / 255 - mean) / std}. */
    public float mean() {
        return mean;
    }

    public float std() {
        return std;
    }

    /** The byte of feature {@code feature} of sample {@code index} (as the sample is read: transformed, for a view). */
    public int pixel(int index, int feature) {
        if (transform() == null) {
            return pixels[row(index) * features() + feature] & 0xff;
        }
        byte[] one = new byte[features()];
        copyRow(index, one, 0);
        return one[feature] & 0xff;
    }

    /**
     * Every image rotated by {@code degrees} counter-clockwise about its centre, per channel, with bilinear interpolation
     * rounded to the nearest byte; pixels that come from outside the image are 0. A view: the rotation's sampling map is
     * applied as batches are read, the pixels are not copied.
     */
    public ByteDataset rotate(double degrees) {
        if (sampleShape().dimension() != 3) {
            throw new IllegalArgumentException(name() + ": rotation needs (channels, height, width) images, got " + sampleShape());
        }
        return (ByteDataset) transformed(RowTransform.rotation(sampleShape(), degrees));
    }

    @Override
    protected Object storage() {
        return pixels;
    }

    @Override
    protected HostDataset create(String name, Object storage, int[] rows, RowTransform transform, int[] labels, float[] targets,
            int[] tasks, int numClasses) {
        return new ByteDataset(name, (byte[]) storage, rows, transform, labels, targets, tasks, sampleShape(), numClasses, mean, std);
    }

    // One direct buffer per thread for the uint8 batch: the engine wraps it without copying, and the batch is converted
    // to float32 (a new engine tensor) and released before the buffer is filled again. A fresh direct buffer per batch
    // would sit in native memory until a garbage collection frees it.
    private static final ThreadLocal<ByteBuffer> BATCH_BUFFER = new ThreadLocal<>();
    // the rows of a view, gathered through its transform before they are copied into the batch buffer
    private static final ThreadLocal<byte[]> GATHERED = new ThreadLocal<>();

    private static ByteBuffer batchBuffer(int bytes) {
        ByteBuffer b = BATCH_BUFFER.get();
        if (b == null || b.capacity() < bytes) {
            b = ByteBuffer.allocateDirect(Math.max(bytes, b == null ? 0 : 2 * b.capacity()));
            BATCH_BUFFER.set(b);
        }
        b.clear().limit(bytes);
        return b;
    }

    @Override
    public NDArray inputs(NDManager manager, int[] indices) {
        int features = features();
        ByteBuffer batch = batchBuffer(indices.length * features);
        if (transform() == null) {
            for (int index : indices) {
                batch.put(pixels, row(index) * features, features);
            }
        } else { // the view's rows gathered through its transform while the batch is packed
            byte[] rows = GATHERED.get();
            if (rows == null || rows.length < indices.length * features) {
                rows = new byte[indices.length * features];
                GATHERED.set(rows);
            }
            gather(indices, rows, 0);
            batch.put(rows, 0, indices.length * features);
        }
        batch.flip();
        NDArray raw = manager.create(batch, new Shape(batchDims(indices.length)), DataType.UINT8);
        NDArray x = raw.toType(DataType.FLOAT32, false);
        raw.close();
        // (x/255 - mean)/std as one multiply and one subtract, in place.
        return x.muli(1f / (255f * std)).subi(mean / std);
    }
}
