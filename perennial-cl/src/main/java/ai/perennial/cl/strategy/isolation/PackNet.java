package ai.perennial.cl.strategy.isolation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.perennial.cl.scenario.Scenario;
import ai.perennial.cl.strategy.Strategy;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.model.Model;
import ai.perennial.core.model.Parameter;
import ai.perennial.core.model.Units;
import ai.perennial.core.registry.Component;
import ai.perennial.core.registry.Param;
import ai.perennial.core.registry.Registered;
import ai.perennial.core.sparsity.Masks;
import ai.perennial.core.state.StateDict;
import ai.perennial.core.train.Batch;
import ai.perennial.core.train.TrainingContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * PackNet (Mallya &amp; Lazebnik 2018): parameter isolation by iterative pruning. Each task trains the trunk weights no
 * earlier task owns; at its end, the largest-magnitude {@code 1 − prune} of those (per layer) become the task's own and
 * are frozen for good, the rest are set to zero and freed for the next task. Task t is evaluated with only the weights
 * owned by tasks ≤ t, so later tasks cannot change its predictions: no forgetting, at the cost of capacity.
 *
 * <p>Trunk biases train in the first task only (as in the paper); each task's head trains with its task. Frozen entries
 * are restored after every update, so no optimizer (momentum, Adam's moments, weight decay) can move them. Left out: the
 * short retraining after each pruning that the paper adds.
 */
public final class PackNet implements Strategy {
    @Registered
    public static final Component<Long, Strategy> PACKNET = Component.of(KIND, "packnet")
            .summary("parameter isolation: after each task keep its largest free weights (per layer), freeze them, free the rest")
            .source("Mallya & Lazebnik 2018")
            .family("isolation")
            .requires(Scenario.TASK_INCREMENTAL)
            .requires(Model.HIDDEN_UNITS)
            .params(Param.number("prune", 0.5, "fraction of a task's trained free weights released for later tasks").inOpen(0, 1))
            .factory((v, seed) -> new PackNet(v.number("prune")));

    private static final float FREE = -1f;

    private final double prune;
    private int[] trunkWeights;       // parameter indices of the trunk's weight matrices
    private int[] trunkBiases;
    private float[][] owner;          // per trunk weight: the owning task, or FREE
    private NDArray[] keep;           // per parameter: 1 where this task may train, 0 where frozen (null: all trainable)
    private NDArray[] frozenPart;     // per parameter: the frozen values where keep is 0, else 0

    public PackNet(double prune) {
        this.prune = prune;
    }

    @Override
    public String name() {
        return "packnet";
    }

    private void layout(Model model) {
        if (trunkWeights != null) {
            return;
        }
        List<Units> units = model.units();
        trunkWeights = units.stream().mapToInt(Units::inputWeight).toArray();
        trunkBiases = units.stream().mapToInt(Units::inputBias).toArray();
        owner = new float[trunkWeights.length][];
        for (int l = 0; l < trunkWeights.length; l++) {
            owner[l] = new float[Math.toIntExact(model.parameters().get(trunkWeights[l]).array().getShape().size())];
            Arrays.fill(owner[l], FREE);
        }
    }

    @Override
    public void onExperienceStart(TrainingContext c) {
        layout(c.model());
        freezeFor(c, c.taskId());
    }

    /** What task {@code task} may train, and the values it must leave in place. */
    private void freezeFor(TrainingContext c, int task) {
        release();
        List<Parameter> params = c.model().parameters();
        keep = new NDArray[params.size()];
        frozenPart = new NDArray[params.size()];
        NDManager m = c.stateManager();
        for (int i = 0; i < params.size(); i++) {
            float[] trainable = trainable(params, i, task);
            if (trainable == null) {
                continue;
            }
            NDArray w = params.get(i).array();
            keep[i] = m.create(trainable, w.getShape());
            frozenPart[i] = w.duplicate().muli(keep[i].neg().addi(1f));
            NDScope.unregister(keep[i], frozenPart[i]);
        }
    }

    /** 1 where task {@code task} trains entry j of parameter i; {@code null} when it trains all of it. */
    private float[] trainable(List<Parameter> params, int i, int task) {
        int size = Math.toIntExact(params.get(i).array().getShape().size());
        for (int l = 0; l < trunkWeights.length; l++) {
            if (trunkWeights[l] == i) {
                float[] out = new float[size];
                for (int j = 0; j < size; j++) {
                    out[j] = owner[l][j] == FREE ? 1f : 0f;
                }
                return out;
            }
        }
        for (int b : trunkBiases) {
            if (b == i) {
                return task == 0 ? null : new float[size];
            }
        }
        String name = params.get(i).name();
        boolean ownHead = name.startsWith("head" + task + ".") || name.startsWith("head.");
        return ownHead ? null : new float[size];
    }

    @Override
    public void afterUpdate(TrainingContext c, Batch batch) {
        List<Parameter> params = c.model().parameters();
        for (int i = 0; i < params.size(); i++) {
            if (keep[i] != null) {
                // w·1 + 0 = w and 0·w + f = f exactly, so trained entries are untouched and frozen ones restored bit for bit
                params.get(i).array().muli(keep[i]).addi(frozenPart[i]);
            }
        }
    }

    @Override
    public void onExperienceEnd(TrainingContext c) {
        List<Parameter> params = c.model().parameters();
        int task = c.taskId();
        for (int l = 0; l < trunkWeights.length; l++) {
            NDArray w = params.get(trunkWeights[l]).array();
            float[] values = w.toFloatArray();
            float[] free = new float[values.length];
            int freeCount = 0;
            for (int j = 0; j < values.length; j++) {
                free[j] = owner[l][j] == FREE ? 1f : 0f;
                freeCount += (int) free[j];
            }
            double sparsity = 1 - (1 - prune) * freeCount / (double) values.length;
            float[] kept = Masks.magnitude(new float[][] {values}, new boolean[] {true}, new float[][] {free}, sparsity,
                    Masks.Scope.LAYER)[0];
            for (int j = 0; j < values.length; j++) {
                if (kept[j] == 1f) {
                    owner[l][j] = task;
                } else if (owner[l][j] == FREE) {
                    values[j] = 0f;
                }
            }
            Engines.overwrite(w, values);
        }
        release();
    }

    private void release() {
        if (keep != null) {
            for (int i = 0; i < keep.length; i++) {
                if (keep[i] != null) {
                    keep[i].close();
                    frozenPart[i].close();
                }
            }
        }
        keep = null;
        frozenPart = null;
    }

    /** Each task's samples read out through the trunk weights owned by tasks up to it (free ones too for the task in training). */
    @Override
    public Model evaluationModel(Model trained) {
        return trunkWeights == null ? trained : new OwnedWeightsView(trained, this);
    }

    /** The trunk-weight masks of task {@code task}: owner in [0, task], or free while {@code task} is the one training. */
    List<NDArray> masksFor(Model model, int task, boolean training, NDManager m) {
        List<NDArray> out = new ArrayList<>();
        for (int l = 0; l < trunkWeights.length; l++) {
            float[] mask = new float[owner[l].length];
            for (int j = 0; j < mask.length; j++) {
                float o = owner[l][j];
                mask[j] = (o >= 0 && o <= task) || (training && o == FREE) ? 1f : 0f;
            }
            out.add(m.create(mask, model.parameters().get(trunkWeights[l]).array().getShape()));
        }
        return out;
    }

    int[] trunkWeights() {
        return trunkWeights;
    }

    /** Whether task {@code task} owns nothing yet (it is the one in training, or later). */
    boolean notYetPacked(int task) {
        for (float[] o : owner) {
            for (float v : o) {
                if (v == task) {
                    return false;
                }
            }
        }
        return true;
    }

    @Override
    public StateDict exportState() {
        StateDict out = new StateDict();
        if (owner != null) {
            for (int l = 0; l < owner.length; l++) {
                out.putFloats("owner." + l, owner[l]);
            }
        }
        return out;
    }

    @Override
    public void importState(StateDict in, TrainingContext c) {
        layout(c.model());
        if (in.isEmpty()) {
            return;
        }
        for (int l = 0; l < owner.length; l++) {
            owner[l] = in.floats("owner." + l);
        }
        // inside an experience, the frozen entries hold their frozen values: the snapshot is the current weights
        freezeFor(c, c.taskId());
    }
}
