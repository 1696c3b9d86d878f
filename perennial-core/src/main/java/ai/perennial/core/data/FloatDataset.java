package ai.perennial.core.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.perennial.core.engine.Engines;

/** Float inputs kept on the host as-is (synthetic data); no normalization is applied. */
public final class FloatDataset extends HostDataset {
    private final float[] values;

    public FloatDataset(String name, float[] values, int[] labels, Shape sampleShape, int numClasses) {
        this(name, values, labels, null, null, sampleShape, numClasses);
    }

    /** Inputs with a numeric target each (regression). */
    public static FloatDataset withTargets(String name, float[] values, float[] targets, Shape sampleShape) {
        return new FloatDataset(name, values, new int[targets.length], targets, null, sampleShape, 1);
    }

    private FloatDataset(String name, float[] values, int[] labels, float[] targets, int[] tasks, Shape sampleShape, int numClasses) {
        super(name, values.length, labels, targets, tasks, sampleShape, numClasses);
        this.values = values;
    }

    public float value(int index, int feature) {
        return values[index * features() + feature];
    }

    @Override
    protected Object storage() {
        return values;
    }

    @Override
    protected HostDataset create(String name, Object storage, int[] labels, float[] targets, int[] tasks, int numClasses) {
        return new FloatDataset(name, (float[]) storage, labels, targets, tasks, sampleShape(), numClasses);
    }

    @Override
    protected void permuteRow(Object src, int srcOff, Object dst, int dstOff, int[] permutation) {
        float[] s = (float[]) src;
        float[] d = (float[]) dst;
        for (int i = 0; i < permutation.length; i++) {
            d[dstOff + i] = s[srcOff + permutation[i]];
        }
    }

    @Override
    public NDArray inputs(NDManager manager, int[] indices) {
        int features = features();
        float[] batch = new float[indices.length * features];
        for (int i = 0; i < indices.length; i++) {
            System.arraycopy(values, indices[i] * features, batch, i * features, features);
        }
        return Engines.owned(manager.create(batch, new Shape(batchDims(indices.length))));
    }
}
