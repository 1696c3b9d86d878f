package ai.perennial.core.lowrank;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.perennial.core.PerennialException;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.model.LayerOps;
import ai.perennial.core.model.Model;
import ai.perennial.core.model.Parameter;
import ai.perennial.core.model.Units;
import ai.perennial.core.state.Rng;
import ai.perennial.core.state.StateDict;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * A model whose dense and convolutional layers carry LoRA adapters ({@link Lora}): the base model computes as before, and
 * its layers, routed through a {@link LayerOps} decorator, add {@code s·(x·Aᵀ)·Bᵀ} (a convolution with A's r filters
 * followed by a 1×1 convolution with B) to whatever the base's own layer ops compute, so quantized or otherwise replaced
 * layer ops keep working underneath. {@link #parameters()} are the adapters (and the output heads when they are not
 * adapted); every other weight of the base is {@link #frozen()} and records no gradient.
 *
 * <p>{@link #merge()} folds the adapters into the base weights for inference and {@link #unmerge()} restores the base bit
 * for bit from copies kept while merged; {@link #exportState()} carries that (the adapters and the frozen weights travel
 * as the model's parameters and frozen weights). Hidden units are not addressable ({@link #units()} is empty): the base's
 * units are frozen.
 */
public final class LoraModel implements Model {
    /** One adapted layer: its frozen weight and the factors A (r × fan-in) and B (out × r). */
    public record Adapter(Parameter weight, Parameter a, Parameter b) {
        /** Whether the layer is a convolution (weight {@code (out, in, k, k)}). */
        public boolean convolution() {
            return weight.array().getShape().dimension() == 4;
        }

        /** Inputs per output: {@code in}, or {@code in·k·k} for a convolution. */
        public long fanIn() {
            return a.array().getShape().get(1);
        }
    }

    private final Model base;
    private final double scale;
    private final List<Adapter> adapters;
    private final Map<String, Adapter> byWeight = new LinkedHashMap<>();
    private final List<Parameter> trainable;
    private final List<Parameter> frozen;
    private final AdapterOps ops;
    private NDArray[] unmerged; // the base weights as they were before merge(); null when not merged

    LoraModel(Model base, int rank, double scale, boolean adaptHeads, long seed) {
        if (base.frozen().size() > 0) {
            throw new IllegalArgumentException("the model already has frozen weights (adapters): wrap a plain model");
        }
        this.base = base;
        this.scale = scale;
        Rng rng = new Rng(seed);
        List<Adapter> found = new ArrayList<>();
        List<Parameter> train = new ArrayList<>();
        List<Parameter> keep = new ArrayList<>();
        for (Parameter p : base.parameters()) {
            boolean head = p.name().startsWith("head");
            int dims = p.array().getShape().dimension();
            if (p.decays() && (dims == 2 || dims == 4) && (!head || adaptHeads)) {
                long out = p.array().getShape().get(0);
                long fanIn = p.array().getShape().size() / out;
                if (rank >= Math.min(out, fanIn)) {
                    throw new PerennialException("training.lora.rank: " + rank + " is not below the size of layer " + p.name() + " ("
                            + out + " × " + fanIn + "), so its adapter would not be low-rank; choose a rank below " + Math.min(out, fanIn));
                }
                Adapter adapter = adapter(p, rank, rng);
                found.add(adapter);
                byWeight.put(p.name(), adapter);
                train.add(adapter.a());
                train.add(adapter.b());
                keep.add(p);
            } else if (head && !adaptHeads) {
                train.add(p);
            } else {
                keep.add(p);
            }
        }
        if (found.isEmpty()) {
            throw new PerennialException("training.lora.layers: " + base.describe() + " has no hidden layer to adapt; set layers: all"
                    + " to adapt its output layer");
        }
        for (Parameter p : keep) {
            p.array().setRequiresGradient(false);
        }
        this.adapters = Collections.unmodifiableList(found);
        this.trainable = Collections.unmodifiableList(train);
        this.frozen = Collections.unmodifiableList(keep);
        this.ops = new AdapterOps(base.layerOps());
        base.setLayerOps(ops);
    }

    private static Adapter adapter(Parameter weight, int rank, RandomGenerator rng) {
        Shape shape = weight.array().getShape();
        long out = shape.get(0);
        long fanIn = shape.size() / out;
        NDManager manager = weight.array().getManager();
        Parameter a = leaf(manager, factorA(weight.name()), uniform(rank * fanIn, fanIn, rng), new Shape(rank, fanIn));
        Parameter b = leaf(manager, factorB(weight.name()), new float[Math.toIntExact(out * rank)], new Shape(out, rank));
        return new Adapter(weight, a, b);
    }

    /** The name of the A factor of the adapter on weight {@code weightName}: {@code layer0.weight} → {@code layer0.lora_a}. */
    public static String factorA(String weightName) {
        return layer(weightName) + ".lora_a";
    }

    /** The name of the B factor of the adapter on weight {@code weightName}. */
    public static String factorB(String weightName) {
        return layer(weightName) + ".lora_b";
    }

    private static String layer(String weightName) {
        return weightName.endsWith(".weight") ? weightName.substring(0, weightName.length() - ".weight".length()) : weightName;
    }

    /** U(−1/√fanIn, 1/√fanIn), as PyTorch's default layer initialization and the LoRA reference code draw A. */
    private static float[] uniform(long size, long fanIn, RandomGenerator rng) {
        double bound = 1.0 / Math.sqrt(fanIn);
        float[] values = new float[Math.toIntExact(size)];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) ((2 * rng.nextDouble() - 1) * bound);
        }
        return values;
    }

    private static Parameter leaf(NDManager manager, String name, float[] values, Shape shape) {
        NDArray array = Engines.owned(manager.create(values, shape));
        NDScope.unregister(array);
        array.setName(name);
        array.setRequiresGradient(true);
        return new Parameter(name, array, true);
    }

    /** The model the adapters sit on. */
    public Model base() {
        return base;
    }

    public List<Adapter> adapters() {
        return adapters;
    }

    /** The factor s = α/r of B·A. */
    public double scale() {
        return scale;
    }

    /** Whether the adapters are folded into the base weights ({@link #merge}). */
    public boolean merged() {
        return unmerged != null;
    }

    /** s·B·A in the weight's shape, not recording gradients (a temporary of the caller's scope). */
    public NDArray delta(Adapter adapter) {
        NDArray product = adapter.b().array().stopGradient().matMul(adapter.a().array().stopGradient());
        return Engines.times(product, scale).reshape(adapter.weight().array().getShape());
    }

    /**
     * Folds every adapter into its base weight (W0 ← W0 + s·B·A) and keeps the base as it was, so {@link #unmerge} restores
     * it exactly; while merged the layers read the folded weights alone. Nothing happens when already merged.
     */
    public void merge() {
        if (merged()) {
            return;
        }
        NDArray[] saved = new NDArray[adapters.size()];
        try (NDScope scope = new NDScope()) {
            for (int i = 0; i < saved.length; i++) {
                NDArray w = adapters.get(i).weight().array();
                saved[i] = w.duplicate();
                NDScope.unregister(saved[i]);
                w.addi(delta(adapters.get(i)));
            }
        }
        unmerged = saved;
    }

    /** Puts the base weights back bit for bit as they were before {@link #merge}; nothing happens when not merged. */
    public void unmerge() {
        if (!merged()) {
            return;
        }
        for (int i = 0; i < unmerged.length; i++) {
            Engines.overwrite(adapters.get(i).weight().array(), unmerged[i]);
            unmerged[i].close();
        }
        unmerged = null;
    }

    /** A fresh start for every adapter: B = 0 (the model computes the base alone) and A drawn anew from {@code rng}. */
    public void reinitialize(RandomGenerator rng) {
        for (Adapter ad : adapters) {
            Engines.overwrite(ad.a().array(), uniform(ad.a().array().getShape().size(), ad.fanIn(), rng));
            Engines.overwrite(ad.b().array(), new float[Math.toIntExact(ad.b().array().getShape().size())]);
        }
    }

    /**
     * ReLoRA's restart: every adapter merged into its base weight for good (W0 ← W0 + s·B·A), then {@link #reinitialize}d
     * from {@code rng}. The model computes the same function, up to the rounding of the merge.
     */
    public void mergeAndRestart(RandomGenerator rng) {
        if (merged()) {
            throw new IllegalStateException("unmerge the adapters before a restart");
        }
        try (NDScope scope = new NDScope()) {
            for (Adapter ad : adapters) {
                ad.weight().array().addi(delta(ad));
            }
        }
        reinitialize(rng);
    }

    /** Positions of the adapters' factors in {@link #parameters()}: A, B of each adapter in turn. */
    public int[] adapterIndices() {
        int[] out = new int[2 * adapters.size()];
        for (int i = 0; i < adapters.size(); i++) {
            out[2 * i] = trainable.indexOf(adapters.get(i).a());
            out[2 * i + 1] = trainable.indexOf(adapters.get(i).b());
        }
        return out;
    }

    /** Whether the adapters are merged and, if so, the base weights kept for {@link #unmerge}. */
    public StateDict exportState() {
        StateDict out = new StateDict();
        out.putCounter("merged", merged() ? 1 : 0);
        if (merged()) {
            for (int i = 0; i < unmerged.length; i++) {
                out.putArray("unmerged." + i, unmerged[i]);
            }
        }
        return out;
    }

    /** Restores {@link #exportState} (the frozen weights themselves are restored with the model's other weights). */
    public void importState(StateDict in) {
        if (merged()) {
            for (NDArray saved : unmerged) {
                saved.close();
            }
            unmerged = null;
        }
        if (in.counter("merged") == 1) {
            NDArray[] saved = new NDArray[adapters.size()];
            for (int i = 0; i < saved.length; i++) {
                NDArray w = adapters.get(i).weight().array();
                saved[i] = w.getManager().zeros(w.getShape());
                NDScope.unregister(saved[i]);
                in.copyInto("unmerged." + i, saved[i]);
            }
            unmerged = saved;
        }
    }

    @Override
    public List<Parameter> parameters() {
        return trainable;
    }

    @Override
    public List<Parameter> frozen() {
        return frozen;
    }

    @Override
    public List<Parameter> buffers() {
        return base.buffers();
    }

    @Override
    public Mode mode() {
        return base.mode();
    }

    @Override
    public void setMode(Mode mode) {
        base.setMode(mode);
    }

    @Override
    public NDArray forward(NDArray inputs, int[] tasks) {
        return base.forward(inputs, tasks);
    }

    @Override
    public int numHeads() {
        return base.numHeads();
    }

    @Override
    public NDArray features(NDArray inputs) {
        return base.features(inputs);
    }

    @Override
    public List<NDArray> hidden(NDArray inputs) {
        return base.hidden(inputs);
    }

    @Override
    public Pass forwardWithHidden(NDArray inputs, int[] tasks) {
        return base.forwardWithHidden(inputs, tasks);
    }

    /** None: the base's units are frozen, and unit-level methods would address the base's parameters, not these. */
    @Override
    public List<Units> units() {
        return List.of();
    }

    @Override
    public NDArray readOut(NDArray features, int head) {
        return base.readOut(features, head);
    }

    /** How the base layers compute underneath the adapters. */
    @Override
    public LayerOps layerOps() {
        return ops.inner;
    }

    /** Replaces how the base layers compute (e.g. quantized operands); the adapters stay on top. */
    @Override
    public void setLayerOps(LayerOps layerOps) {
        ops.inner = java.util.Objects.requireNonNull(layerOps, "layerOps");
    }

    @Override
    public String describe() {
        return base.describe() + " + LoRA r=" + adapters.get(0).a().array().getShape().get(0) + " on " + adapters.size() + " layers";
    }

    /** The base with the adapters folded into its weights (the same function, up to rounding), frozen, with plain layer ops. */
    @Override
    public Model frozenCopy(NDManager manager) {
        Model copy = base.frozenCopy(manager);
        if (!merged()) {
            List<Parameter> from = base.parameters();
            try (NDScope scope = new NDScope()) {
                for (Adapter ad : adapters) {
                    copy.parameters().get(from.indexOf(ad.weight())).array().addi(delta(ad));
                }
            }
        }
        return copy;
    }

    /** Adds the adapters' term to what the base's layer ops compute. */
    private final class AdapterOps implements LayerOps {
        private LayerOps inner;

        AdapterOps(LayerOps inner) {
            this.inner = inner;
        }

        @Override
        public NDArray linear(NDArray x, Parameter weight, Parameter bias) {
            NDArray y = inner.linear(x, weight, bias);
            Adapter ad = merged() ? null : byWeight.get(weight.name());
            if (ad == null) {
                return y;
            }
            NDArray low = Linear.linear(x, ad.a().array(), null).singletonOrThrow();
            return y.add(scaled(Linear.linear(low, ad.b().array(), null).singletonOrThrow()));
        }

        @Override
        public NDArray conv2d(NDArray x, Parameter weight, Parameter bias, int stride, int padding) {
            NDArray y = inner.conv2d(x, weight, bias, stride, padding);
            Adapter ad = merged() ? null : byWeight.get(weight.name());
            if (ad == null) {
                return y;
            }
            Shape w = weight.array().getShape();
            long rank = ad.a().array().getShape().get(0);
            NDArray filters = ad.a().array().reshape(rank, w.get(1), w.get(2), w.get(3));
            NDArray low = Conv2d.conv2d(x, filters, null, new Shape(stride, stride), new Shape(padding, padding), new Shape(1, 1), 1)
                    .singletonOrThrow();
            NDArray mix = ad.b().array().reshape(w.get(0), rank, 1, 1);
            NDArray delta = Conv2d.conv2d(low, mix, null, new Shape(1, 1), new Shape(0, 0), new Shape(1, 1), 1).singletonOrThrow();
            return y.add(scaled(delta));
        }

        private NDArray scaled(NDArray delta) {
            return scale == 1 ? delta : Engines.times(delta, scale);
        }
    }
}
