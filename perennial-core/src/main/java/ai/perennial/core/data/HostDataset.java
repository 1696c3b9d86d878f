package ai.perennial.core.data;

import ai.djl.ndarray.types.Shape;
import ai.perennial.core.PerennialException;
import ai.perennial.core.engine.Resources;
import ai.perennial.core.state.StateDict;
import java.lang.reflect.Array;
import java.util.Arrays;
import java.util.List;

/**
 * A data set held in host memory as one row-major array (bytes or floats) plus labels and task ids.
 * Arrays are never mutated, so derived data sets ({@link #withLabels}, {@link #withTask},
 * {@link #named}) share them; {@link #select}, {@link #permuteFeatures} and {@link #concat} copy.
 */
public abstract class HostDataset implements Dataset {
    private final String name;
    private final int[] labels;
    private final float[] targets; // numeric targets of a regression data set, else null
    private final int[] tasks;
    private final Shape sampleShape;
    private final int features;
    private final int numClasses;

    /**
     * @param targets per-sample numeric targets of a regression data set (then {@code labels} are all 0 and
     *     {@code numClasses} is 1), or {@code null} for a classification data set
     * @param tasks per-sample task ids, or {@code null} for all 0
     */
    protected HostDataset(String name, int storageLength, int[] labels, float[] targets, int[] tasks, Shape sampleShape,
            int numClasses) {
        this.features = Math.toIntExact(sampleShape.size());
        if (targets != null && (targets.length != labels.length || numClasses != 1)) {
            throw new IllegalArgumentException(name + ": " + targets.length + " numeric targets for " + labels.length
                    + " samples of " + numClasses + " classes; a regression data set has one target per sample and 1 class");
        }
        if ((long) labels.length * features != storageLength) {
            throw new IllegalArgumentException(name + ": " + storageLength + " values do not hold " + labels.length
                    + " samples of shape " + sampleShape);
        }
        if (tasks != null && tasks.length != labels.length) {
            throw new IllegalArgumentException(name + ": " + tasks.length + " task ids for " + labels.length + " samples");
        }
        for (int label : labels) {
            if (label < 0 || label >= numClasses) {
                throw new IllegalArgumentException(name + ": label " + label + " outside 0.." + (numClasses - 1));
            }
        }
        this.name = name;
        this.labels = labels;
        this.targets = targets;
        this.tasks = tasks;
        this.sampleShape = sampleShape;
        this.numClasses = numClasses;
    }

    /** The row-major input array ({@code byte[]} or {@code float[]}). */
    protected abstract Object storage();

    /** A data set of the same kind over other arrays ({@code targets} null for class labels). */
    protected abstract HostDataset create(String name, Object storage, int[] labels, float[] targets, int[] tasks, int numClasses);

    /** Copies one row, reordering its features: {@code dst[dstOff + i] = src[srcOff + permutation[i]]}. */
    protected abstract void permuteRow(Object src, int srcOff, Object dst, int dstOff, int[] permutation);

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

    @Override
    public boolean regression() {
        return targets != null;
    }

    @Override
    public float target(int index) {
        if (targets == null) {
            return Dataset.super.target(index);
        }
        return targets[index];
    }

    @Override
    public int task(int index) {
        return tasks == null ? 0 : tasks[index];
    }

    protected int features() {
        return features;
    }

    /** The label array itself (never mutate it). */
    protected int[] labelArray() {
        return labels;
    }

    /** The numeric-target array itself, or {@code null} for class labels (never mutate it). */
    protected float[] targetArray() {
        return targets;
    }

    /** The task-id array itself, or {@code null} when every sample is task 0 (never mutate it). */
    protected int[] taskArray() {
        return tasks;
    }

