package ai.perennial.cl.strategy.replay;

import ai.perennial.core.data.DataSources;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.perennial.cl.buffer.Herding;
import ai.perennial.cl.buffer.ReplayBuffer;
import ai.perennial.cl.scenario.Experience;
import ai.perennial.cl.scenario.Scenario;
import ai.perennial.cl.strategy.ClassifierView;
import ai.perennial.cl.strategy.Strategy;
import ai.perennial.cl.strategy.Teacher;
import ai.perennial.core.data.Dataset;
import ai.perennial.core.data.HostDataset;
import ai.perennial.core.data.Shuffle;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.model.Model;
import ai.perennial.core.registry.Component;
import ai.perennial.core.registry.Registered;
import ai.perennial.core.state.StateDict;
import ai.perennial.core.train.Batch;
import ai.perennial.core.train.TrainingContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * iCaRL (Rebuffi et al. 2017). A memory of {@code memory} exemplars shared equally by the classes seen so
 * far, chosen by herding in the normalized feature space; each experience trains on its data plus all
 * exemplars with the classification loss plus iCaRL's sigmoid distillation of the previous model on the
 * old classes; prediction is by the nearest mean of exemplars (NME). This implementation keeps the
 * loop's cross-entropy as the classification term (as later re-implementations do) instead of the
 * paper's per-class sigmoid.
 */
public final class Icarl implements Strategy {
    @Registered
    public static final Component<Long, Strategy> ICARL = Component.of(KIND, "icarl")
            .summary("iCaRL: herding exemplars, sigmoid distillation on old classes, nearest-mean-of-exemplars classifier")
            .source("Rebuffi et al. 2017")
            .family(Strategy.REPLAY)
            .requires(DataSources.CLASS_TARGETS)
            .params(ReplayBuffer.MEMORY)
            .requires(Scenario.CLASS_INCREMENTAL)
            .tag(SELECTS_DATA)
            .factory((v, seed) -> new Icarl(v.get(ReplayBuffer.MEMORY)));

    private final int memory;
    private final Map<Long, Dataset> exemplars = new LinkedHashMap<>();   // key: task << 32 | label
    private final Map<Long, float[]> means = new LinkedHashMap<>();
    private List<Experience> stream;
    private final Teacher teacher = new Teacher();
    private float[] oldMask;

    public Icarl(int memory) {
        this.memory = memory;
    }

    @Override
    public String name() {
        return "icarl";
    }

    @Override
    public int trainingSize(List<Experience> stream, int index) {
        return stream.get(index).train().size() + (index > 0 ? memory : 0);
    }

    @Override
    public Dataset trainingData(List<Experience> stream, int index) {
        this.stream = stream;
        Dataset current = stream.get(index).train();
        if (exemplars.isEmpty()) {
            return current;
        }
        List<Dataset> parts = new ArrayList<>();
        parts.add(current);
        parts.addAll(exemplars.values());
        return HostDataset.concat(current.name() + "+exemplars", parts);
    }

    @Override
    public void onExperienceStart(TrainingContext c) {
        if (exemplars.isEmpty() || c.model().numHeads() > 1) {
            return; // the sigmoid distillation is defined over one shared head
        }
        teacher.snapshot(c.model(), c.stateManager(), m -> m);
        int outputs = c.experienceData().numClasses();
        oldMask = new float[outputs];
        for (long key : exemplars.keySet()) {
            oldMask[(int) key] = 1;
        }
    }

    @Override
    public NDArray extraLoss(TrainingContext c, Batch batch, NDArray logits) {
        if (teacher.model() == null) {
            return null;
        }
        // Σ over old units of BCE(σ(z_new), σ(z_old)), averaged over the batch and the old units
        NDArray target = teacher.model().forward(batch.inputs(), batch.tasks()).getNDArrayInternal().sigmoid();
        NDArray mask = logits.getManager().create(oldMask, new Shape(1, oldMask.length));
        NDArray logP = logSigmoid(logits);
        NDArray logNotP = logSigmoid(logits.neg());
        NDArray bce = target.mul(logP).add(target.neg().add(1f).mul(logNotP)).neg().mul(mask);
        float units = 0;
        for (float m : oldMask) {
            units += m;
        }
        return Engines.dividedBy(bce.sum(), batch.size() * Math.max(units, 1f));
    }

