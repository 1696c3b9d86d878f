package ai.perennial.cl.strategy.regularization;

import ai.perennial.core.data.DataSources;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.perennial.cl.scenario.Experience;
import ai.perennial.cl.strategy.Strategy;
import ai.perennial.cl.strategy.Teacher;
import ai.perennial.core.data.Dataset;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.model.Model;
import ai.perennial.core.registry.Component;
import ai.perennial.core.registry.Param;
import ai.perennial.core.registry.Registered;
import ai.perennial.core.state.StateDict;
import ai.perennial.core.train.Batch;
import ai.perennial.core.train.TrainingContext;
import java.util.List;

/**
 * Learning without forgetting (Li &amp; Hoiem 2016): before each new experience the model is frozen as a
 * teacher; training adds α·T²·KL(softmax(z_old/T) ‖ softmax(z_new/T)) on the current inputs, over the
 * old outputs: the previously seen classes with one shared head, each old task's head with one head per
 * task, all outputs when every experience shares the classes (domain-incremental).
 *
 * <p>Conventions differ on the T² factor (Hinton et al.'s, which keeps the distillation gradient's scale independent of
 * T): {@code t_squared: true} (the default) multiplies by it, {@code false} gives α·KL as several PyTorch libraries do,
 * so the same α is T² times weaker there.
 */
public final class Lwf implements Strategy {
    @Registered
    public static final Component<Long, Strategy> LWF = Component.of(KIND, "lwf")
            .summary("learning without forgetting: distill a frozen copy's old outputs on the current inputs, α·T²·KL")
            .source("Li & Hoiem 2016")
            .family("regularization")
            .requires(DataSources.CLASS_TARGETS)
            .params(Param.number("alpha", 1.0, "weight α of the distillation term").positive(),
                    Param.number("temperature", 2.0, "softmax temperature T").positive(),
                    Param.flag("t_squared", true, "multiply the distillation term by T² (false: α·KL, the convention of several libraries)"))
            .factory((v, seed) -> new Lwf(v.number("alpha") / (v.flag("t_squared") ? 1 : v.number("temperature") * v.number("temperature")),
                    v.number("temperature")));

    private final double alpha;
    private final double temperature;
    private List<Experience> stream;
    private final Teacher teacher = new Teacher();
    private float[] oldClassMask;   // shared head: 1 for classes seen before, else 0; null for all
    private int[] oldHeads;         // several heads: the task ids seen before

    /** @param alpha the weight of the T²-scaled term ({@code α / T²} gives the convention without T²) */
    public Lwf(double alpha, double temperature) {
        this.alpha = alpha;
        this.temperature = temperature;
    }

    @Override
    public String name() {
        return "lwf";
    }

    @Override
    public Dataset trainingData(List<Experience> stream, int index) {
        this.stream = stream;
        return stream.get(index).train();
    }

    @Override
    public void onExperienceStart(TrainingContext c) {
        int k = c.experienceIndex();
        if (k == 0 || stream == null) {
            return;
        }
        teacher.snapshot(c.model(), c.stateManager(), m -> m);
        if (c.model().numHeads() > 1) {
            oldHeads = stream.subList(0, k).stream().mapToInt(e -> e.train().task(0)).distinct().toArray();
            return;
        }
        oldClassMask = Teacher.oldClassMask(stream, k, c.experienceData().numClasses());
    }

    @Override
    public NDArray extraLoss(TrainingContext c, Batch batch, NDArray logits) {
        if (teacher.model() == null) {
            return null;
        }
        Model old = teacher.model();
        NDArray x = batch.inputs();
        if (oldHeads != null) {
            // one trunk pass per model, then every old head reads the same features
            NDArray current = c.model().features(x);
            NDArray previous = old.features(x);
            NDArray total = null;
            for (int head : oldHeads) {
                NDArray term = distillation(c.model().readOut(current, head), old.readOut(previous, head), null, temperature);
                total = total == null ? term : total.add(term);
            }
            return Engines.times(total, alpha);
        }
        NDArray mask = oldClassMask == null ? null : x.getManager().create(oldClassMask, new Shape(1, oldClassMask.length));
        return Engines.times(distillation(logits, old.forward(x, batch.tasks()), mask, temperature), alpha);
    }

    /**
     * T² · mean over the batch of KL(p_old ‖ p_new), p = softmax(z/T) over the units where {@code mask} is 1
     * (all units when {@code mask} is null).
     */
    public static NDArray distillation(NDArray newLogits, NDArray oldLogits, NDArray mask, double temperature) {
        NDArray zNew = Engines.dividedBy(newLogits, temperature);
        NDArray zOld = Engines.dividedBy(oldLogits, temperature);
        if (mask != null) {
            // units outside the mask get a very negative logit: probability 0 in both distributions
            NDArray offset = mask.sub(1f).mul(1e9f);
            zNew = zNew.add(offset);
            zOld = zOld.add(offset);
        }
        NDArray logOld = zOld.logSoftmax(1);
        NDArray pOld = logOld.exp();
        NDArray kl = pOld.mul(logOld.sub(zNew.logSoftmax(1))).sum(new int[] {1});
        return Engines.times(kl.mean(), temperature * temperature);
    }

    /** The frozen teacher and which outputs it speaks for. */
    @Override
    public StateDict exportState() {
        StateDict out = new StateDict();
        teacher.exportTo(out, "teacher.");
        if (oldClassMask != null) {
            out.putFloats("old_class_mask", oldClassMask);
        }
        if (oldHeads != null) {
            out.putInts("old_heads", oldHeads);
        }
        return out;
    }

    @Override
    public void importState(StateDict in, TrainingContext c) {
        teacher.importFrom(in, "teacher.", c.model(), c.stateManager(), m -> m);
        oldClassMask = in.has("old_class_mask") ? in.floats("old_class_mask") : null;
        oldHeads = in.has("old_heads") ? in.ints("old_heads") : null;
    }
}
