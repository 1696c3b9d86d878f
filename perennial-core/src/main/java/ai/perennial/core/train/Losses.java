package ai.perennial.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.perennial.core.data.DataSources;
import ai.perennial.core.data.Dataset;
import ai.perennial.core.registry.Component;
import ai.perennial.core.registry.Kind;
import ai.perennial.core.registry.Param;
import ai.perennial.core.registry.Registered;
import ai.perennial.core.registry.Spec;
import ai.perennial.core.registry.Compatibility;
import ai.perennial.core.registry.Registry;
import java.util.List;
import java.util.Set;

/**
 * Training objectives: a {@link Loss} maps the model's outputs and the batch's labels (class ids) or targets (numbers)
 * to a scalar mean loss on the device. Classification trains with cross-entropy, regression with MSE or Huber.
 */
public final class Losses {
    /** A mean loss over the batch: {@code outputs (batch, outputs)}, {@code labels (batch)} int64 class ids or float32 targets. */
    @FunctionalInterface
    public interface Loss {
        NDArray apply(NDArray outputs, NDArray labels);
    }

    public static final Kind<Void, Loss> KIND = Kind.of("loss", "losses", "training objectives: a mean loss of outputs and labels");

    private static final Param<Double> DELTA = Param.number("delta", 1.0, "where the loss turns from quadratic to linear")
            .positive();

    @Registered
    public static final Component<Void, Loss> CROSS_ENTROPY = Component.of(KIND, "cross-entropy")
            .summary("softmax cross-entropy over the outputs: -log softmax(z)[y]")
            .requires(DataSources.CLASS_TARGETS)
            .factory((v, c) -> Losses::crossEntropy);

    @Registered
    public static final Component<Void, Loss> MSE = Component.of(KIND, "mse")
            .summary("mean squared error of the single output against the numeric target: (z - y)^2")
            .requires(DataSources.NUMERIC_TARGETS)
            .factory((v, c) -> Losses::meanSquaredError);

    @Registered
    public static final Component<Void, Loss> HUBER = Component.of(KIND, "huber")
            .summary("Huber loss: (z - y)^2 / 2 within delta of the target, delta (|z - y| - delta / 2) beyond; robust to outliers")
            .source("Huber 1964")
            .params(DELTA)
            .requires(DataSources.NUMERIC_TARGETS)
            .factory((v, c) -> huber(v.get(DELTA)));

    private Losses() {
    }

    /** The loss {@code spec} names (e.g. {@code huber:delta=0.5}); {@code null}: the usual one for {@code data}'s targets. */
    public static Loss of(String spec, Dataset data) {
        return Spec.build(KIND, fitting(KIND, spec != null ? spec : defaultFor(data), data, "training.loss"), "loss");
    }

    /**
     * {@code spec} when the component it names can use {@code data}'s targets (class labels or numbers), else the run's
     * compatibility error naming both ({@code path}: the config key that chose it), for code that trains without a run
     * config.
     */
    static String fitting(Kind<Void, ?> kind, String spec, Dataset data, String path) {
        var c = Registry.global().get(kind, Spec.parse(spec, path).name(), path);
        Compatibility.check(List.of(new Compatibility.Part("dataset " + data.name(), "dataset", "dataset",
                Set.of(DataSources.targets(data.regression())), List.of()), new Compatibility.Part(c.toString(), path, kind.id(),
                Set.of(), c.requires())));
        return spec;
    }

    /** Cross-entropy for class labels, MSE for numeric targets. */
    public static String defaultFor(Dataset data) {
        return (data.regression() ? MSE : CROSS_ENTROPY).name();
    }

    /** Mean softmax cross-entropy: {@code -mean_i log softmax(logits_i)[label_i]}; labels are int64. */
    public static NDArray crossEntropy(NDArray logits, NDArray labels) {
        return logits.logSoftmax(1).get(new NDIndex().addAllDim().addPickDim(labels)).mean().neg();
    }

    /** {@code mean_i (z_i - y_i)^2} for outputs of shape (batch, 1) and targets (batch). */
    public static NDArray meanSquaredError(NDArray outputs, NDArray targets) {
        return residuals(outputs, targets).square().mean();
    }

    /** Mean Huber loss with threshold {@code delta}: quadratic within delta, linear beyond, continuous first derivative. */
    public static Loss huber(double delta) {
        float d = (float) delta;
        return (outputs, targets) -> {
            NDArray r = residuals(outputs, targets).abs();
            NDArray quadratic = r.minimum(d);
            // r <= d: q^2/2; r > d: d^2/2 + d (r - d) = q^2/2 + d (r - q), with q = min(r, d)
            return quadratic.square().mul(0.5f).add(r.sub(quadratic).mul(d)).mean();
        };
    }

    /** {@code z - y} as a vector: the single output column minus the target. */
    static NDArray residuals(NDArray outputs, NDArray targets) {
        return outputs.reshape(-1).sub(targets);
    }
}
