package ai.perennial.cl.strategy.replay;

import ai.perennial.core.data.DataSources;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.perennial.cl.buffer.ReplayBuffer;
import ai.perennial.cl.scenario.Experience;
import ai.perennial.cl.scenario.Scenario;
import ai.perennial.cl.strategy.ClassifierView;
import ai.perennial.cl.strategy.Strategy;
import ai.perennial.cl.strategy.Teacher;
import ai.perennial.cl.strategy.regularization.Lwf;
import ai.perennial.core.data.Dataset;
import ai.perennial.core.data.HostDataset;
import ai.perennial.core.data.Shuffle;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.model.Model;
import ai.perennial.core.registry.Component;
import ai.perennial.core.registry.Param;
import ai.perennial.core.registry.Registered;
import ai.perennial.core.state.Rng;
import ai.perennial.core.state.StateDict;
import ai.perennial.core.train.Batch;
import ai.perennial.core.train.TrainingContext;
import java.util.ArrayList;
import java.util.List;

/**
 * Bias correction, BiC (Wu et al. 2019), for class-incremental learning with one head. Training replays a
 * class-balanced memory and distills the previous (bias-corrected) model on the old classes with weight
 * n_old/n_seen; after each experience a two-parameter layer q = α·o + β is fitted on the logits of the new
 * classes only (old-class logits pass unchanged), by minimizing cross-entropy on a class-balanced
 * validation sample of memory and new data. Simplification: the validation sample is drawn from the
 * same data rather than a held-out split.
 */
public final class Bic implements Strategy {
    @Registered
    public static final Component<Long, Strategy> BIC = Component.of(KIND, "bic")
            .summary("bias correction: class-balanced replay, distillation, then a fitted α·o + β on the new classes' logits")
            .source("Wu et al. 2019")
            .family(Strategy.REPLAY)
            .requires(DataSources.CLASS_TARGETS)
            .params(ReplayBuffer.MEMORY, Param.number("temperature", 2.0, "distillation temperature").positive(),
                    Param.integer("validation_per_class", 20, "samples per class for fitting the correction").atLeast(1).atMost(1_000_000))
            .requires(Scenario.CLASS_INCREMENTAL)
            .factory((v, seed) -> new Bic(v.get(ReplayBuffer.MEMORY), v.number("temperature"), v.integer("validation_per_class"), seed));

    private final ReplayBuffer buffer;
    private final double temperature;
    private final int validationPerClass;
    private final Rng rng;
    private List<Experience> stream;
    private float[] newMask;
    private float alpha = 1;
    private float beta = 0;
    private final Teacher teacher = new Teacher();
    private float[] oldMask;
    private float distillWeight;

    public Bic(int memory, double temperature, int validationPerClass, long seed) {
        this.buffer = new ReplayBuffer(memory, ReplayBuffer.Policy.CLASS_BALANCED, seed);
        this.temperature = temperature;
        this.validationPerClass = validationPerClass;
        this.rng = new Rng(seed + 1);
    }

    @Override
    public String name() {
        return "bic";
    }

    @Override
    public Dataset trainingData(List<Experience> stream, int index) {
        this.stream = stream;
        return stream.get(index).train();
    }

    @Override
    public void onExperienceStart(TrainingContext c) {
        int k = c.experienceIndex();
        if (k == 0 || c.model().numHeads() > 1 || stream == null) {
            return;
        }
        teacher.snapshot(c.model(), c.stateManager(), this::evaluationModel); // the corrected previous model
        oldMask = Teacher.oldClassMask(stream, k, c.experienceData().numClasses());
        int oldClasses = 0;
        if (oldMask != null) {
            for (float m : oldMask) {
                oldClasses += (int) m;
            }
        }
        distillWeight = oldClasses / (float) (oldClasses + stream.get(k).classes().length);
    }

    @Override
    public Batch adaptBatch(TrainingContext c, Batch batch) {
        return buffer.size() == 0 ? batch : Replay.append(batch, buffer.view(buffer.sample(batch.size())));
    }

    @Override
    public NDArray extraLoss(TrainingContext c, Batch batch, NDArray logits) {
        if (teacher.model() == null || oldMask == null) {
            return null;
        }
        NDArray mask = logits.getManager().create(oldMask, new Shape(1, oldMask.length));
        return Engines.times(Lwf.distillation(logits, teacher.model().forward(batch.inputs(), batch.tasks()), mask, temperature),
                distillWeight);
    }

    @Override
    public void afterUpdate(TrainingContext c, Batch batch) {
        buffer.offer(c.experienceData(), Replay.streamIndices(batch), null);
    }

