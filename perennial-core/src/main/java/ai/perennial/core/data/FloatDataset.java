package ai.perennial.core.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/** Float inputs kept on the host as-is (synthetic data); no normalization is applied. */
public final class FloatDataset implements Dataset {
    private final String name;
    private final float[] values;
    private final int[] labels;
    private final Shape sampleShape;
    private final int features;
    private final int numClasses;

    public FloatDataset(String name, float[] values, int[] labels, Shape sampleShape, int numClasses) {
        this.features = Math.toIntExact(sampleShape.size());
        if ((long) labels.length * features != values.length) {
            throw new IllegalArgumentException(name + ": " + values.length + " values do not hold " + labels.length
                    + " samples of shape " + sampleShape);
        }
        for (int label : labels) {
            if (label < 0 || label >= numClasses) {
                throw new IllegalArgumentException(name + ": label " + label + " outside 0.." + (numClasses - 1));
            }
        }
        this.name = name;
        this.values = values;
        this.labels = labels;
        this.sampleShape = sampleShape;
        this.numClasses = numClasses;
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

    public float value(int index, int feature) {
        return values[index * features + feature];
    }

    @Override
    public FloatDataset select(int[] indices) {
        float[] out = new float[indices.length * features];
        int[] outLabels = new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            System.arraycopy(values, indices[i] * features, out, i * features, features);
            outLabels[i] = labels[indices[i]];
        }
        return new FloatDataset(name, out, outLabels, sampleShape, numClasses);
    }

    @Override
    public NDArray inputs(NDManager manager, int[] indices) {
        float[] batch = new float[indices.length * features];
        for (int i = 0; i < indices.length; i++) {
            System.arraycopy(values, indices[i] * features, batch, i * features, features);
        }
        long[] dims = new long[sampleShape.dimension() + 1];
        dims[0] = indices.length;
        System.arraycopy(sampleShape.getShape(), 0, dims, 1, sampleShape.dimension());
        return manager.create(batch, new Shape(dims));
    }
}
