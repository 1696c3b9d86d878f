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
        super(name, pixels.length, labels, targets, tasks, sampleShape, numClasses);
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

    /** The raw byte of feature {@code feature} of sample {@code index}. */
    public int pixel(int index, int feature) {
        return pixels[index * features() + feature] & 0xff;
    }

    /**
     * Every image rotated by {@code degrees} counter-clockwise about its centre, per channel, with
     * bilinear interpolation; pixels that come from outside the image are 0.
     */
    public ByteDataset rotate(double degrees) {
        Shape s = sampleShape();
        if (s.dimension() != 3) {
            throw new IllegalArgumentException(name() + ": rotation needs (channels, height, width) images, got " + s);
        }
        int channels = (int) s.get(0);
        int h = (int) s.get(1);
        int w = (int) s.get(2);
        double rad = Math.toRadians(degrees);
        double cos = StrictMath.cos(rad);
        double sin = StrictMath.sin(rad);
        double cy = (h - 1) / 2.0;
        double cx = (w - 1) / 2.0;
        // For each output pixel, the top-left source pixel (inverse rotation) and the bilinear weights, computed once.
        int[] srcX = new int[h * w];
        int[] srcY = new int[h * w];
        float[] fx = new float[h * w];
        float[] fy = new float[h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double dx = x - cx;
                double dy = y - cy;
                double sx = cos * dx - sin * dy + cx;
                double sy = sin * dx + cos * dy + cy;
                srcX[y * w + x] = (int) Math.floor(sx);
                srcY[y * w + x] = (int) Math.floor(sy);
                fx[y * w + x] = (float) (sx - Math.floor(sx));
                fy[y * w + x] = (float) (sy - Math.floor(sy));
            }
        }
        byte[] out = new byte[pixels.length];
        int plane = h * w;
        for (int base = 0; base < pixels.length; base += plane) {
            for (int p = 0; p < plane; p++) {
                int x0 = srcX[p];
                int y0 = srcY[p];
                float v00 = at(base, x0, y0, w, h);
                float v01 = at(base, x0 + 1, y0, w, h);
                float v10 = at(base, x0, y0 + 1, w, h);
                float v11 = at(base, x0 + 1, y0 + 1, w, h);
                float top = v00 + (v01 - v00) * fx[p];
                float bottom = v10 + (v11 - v10) * fx[p];
                out[base + p] = (byte) Math.round(top + (bottom - top) * fy[p]);
            }
        }
        return (ByteDataset) create(name(), out, labelArray(), targetArray(), taskArray(), numClasses());
    }

    private float at(int base, int x, int y, int w, int h) {
        return x < 0 || y < 0 || x >= w || y >= h ? 0f : pixels[base + y * w + x] & 0xff;
    }

    @Override
    protected Object storage() {
        return pixels;
    }

    @Override
    protected HostDataset create(String name, Object storage, int[] labels, float[] targets, int[] tasks, int numClasses) {
        return new ByteDataset(name, (byte[]) storage, labels, targets, tasks, sampleShape(), numClasses, mean, std);
    }

    @Override
    protected void permuteRow(Object src, int srcOff, Object dst, int dstOff, int[] permutation) {
        byte[] s = (byte[]) src;
        byte[] d = (byte[]) dst;
        for (int i = 0; i < permutation.length; i++) {
            d[dstOff + i] = s[srcOff + permutation[i]];
        }
    }

    @Override
    public NDArray inputs(NDManager manager, int[] indices) {
        int features = features();
        ByteBuffer batch = ByteBuffer.allocateDirect(indices.length * features);
        for (int index : indices) {
            batch.put(pixels, index * features, features);
        }
        batch.flip();
        NDArray raw = manager.create(batch, new Shape(batchDims(indices.length)), DataType.UINT8);
        NDArray x = raw.toType(DataType.FLOAT32, false);
        raw.close();
        // (x/255 - mean)/std as one multiply and one subtract, in place.
        return x.muli(1f / (255f * std)).subi(mean / std);
    }
}