    @Override
    public void onExperienceEnd(TrainingContext c) {
        int k = c.experienceIndex();
        if (k == 0 || c.model().numHeads() > 1 || stream == null) {
            return;
        }
        int outputs = c.experienceData().numClasses();
        newMask = new float[outputs];
        for (int cls : stream.get(k).classes()) {
            newMask[cls] = 1;
        }
        Dataset validation = validationSet(stream.get(k).train());
        int[] all = Shuffle.range(validation.size());
        float[] logits;
        try (NDManager m = c.stateManager().newSubManager()) {
            logits = c.model().forward(validation.inputs(m, all), validation.tasks(all)).toFloatArray();
        }
        float[] fitted = fitCorrection(logits, validation.labels(), outputs, newMask, 500, 0.5);
        alpha = fitted[0];
        beta = fitted[1];
    }

    /** Up to {@code validationPerClass} samples of each new class and of each class in memory. */
    private Dataset validationSet(Dataset current) {
        List<Dataset> parts = new ArrayList<>();
        int[] perClassNew = new int[current.numClasses()];
        List<Integer> pick = new ArrayList<>();
        for (int i : Shuffle.permutation(current.size(), rng)) {
            if (perClassNew[current.label(i)]++ < validationPerClass) {
                pick.add(i);
            }
        }
        parts.add(current.select(pick.stream().mapToInt(Integer::intValue).toArray()));
        if (buffer.size() > 0) {
            int[] perClassOld = new int[current.numClasses()];
            List<Integer> slots = new ArrayList<>();
            for (int s : buffer.sample(buffer.size())) {
                if (newMask[buffer.label(s)] == 0 && perClassOld[buffer.label(s)]++ < validationPerClass) {
                    slots.add(s);
                }
            }
            if (!slots.isEmpty()) {
                parts.add(buffer.view(slots.stream().mapToInt(Integer::intValue).toArray()));
            }
        }
        return HostDataset.concat("bic-validation", parts);
    }

    /**
     * (α, β) minimizing the mean cross-entropy of logits corrected by {@link #correct} — a convex problem in
     * two variables, solved by gradient descent on the host with exact gradients.
     */
    static float[] fitCorrection(float[] logits, int[] labels, int outputs, float[] newMask, int iterations, double lr) {
        int n = labels.length;
        double a = 1;
        double b = 0;
        double[] z = new double[outputs];
        for (int it = 0; it < iterations; it++) {
            double ga = 0;
            double gb = 0;
            for (int s = 0; s < n; s++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int c = 0; c < outputs; c++) {
                    double o = logits[s * outputs + c];
                    z[c] = newMask[c] == 1 ? a * o + b : o;
                    max = Math.max(max, z[c]);
                }
                double sum = 0;
                for (int c = 0; c < outputs; c++) {
                    z[c] = StrictMath.exp(z[c] - max);
                    sum += z[c];
                }
                for (int c = 0; c < outputs; c++) {
                    if (newMask[c] == 1) {
                        double residual = z[c] / sum - (labels[s] == c ? 1 : 0);
                        ga += residual * logits[s * outputs + c] / n;
                        gb += residual / n;
                    }
                }
            }
            a -= lr * ga;
            b -= lr * gb;
        }
        return new float[] {(float) a, (float) b};
    }

    /** α·o + β on the units where {@code newMask} is 1; the other logits unchanged. */
    public static NDArray correct(NDArray logits, float[] newMask, float alpha, float beta) {
        NDArray mask = logits.getManager().create(newMask, new Shape(1, newMask.length));
        NDArray corrected = logits.mul(alpha).add(beta);
        return corrected.mul(mask).add(logits.mul(mask.neg().add(1f)));
    }

    @Override
    public Model evaluationModel(Model trained) {
        if (newMask == null) {
            return trained;
        }
        float[] mask = newMask.clone();
        float a = alpha;
        float b = beta;
        return new ClassifierView(trained) {
            @Override
            public NDArray forward(NDArray inputs, int[] tasks) {
                return correct(model.forward(inputs, tasks), mask, a, b);
            }

            @Override
            public String describe() {
                return model.describe() + " + bias correction";
            }
        };
    }

    @Override
    public long bufferBytes() {
        return buffer.bytes();
    }

    @Override
    public StateDict exportState() {
        StateDict out = new StateDict();
        buffer.exportTo(out, "buffer.");
        out.putCounter("rng", rng.state());
        if (newMask != null) {
            out.putFloats("new_mask", newMask);
        }
        out.putNumber("alpha", alpha);
        out.putNumber("beta", beta);
        if (oldMask != null) {
            out.putFloats("old_mask", oldMask);
        }
        out.putNumber("distill_weight", distillWeight);
        teacher.exportTo(out, "teacher.");
        return out;
    }

    /** The teacher is read out through the correction in force when it was frozen, which the imported one still is. */
    @Override
    public void importState(StateDict in, TrainingContext c) {
        buffer.importFrom(in, "buffer.", c.experienceData());
        rng.restore(in.counter("rng"));
        newMask = in.has("new_mask") ? in.floats("new_mask") : null;
        alpha = (float) in.number("alpha");
        beta = (float) in.number("beta");
        oldMask = in.has("old_mask") ? in.floats("old_mask") : null;
        distillWeight = (float) in.number("distill_weight");
        teacher.importFrom(in, "teacher.", c.model(), c.stateManager(), this::evaluationModel);
    }
}
