package ai.perennial.cl.strategy.plasticity;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.perennial.cl.strategy.Strategy;
import ai.perennial.cl.strategy.Tensors;
import ai.perennial.core.model.Model;
import ai.perennial.core.model.Units;
import ai.perennial.core.registry.Component;
import ai.perennial.core.registry.Param;
import ai.perennial.core.registry.Registered;
import ai.perennial.core.state.Rng;
import ai.perennial.core.state.StateDict;
import ai.perennial.core.train.Batch;
import ai.perennial.core.train.TrainingContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Continual backprop (Dohare et al. 2024): keeps injecting fresh units. Each hidden unit has a contribution utility
 * u ← η u + (1 − η) · mean|h| · Σ_k |w_out,k| and an age; after every step, a fraction ρ of the units older than the
 * maturity threshold m accumulates (fractionally) into replacements, and that many of the lowest-utility mature units
 * are reset: incoming weights from the init distribution, bias and outgoing weights 0, optimizer state cleared,
 * utility and age 0. Ties in utility go to the lower index.
 */
public final class ContinualBackprop implements Strategy {
    @Registered
    public static final Component<Long, Strategy> CBP = Component.of(KIND, "cbp")
            .summary("continual backprop: reinitialize a small fraction of the least-contributing mature hidden units after each step")
            .source("Dohare et al. 2024")
            .family("plasticity")
            .requires(Model.HIDDEN_UNITS)
            .params(Param.number("replacement_rate", 1e-3, "ρ: replacements per mature unit per step").inClosed(0, 1),
                    Param.number("decay", 0.9, "η: decay of the utility average").inHalfOpen(0, 1),
                    Param.integer("maturity", 100, "m: steps a unit lives before it may be replaced").atLeast(0))
            .factory((v, seed) -> new ContinualBackprop(v.number("replacement_rate"), v.number("decay"), v.integer("maturity"), seed));

    private final double rate;
    private final double decay;
    private final int maturity;
    private final Rng rng;
    private List<Units> layers;
    private List<NDArray> utility;
    private int[][] ages;
    private double[] pending;
    private List<NDArray> activity; // this step's mean |h| per layer, between afterHidden and afterUpdate

    public ContinualBackprop(double rate, double decay, int maturity, long seed) {
        this.rate = rate;
        this.decay = decay;
        this.maturity = maturity;
        this.rng = new Rng(seed);
    }

    @Override
    public String name() {
        return "cbp";
    }

    @Override
    public boolean readsHidden() {
        return true;
    }

    @Override
    public void afterHidden(TrainingContext c, Batch batch, List<NDArray> hidden) {
        activity = new ArrayList<>(hidden.size());
        for (NDArray h : hidden) {
            activity.add(meanAbsolute(h.stopGradient()));
        }
    }

    /** Mean |h| per unit over the batch (and over positions, for a convolution's channels). */
    static NDArray meanAbsolute(NDArray h) {
        NDArray a = h.abs();
        return h.getShape().dimension() == 2 ? a.mean(new int[] {0}) : a.reshape(h.getShape().get(0), h.getShape().get(1), -1).mean(new int[] {2}).mean(new int[] {0});
    }

    /** Σ_k |w_out,k| per unit over every array the layer feeds (read after the update, outside gradient recording). */
    static NDArray outgoingMagnitude(TrainingContext c, Units layer) {
        NDArray sum = null;
        for (int out : layer.outputWeights()) {
            NDArray w = c.model().parameters().get(out).array();
            NDArray m = w.getShape().dimension() == 2 && w.getShape().get(1) == layer.count() ? w.abs().sum(new int[] {0})
                    : w.abs().reshape(w.getShape().get(0), layer.count(), -1).sum(new int[] {0, 2});
            sum = sum == null ? m : sum.addi(m);
        }
        return sum;
    }

    @Override
    public void afterUpdate(TrainingContext c, Batch batch) {
        if (layers == null) {
            init(c);
        }
        for (int l = 0; l < layers.size(); l++) {
            Units layer = layers.get(l);
            NDArray contribution = activity.get(l).mul(outgoingMagnitude(c, layer));
            utility.get(l).muli((float) decay).addi(contribution.muli((float) (1 - decay)));
            int mature = 0;
            for (int j = 0; j < layer.count(); j++) {
                if (++ages[l][j] > maturity) {
                    mature++;
                }
            }
            pending[l] += rate * mature;
            int replace = (int) Math.min(Math.floor(pending[l]), mature);
            if (replace == 0) {
                continue;
            }
            pending[l] -= Math.floor(pending[l]);
            int[] chosen = lowestUtility(utility.get(l).toFloatArray(), ages[l], maturity, replace);
            UnitReset.reset(c, layer, chosen, rng);
            for (int j : chosen) {
                utility.get(l).set(new NDIndex(j), 0f);
                ages[l][j] = 0;
            }
        }
        activity = null;
    }

    /** The {@code k} units older than {@code maturity} with the lowest utility, lower index first among equals; in index order. */
    static int[] lowestUtility(float[] utility, int[] ages, int maturity, int k) {
        boolean[] taken = new boolean[utility.length];
        for (int n = 0; n < k; n++) { // k is a handful: k passes beat a sort
            int best = -1;
            for (int j = 0; j < utility.length; j++) {
                if (ages[j] > maturity && !taken[j] && (best < 0 || Float.compare(utility[j], utility[best]) < 0)) {
                    best = j;
                }
            }
            taken[best] = true;
        }
        int[] out = new int[k];
        int i = 0;
        for (int j = 0; j < utility.length; j++) {
            if (taken[j]) {
                out[i++] = j;
            }
        }
        return out;
    }

    private void init(TrainingContext c) {
        layers = UnitReset.layers(c, name());
        utility = new ArrayList<>();
        ages = new int[layers.size()][];
        pending = new double[layers.size()];
        for (int l = 0; l < layers.size(); l++) {
            NDArray u = c.stateManager().zeros(new Shape(layers.get(l).count()));
            NDScope.unregister(u);
            utility.add(u);
            ages[l] = new int[layers.get(l).count()];
        }
    }

    @Override
    public StateDict exportState() {
        StateDict out = new StateDict();
        out.putCounter("rng", rng.state());
        out.putCounter("layers", layers == null ? -1 : layers.size());
        if (layers != null) {
            out.putDoubles("pending", pending);
            for (int l = 0; l < layers.size(); l++) {
                out.putArray("utility." + l, utility.get(l));
                out.putInts("ages." + l, ages[l]);
            }
        }
        return out;
    }

    @Override
    public void importState(StateDict in, TrainingContext c) {
        rng.restore(in.counter("rng"));
        Tensors.close(utility);
        layers = null;
        utility = null;
        if (in.counter("layers") < 0) {
            return;
        }
        init(c);
        pending = in.doubles("pending");
        for (int l = 0; l < layers.size(); l++) {
            in.copyInto("utility." + l, utility.get(l));
            ages[l] = Arrays.copyOf(in.ints("ages." + l), layers.get(l).count());
        }
    }
}
