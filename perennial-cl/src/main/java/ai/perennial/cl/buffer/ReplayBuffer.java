package ai.perennial.cl.buffer;

import ai.perennial.core.PerennialException;
import ai.perennial.core.data.Dataset;
import ai.perennial.core.data.HostDataset;
import ai.perennial.core.registry.Param;
import ai.perennial.core.state.Rng;
import ai.perennial.core.state.StateDict;

/**
 * A fixed-capacity memory of past samples, stored as raw input rows (uint8 for images) with their labels,
 * task ids and, for methods that need them, the logits the model produced when they were stored.
 *
 * <ul>
 *   <li>{@link Policy#RESERVOIR}: reservoir sampling (Vitter's algorithm R): after n offers every offered
 *       sample is in the buffer with probability capacity/n.</li>
 *   <li>{@link Policy#CLASS_BALANCED}: greedy class balancing (as in GDumb): when full, a sample of a class
 *       with fewer stored samples than the largest class replaces a random sample of that largest class.</li>
 *   <li>{@link Policy#EXPERIENCE_BALANCED}: filled only at the end of each experience ({@link #fillFromExperience}):
 *       after k experiences each holds an equal share of the memory (the first ones one more sample when it does not
 *       divide), its samples drawn at random from the experience and the earlier experiences' shares shrunk at
 *       random: the common default of the PyTorch continual-learning libraries, which replay from the second
 *       experience on.</li>
 * </ul>
 */
public final class ReplayBuffer {
    public enum Policy { RESERVOIR, CLASS_BALANCED, EXPERIENCE_BALANCED }

    /** The memory size every replay method declares. */
    public static final Param<Integer> MEMORY = Param.integer("memory", 500, "samples the memory holds").atLeast(1).atMost(10_000_000);

    private final int capacity;
    private final Policy policy;
    private final Rng rng;
    private HostDataset template;
    // rows, labels, tasks and logits grow with the samples actually stored (up to capacity), so a memory larger than
    // the stream costs nothing
    private int allocated;
    private Object rows;
    private int[] labels = new int[0];
    private float[] targets = new float[0]; // numeric targets when the stored data is a regression data set
    private int[] tasks = new int[0];
    private int[] experiences = new int[0]; // the experience each slot came from (experience-balanced memories)
    private float[][] logits;
    private int size;
    private long seen;

