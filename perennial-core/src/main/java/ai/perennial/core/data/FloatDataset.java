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
        this(name, values, null, null, labels, targets, tasks, sampleShape, numClasses);
    }

    private FloatDataset(String name, float[] values, int[] rows, RowTransform transform, int[] labels, float[] targets, int[] tasks,
            Shape sampleShape, int numClasses) {
        super(name, values.length, rows, transform, labels, targets, tasks, sampleShape, numClasses);
        this.values = values;
    }

    /** Feature {@code feature} of sample {@code index} (as the sample is read: transformed, for a view). */
    public float value(int index, int feature) {
        if (transform() == null) {
            return values[row(index) * features() + feature];
        }
        float[] one = new float[features()];
        copyRow(index, one, 0);
        return one[feature];
    }

    @Override
    protected Object storage() {
        return values;
    }

    @Override
    protected HostDataset create(String name, Object storage, int[] rows, RowTransform transform, int[] labels, float[] targets,
            int[] tasks, int numClasses) {
        return new FloatDataset(name, (float[]) storage, rows, transform, labels, targets, tasks, sampleShape(), numClasses);
    }

    @Override
    public NDArray inputs(NDManager manager, int[] indices) {
        int features = features();
        float[] batch = new float[indices.length * features];
        gather(indices, batch, 0);
        return Engines.owned(manager.create(batch, new Shape(batchDims(indices.length))));
    }
}