    @Override
    public HostDataset select(int[] indices) {
        Object src = storage();
        Object out = Array.newInstance(src.getClass().getComponentType(), indices.length * features);
        int[] outLabels = new int[indices.length];
        float[] outTargets = targets == null ? null : new float[indices.length];
        int[] outTasks = tasks == null ? null : new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            System.arraycopy(src, indices[i] * features, out, i * features, features);
            outLabels[i] = labels[indices[i]];
            if (outTargets != null) {
                outTargets[i] = targets[indices[i]];
            }
            if (outTasks != null) {
                outTasks[i] = tasks[indices[i]];
            }
        }
        return create(name, out, outLabels, outTargets, outTasks, numClasses);
    }

    /** A new row storage (same element type) for {@code rows} samples, e.g. for a replay buffer. */
    public Object newStorage(int rows) {
        if ((long) rows * features > Resources.MAX_ARRAY) {
            throw new PerennialException(rows + " samples of " + features + " values exceed the 2^31 elements one Java array holds; "
                    + "store fewer samples");
        }
        return Array.newInstance(storage().getClass().getComponentType(), rows * features);
    }

    /** Copies the raw input row of sample {@code index} into row {@code dstRow} of {@code dst}. */
    public void copyRow(int index, Object dst, int dstRow) {
        System.arraycopy(storage(), index * features, dst, dstRow * features, features);
    }

    /**
     * A data set of this kind (element type, sample shape, normalization) over the first {@code labels.length}
     * rows of {@code storage}; the arrays are copied, so the caller may keep mutating its own. {@code targets}: the
     * rows' numeric targets when this is a regression data set, else null.
     */
    public HostDataset fromRows(String name, Object storage, int[] labels, float[] targets, int[] tasks, int numClasses) {
        Object rows = Array.newInstance(storage.getClass().getComponentType(), labels.length * features);
        System.arraycopy(storage, 0, rows, 0, labels.length * features);
        return create(name, rows, labels.clone(), targets == null ? null : targets.clone(), tasks == null ? null : tasks.clone(),
                numClasses);
    }

    /**
     * Writes the samples (rows as uint8 or float32, labels, task ids, class count) under {@code prefix}, for a
     * checkpoint of a memory that holds them.
     */
    public void exportTo(StateDict out, String prefix) {
        long[] shape = {labels.length, features};
        if (storage() instanceof byte[] b) {
            out.putBytes(prefix + "rows", shape, b);
        } else {
            out.putFloats(prefix + "rows", shape, (float[]) storage());
        }
        out.putInts(prefix + "labels", labels);
        if (targets != null) {
            out.putFloats(prefix + "targets", new long[] {targets.length}, targets);
        }
        if (tasks != null) {
            out.putInts(prefix + "tasks", tasks);
        }
        out.putCounter(prefix + "classes", numClasses);
        out.putText(prefix + "name", name);
    }

    /** The samples {@link #exportTo} wrote, as a data set of {@code template}'s kind, shape and normalization. */
    public static HostDataset importFrom(StateDict in, String prefix, Dataset template) {
        HostDataset t = (HostDataset) template;
        Object rows = t.storage() instanceof byte[] ? in.bytes(prefix + "rows") : in.floats(prefix + "rows");
        int[] tasks = in.has(prefix + "tasks") ? in.ints(prefix + "tasks") : null;
        float[] targets = in.has(prefix + "targets") ? in.floats(prefix + "targets") : null;
        return t.fromRows(in.text(prefix + "name"), rows, in.ints(prefix + "labels"), targets, tasks, (int) in.counter(prefix + "classes"));
    }

    /** Bytes one input row occupies in host memory. */
    public int rowBytes() {
        return features * (storage() instanceof byte[] ? 1 : 4);
    }

    @Override
    public HostDataset withLabels(int[] newLabels, int newNumClasses) {
        if (newLabels.length != labels.length) {
            throw new IllegalArgumentException(name + ": " + newLabels.length + " labels for " + labels.length + " samples");
        }
        if (targets != null) {
            throw new IllegalArgumentException(name + " has numeric targets, not class labels to relabel");
        }
        return create(name, storage(), newLabels.clone(), null, tasks, newNumClasses);
    }

    /** The same inputs with new numeric targets (a regression data set's, e.g. rescaled). */
    public HostDataset withTargets(float[] newTargets) {
        if (targets == null || newTargets.length != targets.length) {
            throw new IllegalArgumentException(name + ": " + newTargets.length + " targets for a data set of " + labels.length
                    + (targets == null ? " class-labelled samples" : " samples"));
        }
        return create(name, storage(), labels, newTargets.clone(), tasks, numClasses);
    }

    @Override
    public HostDataset withTask(int task) {
        int[] t = new int[labels.length];
        Arrays.fill(t, task);
        return create(name, storage(), labels, targets, t, numClasses);
    }

    @Override
    public HostDataset named(String newName) {
        return create(newName, storage(), labels, targets, tasks, numClasses);
    }

    @Override
    public HostDataset permuteFeatures(int[] permutation) {
        if (permutation.length != features) {
            throw new IllegalArgumentException(name + ": permutation of " + permutation.length + " for " + features + " features");
        }
        Object src = storage();
        Object out = Array.newInstance(src.getClass().getComponentType(), Array.getLength(src));
        for (int i = 0; i < labels.length; i++) {
            permuteRow(src, i * features, out, i * features, permutation);
        }
        return create(name, out, labels, targets, tasks, numClasses);
    }

    /** The parts one after another; they must be of one kind, sample shape and class count. */
    public static HostDataset concat(String name, List<? extends Dataset> parts) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("nothing to concatenate");
        }
        HostDataset first = (HostDataset) parts.get(0);
        int total = 0;
        int numClasses = 0;
        boolean anyTasks = false;
        for (Dataset d : parts) {
            HostDataset h = (HostDataset) d;
            if (h.getClass() != first.getClass() || !h.sampleShape.equals(first.sampleShape)
                    || (h.targets == null) != (first.targets == null)) {
                throw new IllegalArgumentException("cannot concatenate " + h.name + " " + h.sampleShape + " with "
                        + first.name + " " + first.sampleShape);
            }
            total += h.size();
            numClasses = Math.max(numClasses, h.numClasses);
            anyTasks |= h.tasks != null;
        }
        Object out = Array.newInstance(first.storage().getClass().getComponentType(), total * first.features);
        int[] labels = new int[total];
        int[] tasks = anyTasks ? new int[total] : null;
        float[] targets = first.targets == null ? null : new float[total];
        int at = 0;
        for (Dataset d : parts) {
            HostDataset h = (HostDataset) d;
            System.arraycopy(h.storage(), 0, out, at * first.features, h.size() * first.features);
            System.arraycopy(h.labels, 0, labels, at, h.size());
            if (targets != null) {
                System.arraycopy(h.targets, 0, targets, at, h.size());
            }
            if (tasks != null && h.tasks != null) {
                System.arraycopy(h.tasks, 0, tasks, at, h.size());
            }
            at += h.size();
        }
        return first.create(name, out, labels, targets, tasks, numClasses);
    }

    protected long[] batchDims(int n) {
        long[] dims = new long[sampleShape.dimension() + 1];
        dims[0] = n;
        System.arraycopy(sampleShape.getShape(), 0, dims, 1, sampleShape.dimension());
        return dims;
    }
}
