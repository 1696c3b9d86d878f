package ai.perennial.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.training.GradientCollector;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.registry.Component;
import ai.perennial.core.registry.Param;
import ai.perennial.core.registry.Registered;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/** Fully connected ReLU network; inputs are flattened. Optionally one output head per task. */
public final class Mlp extends HeadedModel {
    private static final Param<List<Integer>> HIDDEN = Param.integers("hidden", List.of(400, 400), "hidden layer sizes")
            .atLeast(1).atMost(1_000_000);

    @Registered
    public static final Component<Context, Model> MLP = Component.of(Model.KIND, "mlp")
            .summary("fully connected ReLU network over the flattened inputs")
            .params(HIDDEN)
            .provides(v -> v.get(HIDDEN).isEmpty() ? Set.of(NO_HIDDEN_UNITS) : Set.of(HIDDEN_UNITS))
            .factory((v, c) -> new Mlp(c.manager(), Math.toIntExact(c.inputShape().size()),
                    v.get(HIDDEN).stream().mapToInt(Integer::intValue).toArray(), c.outputs(), c.heads(), c.seed()));

    private final int inputs;
    private final int[] hidden;
    private final int outputs;
    private final Parameter[] trunk; // weight, bias pairs of the hidden layers

    public Mlp(NDManager manager, int inputs, int[] hidden, int outputs, int numHeads, long seed) {
        this(new Initializer(manager, seed), inputs, hidden, outputs, numHeads);
    }

    private Mlp(Initializer init, int inputs, int[] hidden, int outputs, int numHeads) {
        super(trunk(init, checked(inputs, hidden), hidden), init, hidden.length == 0 ? inputs : hidden[hidden.length - 1],
                outputs, numHeads);
        this.inputs = inputs;
        this.hidden = hidden.clone();
        this.outputs = outputs;
        this.trunk = parameters().subList(0, 2 * hidden.length).toArray(Parameter[]::new);
    }

    private static int checked(int inputs, int[] hidden) {
        if (inputs <= 0) {
            throw new IllegalArgumentException("MLP needs positive inputs, got " + inputs);
        }
        for (int h : hidden) {
            if (h <= 0) {
                throw new IllegalArgumentException("hidden sizes must be positive, got " + h);
            }
        }
        return inputs;
    }

    private static List<Parameter> trunk(Initializer init, int inputs, int[] hidden) {
        List<Parameter> out = new ArrayList<>();
        int fanIn = inputs;
        for (int l = 0; l < hidden.length; l++) {
            out.add(init.uniform("layer" + l + ".weight", new Shape(hidden[l], fanIn), fanIn, true));
            out.add(init.uniform("layer" + l + ".bias", new Shape(hidden[l]), fanIn, false));
            fanIn = hidden[l];
        }
        return out;
    }

    @Override
    NDArray features(NDArray x, List<NDArray> activations) {
        return activations.isEmpty() ? flat(x) : activations.get(activations.size() - 1);
    }

    @Override
    public List<NDArray> hidden(NDArray x) {
        List<NDArray> out = new ArrayList<>(hidden.length);
        NDArray h = flat(x);
        for (int l = 0; l < hidden.length; l++) {
            h = Activation.relu(layerOps().linear(h, trunk[2 * l], trunk[2 * l + 1]));
            out.add(h);
        }
        return out;
    }

    /**
     * A dense layer's per-sample gradient is an outer product: δ_n a_nᵀ for the weight, δ_n for the bias (δ_n the
     * gradient of ℓ_n at the layer's output, a_n its input). So Σ_n (δ_n a_nᵀ)² = (δ²)ᵀ(a²) and Σ_n |δ_n a_nᵀ| = |δ|ᵀ|a|:
     * one forward and backward pass over the batch, with a zero "probe" added to every layer's output whose gradient is
     * δ, and one matrix product per layer. Samples do not interact in this network, so the summed objective's gradient
     * at the probe has sample n's δ_n in row n. A batch mixing the tasks of several heads is left to the caller.
     */
    @Override
    public Optional<List<NDArray>> perSampleGradientSums(NDArray inputs, int[] tasks, Function<NDArray, NDArray> objective,
            boolean squared) {
        if (layerOps() != LayerOps.PLAIN) {
            return Optional.empty(); // the closed form below assumes plain dense layers
        }
        int head = numHeads() == 1 ? 0 : checkTask(tasks[0]);
        for (int t : tasks) {
            if (numHeads() > 1 && checkTask(t) != head) {
                return Optional.empty();
            }
        }
        Parameter[] headParams = headParameters(head);
        NDManager m = inputs.getManager();
        long batch = inputs.getShape().get(0);
        List<NDArray> layerInputs = new ArrayList<>();
        List<NDArray> probes = new ArrayList<>();
        try (GradientCollector collector = Engines.newGradientCollector()) {
            NDArray a = flat(inputs);
            for (int l = 0; l <= hidden.length; l++) {
                NDArray w = (l < hidden.length ? trunk[2 * l] : headParams[0]).array().stopGradient();
                NDArray b = (l < hidden.length ? trunk[2 * l + 1] : headParams[1]).array().stopGradient();
                layerInputs.add(a.stopGradient());
                NDArray probe = m.zeros(new Shape(batch, w.getShape().get(0)));
                probe.setRequiresGradient(true);
                probes.add(probe);
                NDArray z = Linear.linear(a, w, b).singletonOrThrow().add(probe);
                a = l < hidden.length ? Activation.relu(z) : z;
            }
            collector.backward(objective.apply(a));
        }
        List<Parameter> params = parameters();
        List<NDArray> out = new ArrayList<>(params.size());
        for (Parameter p : params) {
            out.add(m.zeros(p.array().getShape())); // the heads of other tasks get no gradient
        }
        for (int l = 0; l <= hidden.length; l++) {
            NDArray delta = probes.get(l).getGradient();
            NDArray x = layerInputs.get(l);
            NDArray dp = squared ? delta.square() : delta.abs();
            NDArray xp = squared ? x.square() : x.abs();
            int weight = l < hidden.length ? 2 * l : params.indexOf(headParams[0]);
            out.set(weight, dp.transpose().matMul(xp));
            out.set(weight + 1, dp.sum(new int[] {0}));
        }
        return Optional.of(out);
    }

    private NDArray flat(NDArray x) {
        return x.getShape().dimension() == 2 ? x : x.reshape(x.getShape().get(0), inputs);
    }

    @Override
    List<Units> trunkUnits() {
        List<Units> out = new ArrayList<>();
        long fanIn = inputs;
        for (int l = 0; l < hidden.length; l++) {
            List<Integer> next = l + 1 < hidden.length ? List.of(2 * (l + 1)) : List.of();
            out.add(new Units("layer" + l, hidden[l], 2 * l, 2 * l + 1, next, fanIn));
            fanIn = hidden[l];
        }
        return out;
    }

    @Override
    public Model frozenCopy(NDManager manager) {
        return frozen(new Mlp(manager, inputs, hidden, outputs, numHeads(), 0));
    }

    @Override
    public String describe() {
        String sizes = IntStream.of(hidden).mapToObj(Integer::toString).collect(Collectors.joining("-"));
        return "mlp " + inputs + (sizes.isEmpty() ? "" : "-" + sizes) + "-" + outputs + headSuffix();
    }
}