    private static NDArray logSigmoid(NDArray z) {
        // log σ(z) = −softplus(−z) = −log(1 + e^{−z}), stable for large |z|
        return z.neg().exp().add(1f).log().neg();
    }

    @Override
    public void onExperienceEnd(TrainingContext c) {
        int k = c.experienceIndex();
        Dataset own = stream == null ? c.experienceData() : stream.get(k).train();
        Map<Long, List<Integer>> byClass = new LinkedHashMap<>();
        for (int i = 0; i < own.size(); i++) {
            byClass.computeIfAbsent(key(own.task(i), own.label(i)), x -> new ArrayList<>()).add(i);
        }
        byClass.keySet().removeIf(exemplars::containsKey);
        int classes = exemplars.size() + byClass.size();
        int perClass = Math.max(1, memory / Math.max(classes, 1));
        // shrink old sets: herding order means the first m are the best m
        for (Map.Entry<Long, Dataset> e : exemplars.entrySet()) {
            Dataset d = e.getValue();
            e.setValue(d.select(Arrays.copyOf(Shuffle.range(d.size()), Math.min(perClass, d.size()))));
        }
        for (Map.Entry<Long, List<Integer>> e : byClass.entrySet()) {
            Dataset samples = own.select(e.getValue().stream().mapToInt(Integer::intValue).toArray());
            int[] chosen;
            try (NDManager m = c.stateManager().newSubManager()) {
                chosen = Herding.select(normalizedFeatures(c.model(), samples, m), perClass);
            }
            exemplars.put(e.getKey(), samples.select(chosen));
        }
        means.clear();
        for (Map.Entry<Long, Dataset> e : exemplars.entrySet()) {
            try (NDManager m = c.stateManager().newSubManager()) {
                NDArray mean = normalizeRows(normalizedFeatures(c.model(), e.getValue(), m).mean(new int[] {0}, true));
                means.put(e.getKey(), mean.toType(DataType.FLOAT32, false).toFloatArray());
            }
        }
    }

    /**
     * φ(x)/‖φ(x)‖ for every sample of {@code data}, as one (samples × features) double-precision array on the device,
     * attached to {@code manager}; the forward passes run in batches of 1000.
     */
    static NDArray normalizedFeatures(Model model, Dataset data, NDManager manager) {
        NDList parts = new NDList();
        for (int start = 0; start < data.size(); start += 1000) {
            int n = Math.min(1000, data.size() - start);
            int[] idx = new int[n];
            for (int i = 0; i < n; i++) {
                idx[i] = start + i;
            }
            try (NDManager batch = manager.newSubManager()) {
                NDArray f = model.features(data.inputs(batch, idx));
                f.attach(manager); // the batch's inputs and activations go, its features stay
                parts.add(f);
            }
        }
        NDArray all = parts.size() == 1 ? parts.get(0) : NDArrays.concat(parts);
        return normalizeRows(all.toType(DataType.FLOAT64, false));
    }

    /** Each row divided by its L2 norm (at least 1e-12, so a zero row stays zero). */
    static NDArray normalizeRows(NDArray x) {
        return x.div(x.square().sum(new int[] {1}, true).sqrt().maximum(1e-12));
    }

    private static long key(int task, int label) {
        return ((long) task << 32) | label;
    }

    @Override
    public Model evaluationModel(Model trained) {
        if (means.isEmpty()) {
            return trained;
        }
        return new ClassifierView(trained) {
            @Override
            public NDArray forward(NDArray inputs, int[] tasks) {
                return nearestMeanLogits(model.features(inputs), tasks, means);
            }

            @Override
            public String describe() {
                return model.describe() + " + nearest mean of exemplars";
            }
        };
    }

