package ai.perennial.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.perennial.core.data.DataSources;
import ai.perennial.core.data.Dataset;
import ai.perennial.core.registry.Component;
import ai.perennial.core.registry.Kind;
import ai.perennial.core.registry.Registered;
import ai.perennial.core.registry.Spec;
import java.util.function.BinaryOperator;
import java.util.function.ToDoubleFunction;

/**
 * Evaluation scores: accuracy and balanced accuracy for classification; R², RMSE and MAE for regression. A score is
 * computed from a few sums that add up over batches on the device ({@link Score#sums}) and one host step at the end
 * ({@link Score#finish}), so a whole test set or a stream of training batches (prequential evaluation) costs one
 * read-back.
 */
public final class Scores {
    /**
     * A score: {@code sums} gives a batch's sufficient statistics as a float64 vector (vectors of successive batches add),
     * {@code finish} the score from the summed statistics (NaN when nothing was summed), {@code higherIsBetter} its
     * direction and {@code label} the short name run summaries print (ACC, R2, ...).
     */
    public record Score(BinaryOperator<NDArray> sumsOf, ToDoubleFunction<double[]> finishFrom, boolean higherIsBetter, String label) {
        public NDArray sums(NDArray outputs, NDArray labels) {
            return sumsOf.apply(outputs, labels);
        }

        public double finish(double[] sums) {
            return finishFrom.applyAsDouble(sums);
        }
    }

    public static final Kind<Void, Score> KIND = Kind.of("score", "scores",
            "evaluation scores: what the accuracy matrix and the continual curves record");

    @Registered
    public static final Component<Void, Score> ACCURACY = Component.of(KIND, "accuracy")
            .summary("share of samples whose largest output is their class (higher is better)")
            .requires(DataSources.CLASS_TARGETS)
            .factory((v, c) -> new Score((outputs, labels) -> stack(outputs.argMax(1).eq(labels).sum(), count(labels)),
                    s -> ratio(s[0], s[1]), true, "ACC"));

    @Registered
    public static final Component<Void, Score> BALANCED_ACCURACY = Component.of(KIND, "balanced-accuracy")
            .summary("mean over the classes present of each class's accuracy (recall): not fooled by a rare class (higher is better)")
            .source("e.g. Brodersen et al. 2010")
            .requires(DataSources.CLASS_TARGETS)
            .factory((v, c) -> new Score(Scores::perClassHits, Scores::meanRecall, true, "BACC"));

    @Registered
    public static final Component<Void, Score> R2 = Component.of(KIND, "r2")
            .summary("coefficient of determination 1 - SSE / SST around the evaluated set's own mean (higher is better, 1 is perfect)")
            .requires(DataSources.NUMERIC_TARGETS)
            .factory((v, c) -> new Score((outputs, targets) -> {
                NDArray y = targets.toType(DataType.FLOAT64, false);
                return stack(residuals(outputs, targets).square().sum(), y.sum(), y.square().sum(), count(targets));
            }, s -> r2(s[0], s[1], s[2], s[3]), true, "R2"));

    @Registered
    public static final Component<Void, Score> RMSE = Component.of(KIND, "rmse")
            .summary("root mean squared error, in the target's units (lower is better)")
            .requires(DataSources.NUMERIC_TARGETS)
            .factory((v, c) -> new Score((outputs, targets) -> stack(residuals(outputs, targets).square().sum(), count(targets)),
                    s -> Math.sqrt(ratio(s[0], s[1])), false, "RMSE"));

    @Registered
    public static final Component<Void, Score> MAE = Component.of(KIND, "mae")
            .summary("mean absolute error, in the target's units (lower is better)")
            .requires(DataSources.NUMERIC_TARGETS)
            .factory((v, c) -> new Score((outputs, targets) -> stack(residuals(outputs, targets).abs().sum(), count(targets)),
                    s -> ratio(s[0], s[1]), false, "MAE"));

    private Scores() {
    }

    /** The score {@code spec} names; {@code null}: accuracy for class labels, R² for numeric targets. */
    public static Score of(String spec, Dataset data) {
        return Spec.build(KIND, Losses.fitting(KIND, spec != null ? spec : defaultFor(data), data, "evaluation.score"), "score");
    }

    /** The name of the score {@code spec} names, or of the default one for {@code data}. */
    public static String name(String spec, Dataset data) {
        return Spec.parse(spec != null ? spec : defaultFor(data), "score").name();
    }

    public static String defaultFor(Dataset data) {
        return (data.regression() ? R2 : ACCURACY).name();
    }

    /**
     * {@code 1 - SSE / SST} with {@code SST = Σy² - (Σy)²/n}; NaN ("not measured") where it is undefined: fewer than two
     * samples, or a constant target (SST = 0).
     */
    public static double r2(double sse, double sumY, double sumY2, double n) {
        double sst = n < 2 ? 0 : Math.max(0, sumY2 - sumY * sumY / n);
        return sst == 0 ? Double.NaN : 1 - sse / sst;
    }

    /** Per class: its samples, then those of them classified right, as one vector of 2 · classes. */
    private static NDArray perClassHits(NDArray outputs, NDArray labels) {
        int classes = (int) outputs.getShape().get(1);
        NDArray ofClass = labels.oneHot(classes).toType(DataType.FLOAT64, false);
        NDArray hit = outputs.argMax(1).eq(labels).toType(DataType.FLOAT64, false).reshape(-1, 1);
        return NDArrays.concat(new NDList(ofClass.sum(new int[] {0}), ofClass.mul(hit).sum(new int[] {0})));
    }

    /** The mean of hits / samples over the classes that have samples. */
    private static double meanRecall(double[] s) {
        int classes = s.length / 2;
        double total = 0;
        int present = 0;
        for (int k = 0; k < classes; k++) {
            if (s[k] > 0) {
                total += s[classes + k] / s[k];
                present++;
            }
        }
        return present == 0 ? Double.NaN : total / present;
    }

    private static double ratio(double sum, double n) {
        return n == 0 ? Double.NaN : sum / n;
    }

    private static NDArray residuals(NDArray outputs, NDArray targets) {
        return Losses.residuals(outputs, targets).toType(DataType.FLOAT64, false);
    }

    private static NDArray count(NDArray labels) {
        return labels.getManager().create((double) labels.getShape().get(0));
    }

    private static NDArray stack(NDArray... scalars) {
        NDList list = new NDList();
        for (NDArray s : scalars) {
            list.add(s.toType(DataType.FLOAT64, false).reshape(1));
        }
        return NDArrays.concat(list);
    }
}
