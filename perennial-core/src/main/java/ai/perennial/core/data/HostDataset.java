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
 * Arrays are never mutated, so derived data sets share them: {@link #withLabels}, {@link #withTask} and
 * {@link #named} keep the rows, and {@link #select}, {@link #permuteFeatures} and {@code ByteDataset.rotate} are
 * <em>views</em>: sample {@code i} reads row {@code rows[i]} of the shared array through a {@link RowTransform} (a gather
 * index or a sampling map) applied when a batch is built, so a stream of transformed or subsetted inputs keeps one copy
 * of the data whatever its number of tasks. Only {@link #concat}, {@link #materialize} and {@link #fromRows} copy.
 */
public abstract class HostDataset implements Dataset {
    private final String name;
    private final int[] rowIndex; // storage row of each sample; null: sample i is row i
    private final RowTransform transform; // applied to every row read; null: none
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
        this(name, storageLength, null, null, labels, targets, tasks, sampleShape, numClasses);
    }

    /**
     * A view: sample {@code i} is row {@code rows[i]} of the storage ({@code rows} null: row i, and the storage holds
     * exactly the samples), read through {@code transform} (null: as stored).
     */
    protected HostDataset(String name, int storageLength, int[] rows, RowTransform transform, int[] labels, float[] targets,
            int[] tasks, Shape sampleShape, int numClasses) {
        this.features = Math.toIntExact(sampleShape.size());
        if (targets != null && (targets.length != labels.length || numClasses != 1)) {
            throw new IllegalArgumentException(name + ": " + targets.length + " numeric targets for " + labels.length
                    + " samples of " + numClasses + " classes; a regression data set has one target per sample and 1 class");
        }
        if (rows == null ? (long) labels.length * features != storageLength
                : rows.length != labels.length || (features > 0 && storageLength % features != 0)) {
            throw new IllegalArgumentException(name + ": " + storageLength + " values do not hold " + labels.length
                    + " samples of shape " + sampleShape);
        }
        if (transform != null && transform.features() != features) {
            throw new IllegalArgumentException(name + ": a transform of " + transform.features() + " features for samples of shape "
                    + sampleShape);
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
        this.rowIndex = rows;
        this.transform = transform;
        this.labels = labels;
        this.targets = targets;
        this.tasks = tasks;
        this.sampleShape = sampleShape;
        this.numClasses = numClasses;
    }

    /** The row-major input array ({@code byte[]} or {@code float[]}). */
    protected abstract Object storage();

    /**
     * A data set of the same kind over other arrays ({@code targets} null for class labels), a view when {@code rows} or
     * {@code transform} is not null (see the constructor).
     */
    protected abstract HostDataset create(String name, Object storage, int[] rows, RowTransform transform, int[] labels,
            float[] targets, int[] tasks, int numClasses);

    /** A data set of the same kind holding exactly {@code storage}'s rows, as stored. */
    protected final HostDataset create(String name, Object storage, int[] labels, float[] targets, int[] tasks, int numClasses) {
        return create(name, storage, null, null, labels, targets, tasks, numClasses);
    }

    /** The storage row sample {@code index} reads. */
    protected final int row(int index) {
        return rowIndex == null ? index : rowIndex[index];
    }

    /** The transform every row is read through, or {@code null}. */
    public RowTransform transform() {
        return transform;
    }

    /** True when this data set reads a shared array through a row index or a transform instead of holding its rows. */
    public boolean isView() {
        return rowIndex != null || transform != null;
    }

    /**
     * The input rows of samples {@code indices}, transformed, one after another in {@code dst} from element
     * {@code dstOff} (a {@code byte[]} or {@code float[]} like the storage).
     */
    public void gather(int[] indices, Object dst, int dstOff) {
        Object src = storage();
        for (int i = 0; i < indices.length; i++) {
            RowTransform.applyRow(transform, src, row(indices[i]) * features, dst, dstOff + i * features, features);
        }
    }

    /** This data set with its rows copied out of the shared array and transformed: no longer a view. */
    public HostDataset materialize() {
        if (!isView()) {
            return this;
        }
        Object out = newStorage(labels.length);
        gather(Shuffle.range(labels.length), out, 0);
        return create(name, out, labels, targets, tasks, numClasses);
    }

    /**
     * Bytes of host memory this data set's arrays take (rows, labels, targets, task ids, row index, transform), each
     * array counted once across {@code sets} however many of them share it: what a stream of views really holds.
     */
    public static long heapBytes(java.util.Collection<? extends Dataset> sets) {
        java.util.Set<Object> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        long total = 0;
        for (Dataset d : sets) {
            HostDataset h = (HostDataset) d;
            Object storage = h.storage();
            total += arrayBytes(seen, storage, storage instanceof byte[] b ? b.length : 4L * ((float[]) storage).length);
            total += arrayBytes(seen, h.labels, 4L * h.labels.length);
            total += h.targets == null ? 0 : arrayBytes(seen, h.targets, 4L * h.targets.length);
            total += h.tasks == null ? 0 : arrayBytes(seen, h.tasks, 4L * h.tasks.length);
            total += h.rowIndex == null ? 0 : arrayBytes(seen, h.rowIndex, 4L * h.rowIndex.length);
            total += h.transform == null ? 0 : arrayBytes(seen, h.transform, h.transform.bytes());
        }
        return total;
    }

    private static long arrayBytes(java.util.Set<Object> seen, Object array, long bytes) {
        return seen.add(array) ? 16 + bytes : 0;
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

    /** The samples at {@code indices} as a view of the same rows (nothing but the labels and the row index is copied). */
    @Override
    public HostDataset select(int[] indices) {
        int[] outRows = new int[indices.length];
        int[] outLabels = new int[indices.length];
        float[] outTargets = targets == null ? null : new float[indices.length];
        int[] outTasks = tasks == null ? null : new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            if (indices[i] < 0 || indices[i] >= labels.length) {
                throw new IndexOutOfBoundsException(name + ": sample " + indices[i] + " of " + labels.length);
            }
            outRows[i] = row(indices[i]);
            outLabels[i] = labels[indices[i]];
            if (outTargets != null) {
                outTargets[i] = targets[indices[i]];
            }
            if (outTasks != null) {
                outTasks[i] = tasks[indices[i]];
            }
        }
        return create(name, storage(), outRows, transform, outLabels, outTargets, outTasks, numClasses);
    }

    /** A new row storage (same element type) for {@code rows} samples, e.g. for a replay buffer. */
    public Object newStorage(int rows) {
        if ((long) rows * features > Resources.MAX_ARRAY) {
            throw new PerennialException(rows + " samples of " + features + " values exceed the 2^31 elements one Java array holds; "
                    + "store fewer samples");
        }
        return Array.newInstance(storage().getClass().getComponentType(), rows * features);
    }

    /** Copies the input row of sample {@code index} (transformed, for a view) into row {@code dstRow} of {@code dst}. */
    public void copyRow(int index, Object dst, int dstRow) {
        RowTransform.applyRow(transform, storage(), row(index) * features, dst, dstRow * features, features);
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
        Object rowData = materialize().storage();
        if (rowData instanceof byte[] b) {
            out.putBytes(prefix + "rows", shape, b);
        } else {
            out.putFloats(prefix + "rows", shape, (float[]) rowData);
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
        return create(name, storage(), rowIndex, transform, newLabels.clone(), null, tasks, newNumClasses);
    }

    /** The same inputs with new numeric targets (a regression data set's, e.g. rescaled). */
    public HostDataset withTargets(float[] newTargets) {
        if (targets == null || newTargets.length != targets.length) {
            throw new IllegalArgumentException(name + ": " + newTargets.length + " targets for a data set of " + labels.length
                    + (targets == null ? " class-labelled samples" : " samples"));
        }
        return create(name, storage(), rowIndex, transform, labels, newTargets.clone(), tasks, numClasses);
    }

    @Override
    public HostDataset withTask(int task) {
        int[] t = new int[labels.length];
        Arrays.fill(t, task);
        return create(name, storage(), rowIndex, transform, labels, targets, t, numClasses);
    }

    @Override
    public HostDataset named(String newName) {
        return create(newName, storage(), rowIndex, transform, labels, targets, tasks, numClasses);
    }

    /** A view of the same rows read through {@code permutation} (a gather index applied per batch). */
    @Override
    public HostDataset permuteFeatures(int[] permutation) {
        if (permutation.length != features) {
            throw new IllegalArgumentException(name + ": permutation of " + permutation.length + " for " + features + " features");
        }
        boolean identity = true;
        for (int i = 0; i < permutation.length && identity; i++) {
            identity = permutation[i] == i;
        }
        return identity ? named(name) : transformed(RowTransform.permutation(permutation));
    }

    /** A view of the same rows read through {@code next} after this data set's own transform. */
    public HostDataset transformed(RowTransform next) {
        return create(name, storage(), rowIndex, transform == null ? next : transform.then(next), labels, targets, tasks, numClasses);
    }

    /** The parts one after another, copied (views are read through their transforms); of one kind and sample shape. */
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
            h.gather(Shuffle.range(h.size()), out, at * first.features);
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