    /**
     * Logits −‖φ(x)/‖φ(x)‖ − μ_c‖² for each class c of the sample's task (classes without exemplars get
     * −1e9), so argmax is the nearest class mean.
     */
    static NDArray nearestMeanLogits(NDArray features, int[] tasks, Map<Long, float[]> means) {
        NDManager m = features.getManager();
        NDArray phi = features.div(features.square().sum(new int[] {1}, true).sqrt().maximum(1e-12f));
        int d = (int) phi.getShape().get(1);
        int outputs = 0;
        for (long key : means.keySet()) {
            outputs = Math.max(outputs, (int) key + 1);
        }
        int[] distinct = Arrays.stream(tasks).distinct().toArray();
        NDArray out = null;
        for (int t : distinct) {
            float[] mu = new float[outputs * d];
            float[] missing = new float[outputs];
            for (int c = 0; c < outputs; c++) {
                float[] mean = means.get(key(t, c));
                if (mean == null) {
                    missing[c] = -1e9f;
                } else {
                    System.arraycopy(mean, 0, mu, c * d, d);
                }
            }
            NDArray muT = Engines.owned(m.create(mu, new Shape(outputs, d)));
            NDArray dist = phi.square().sum(new int[] {1}, true).sub(phi.matMul(muT.transpose()).mul(2f))
                    .add(muT.square().sum(new int[] {1}).reshape(1, outputs));
            NDArray logits = dist.neg().add(m.create(missing, new Shape(1, outputs)));
            if (distinct.length == 1) {
                return logits;
            }
            float[] rowMask = new float[tasks.length];
            for (int i = 0; i < tasks.length; i++) {
                rowMask[i] = tasks[i] == t ? 1 : 0;
            }
            NDArray masked = logits.mul(m.create(rowMask, new Shape(tasks.length, 1)));
            out = out == null ? masked : out.add(masked);
        }
        return out;
    }

    @Override
    public long bufferBytes() {
        long bytes = 0;
        for (Dataset d : exemplars.values()) {
            bytes += (long) d.size() * (((HostDataset) d).rowBytes() + 8);
        }
        return bytes;
    }

    /** Exemplars per (task, class) with their class means, the frozen teacher and the old-class mask. */
    @Override
    public StateDict exportState() {
        StateDict out = new StateDict();
        long[] keys = exemplars.keySet().stream().mapToLong(Long::longValue).toArray();
        out.putLongs("exemplar_keys", keys);
        for (int j = 0; j < keys.length; j++) {
            ((HostDataset) exemplars.get(keys[j])).exportTo(out, "exemplars." + j + ".");
        }
        long[] meanKeys = means.keySet().stream().mapToLong(Long::longValue).toArray();
        out.putLongs("mean_keys", meanKeys);
        for (int j = 0; j < meanKeys.length; j++) {
            out.putFloats("means." + j, means.get(meanKeys[j]));
        }
        teacher.exportTo(out, "teacher.");
        if (oldMask != null) {
            out.putFloats("old_mask", oldMask);
        }
        return out;
    }

    @Override
    public void importState(StateDict in, TrainingContext c) {
        exemplars.clear();
        long[] keys = in.longs("exemplar_keys");
        for (int j = 0; j < keys.length; j++) {
            exemplars.put(keys[j], HostDataset.importFrom(in, "exemplars." + j + ".", c.experienceData()));
        }
        means.clear();
        long[] meanKeys = in.longs("mean_keys");
        for (int j = 0; j < meanKeys.length; j++) {
            means.put(meanKeys[j], in.floats("means." + j));
        }
        teacher.importFrom(in, "teacher.", c.model(), c.stateManager(), m -> m);
        oldMask = in.has("old_mask") ? in.floats("old_mask") : null;
    }
}