    public ReplayBuffer(int capacity, Policy policy, long seed) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("buffer capacity must be positive, got " + capacity);
        }
        this.capacity = capacity;
        this.policy = policy;
        this.rng = new Rng(seed);
    }

    public int capacity() {
        return capacity;
    }

    public int size() {
        return size;
    }

    /**
     * Offers samples {@code indices} of {@code source}; {@code sampleLogits[i]} (may be null) are stored with
     * sample i if it is kept.
     */
    public void offer(Dataset source, int[] indices, float[][] sampleLogits) {
        if (policy == Policy.EXPERIENCE_BALANCED) {
            throw new IllegalStateException("an experience-balanced memory is filled at experience ends, not offered samples");
        }
        HostDataset host = (HostDataset) source;
        if (policy == Policy.CLASS_BALANCED && host.regression()) {
            throw new PerennialException("a class-balanced memory needs class labels, but " + host.name()
                    + " has numeric targets; use the reservoir policy");
        }
        if (template == null) {
            template = host;
        }
        for (int i = 0; i < indices.length; i++) {
            int slot = chooseSlot(host.label(indices[i]));
            seen++;
            if (slot < 0) {
                continue;
            }
            if (slot >= allocated) {
                grow((int) Math.min(capacity, Math.max(slot + 1L, Math.max(64L, 2L * allocated))));
            }
            host.copyRow(indices[i], rows, slot);
            labels[slot] = host.label(indices[i]);
            if (host.regression()) {
                targets[slot] = host.target(indices[i]);
            }
            tasks[slot] = host.task(indices[i]);
            if (sampleLogits != null) {
                if (logits == null) {
                    logits = new float[allocated][];
                }
                logits[slot] = sampleLogits[i];
            }
        }
    }

    private void grow(int n) {
        try {
            Object more = template.newStorage(n);
            if (rows != null) {
                System.arraycopy(rows, 0, more, 0, java.lang.reflect.Array.getLength(rows));
            }
            rows = more;
            labels = java.util.Arrays.copyOf(labels, n);
            targets = java.util.Arrays.copyOf(targets, n);
            experiences = java.util.Arrays.copyOf(experiences, n);
            tasks = java.util.Arrays.copyOf(tasks, n);
            if (logits != null) {
                logits = java.util.Arrays.copyOf(logits, n);
            }
            allocated = n;
        } catch (OutOfMemoryError e) {
            throw new PerennialException("the replay memory does not fit in the Java heap at " + n + " samples of "
                    + template.rowBytes() + " bytes (heap limit " + (Runtime.getRuntime().maxMemory() >> 20)
                    + " MiB); lower the strategy's memory or give Java more heap, e.g. PERENNIAL_JAVA_OPTS=-Xmx16g");
        }
    }

    /**
     * Experience-balanced filling at the end of experience {@code experience} (0-based, once per experience, in order):
     * every earlier experience's samples are cut at random to its share, then the share of this one is drawn at random
     * from {@code data}.
     */
    public void fillFromExperience(Dataset data, int experience) {
        if (policy != Policy.EXPERIENCE_BALANCED) {
            throw new IllegalStateException("only an experience-balanced memory is filled at experience ends");
        }
        HostDataset host = (HostDataset) data;
        if (template == null) {
            template = host;
        }
        int groups = experience + 1;
        java.util.List<Integer> keep = new java.util.ArrayList<>();
        for (int g = 0; g < experience; g++) {
            int[] own = slotsOf(g);
            shuffle(own);
            for (int i = 0; i < Math.min(own.length, share(g, groups)); i++) {
                keep.add(own[i]);
            }
        }
        int[] kept = keep.stream().mapToInt(Integer::intValue).sorted().toArray();
        HostDataset old = kept.length == 0 ? null : (HostDataset) view(kept);
        int[] oldExperiences = java.util.Arrays.stream(kept).map(s -> experiences[s]).toArray();
        int[] fresh = java.util.Arrays.copyOf(shuffled(host.size()), Math.min(host.size(), share(experience, groups)));
        java.util.Arrays.sort(fresh);
        size = 0;
        for (int i = 0; i < kept.length; i++) {
            store(old, i, oldExperiences[i]);
        }
        for (int index : fresh) {
            store(host, index, experience);
        }
        seen += host.size();
    }

    /** Slots of experience {@code g}'s samples, in slot order. */
    private int[] slotsOf(int g) {
        return java.util.stream.IntStream.range(0, size).filter(s -> experiences[s] == g).toArray();
    }

    /** The memory's share of group {@code g} of {@code groups}: equal, the first ones one more when it does not divide. */
    private int share(int g, int groups) {
        return capacity / groups + (g < capacity % groups ? 1 : 0);
    }

    private void store(HostDataset source, int index, int experience) {
        int slot = size++;
        if (slot >= allocated) {
            grow((int) Math.min(capacity, Math.max(slot + 1L, Math.max(64L, 2L * allocated))));
        }
        source.copyRow(index, rows, slot);
        labels[slot] = source.label(index);
        if (source.regression()) {
            targets[slot] = source.target(index);
        }
        tasks[slot] = source.task(index);
        experiences[slot] = experience;
    }

    private void shuffle(int[] a) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    private int[] shuffled(int n) {
        int[] a = java.util.stream.IntStream.range(0, n).toArray();
        shuffle(a);
        return a;
    }

    /** The slot for a new sample of class {@code label}, or -1 to drop it. */
    private int chooseSlot(int label) {
        if (size < capacity) {
            return size++;
        }
        if (policy == Policy.RESERVOIR) {
            long j = rng.nextLong(seen + 1);
            return j < capacity ? (int) j : -1;
        }
        int[] counts = new int[Math.max(label + 1, maxLabel() + 1)];
        for (int s = 0; s < size; s++) {
            counts[labels[s]]++;
        }
        int largest = 0;
        for (int c = 1; c < counts.length; c++) {
            if (counts[c] > counts[largest]) {
                largest = c;
            }
        }
        if (counts[label] >= counts[largest]) {
            return -1;
        }
        int victim = rng.nextInt(counts[largest]);
        for (int s = 0; s < size; s++) {
            if (labels[s] == largest && victim-- == 0) {
                return s;
            }
        }
        throw new IllegalStateException("unreachable");
    }

    private int maxLabel() {
        int max = 0;
        for (int s = 0; s < size; s++) {
            max = Math.max(max, labels[s]);
        }
        return max;
    }

    /** {@code n} distinct random slots (all slots, shuffled, when n ≥ size). */
    public int[] sample(int n) {
        int k = Math.min(n, size);
        int[] all = new int[size];
        for (int i = 0; i < size; i++) {
            all[i] = i;
        }
        for (int i = 0; i < k; i++) {
            int j = i + rng.nextInt(size - i);
            int t = all[i];
            all[i] = all[j];
            all[j] = t;
        }
        return java.util.Arrays.copyOf(all, k);
    }

    /** The samples in {@code slots} as a data set of the stored kind (normalized like the source). */
    public Dataset view(int[] slots) {
        Object picked = template.newStorage(slots.length);
        int[] l = new int[slots.length];
        float[] y = template.regression() ? new float[slots.length] : null;
        int[] t = new int[slots.length];
        for (int i = 0; i < slots.length; i++) {
            copySlot(slots[i], picked, i);
            l[i] = labels[slots[i]];
            if (y != null) {
                y[i] = targets[slots[i]];
            }
            t[i] = tasks[slots[i]];
        }
        return template.fromRows("replay", picked, l, y, t, template.numClasses());
    }

    private void copySlot(int slot, Object dst, int dstRow) {
        int rowLength = java.lang.reflect.Array.getLength(rows) / allocated;
        System.arraycopy(rows, slot * rowLength, dst, dstRow * rowLength, rowLength);
    }

    /** Stored logits of {@code slots}, row-major {@code (slots.length, outputs)}. */
    public float[] logits(int[] slots) {
        int outputs = logits[slots[0]].length;
        float[] out = new float[slots.length * outputs];
        for (int i = 0; i < slots.length; i++) {
            System.arraycopy(logits[slots[i]], 0, out, i * outputs, outputs);
        }
        return out;
    }

    public int label(int slot) {
        return labels[slot];
    }

    /** The memory's contents (raw rows, labels, task ids, stored logits), counters and random state. */
    public void exportTo(StateDict out, String prefix) {
        out.putCounter(prefix + "capacity", capacity);
        out.putCounter(prefix + "size", size);
        out.putCounter(prefix + "seen", seen);
        out.putCounter(prefix + "rng", rng.state());
        if (size == 0) {
            return;
        }
        int[] slots = new int[size];
        for (int s = 0; s < size; s++) {
            slots[s] = s;
        }
        ((HostDataset) view(slots)).exportTo(out, prefix + "samples.");
        if (policy == Policy.EXPERIENCE_BALANCED) {
            out.putInts(prefix + "experiences", java.util.Arrays.copyOf(experiences, size));
        }
        if (logits != null) {
            out.putFloats(prefix + "logits", new long[] {size, logits[0].length}, logits(slots));
        }
    }

    /** Restores {@link #exportTo}; {@code template} gives the kind, shape and normalization of the stored rows. */
    public void importFrom(StateDict in, String prefix, Dataset template) {
        if (in.counter(prefix + "capacity") != capacity) {
            throw new IllegalArgumentException("checkpoint memory holds " + in.counter(prefix + "capacity") + " samples, this one "
                    + capacity);
        }
        size = (int) in.counter(prefix + "size");
        seen = in.counter(prefix + "seen");
        rng.restore(in.counter(prefix + "rng"));
        this.template = (HostDataset) template;
        rows = null;
        allocated = 0;
        labels = new int[0];
        targets = new float[0];
        tasks = new int[0];
        experiences = new int[0];
        logits = null;
        if (size == 0) {
            return;
        }
        grow(size);
        HostDataset stored = HostDataset.importFrom(in, prefix + "samples.", template);
        for (int s = 0; s < size; s++) {
            stored.copyRow(s, rows, s);
            labels[s] = stored.label(s);
            if (stored.regression()) {
                targets[s] = stored.target(s);
            }
            tasks[s] = stored.task(s);
        }
        if (in.has(prefix + "experiences")) {
            System.arraycopy(in.ints(prefix + "experiences"), 0, experiences, 0, size);
        }
        if (in.has(prefix + "logits")) {
            float[] flat = in.floats(prefix + "logits");
            int width = flat.length / size;
            logits = new float[allocated][];
            for (int s = 0; s < size; s++) {
                logits[s] = java.util.Arrays.copyOfRange(flat, s * width, (s + 1) * width);
            }
        }
    }

    /** Memory held: input rows, labels, task ids and logits. */
    public long bytes() {
        long perRow = template == null ? 0 : template.rowBytes();
        long logitBytes = 0;
        if (logits != null) {
            for (int s = 0; s < size; s++) {
                logitBytes += logits[s] == null ? 0 : 4L * logits[s].length;
            }
        }
        return size * (perRow + (template != null && template.regression() ? 12 : 8)) + logitBytes;
    }
}
