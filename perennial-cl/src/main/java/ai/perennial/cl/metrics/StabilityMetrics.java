package ai.perennial.cl.metrics;

import java.util.List;

/**
 * Worst-case metrics over continual evaluation (De Lange, van de Ven &amp; Tuytelaars, "Continual
 * evaluation for lifelong learning: identifying the stability gap", 2023). The curve holds accuracy on
 * fixed evaluation subsets of every experience, measured every few steps.
 *
 * <ul>
 *   <li>min-ACC = mean over experiences k that were followed by later training, of the minimum accuracy
 *       on k measured after k's training ended: min_{n &gt; end_k} A_k(n).</li>
 *   <li>WC-ACC = (1/T)·A_T(final) + (1 − 1/T)·min-ACC, the worst-case accuracy at the end of the stream
 *       (T experiences, A_T the accuracy on the last one).</li>
 *   <li>Windowed forgetting WF^w = mean over those k of the largest drop max(A_k(m) − A_k(n)) over
 *       evaluation points m ≤ n within w steps of each other, both at or after end_k (NaN where no
 *       point follows end_k, as for min-ACC).</li>
 * </ul>
 */
public final class StabilityMetrics {
    private StabilityMetrics() {
    }

    /** One continual-evaluation measurement: after {@code step} optimizer steps, accuracy per experience. */
    public record EvalPoint(long step, int trainingExperience, double[] accuracies) {
    }

    /**
     * @param endSteps the global step at which training on each experience ended (T entries)
     */
    public static double minAccuracy(List<EvalPoint> curve, long[] endSteps) {
        int t = endSteps.length;
        double sum = 0;
        int count = 0;
        for (int k = 0; k < t - 1; k++) {
            double min = Double.POSITIVE_INFINITY;
            for (EvalPoint p : curve) {
                if (p.step() > endSteps[k]) {
                    min = Math.min(min, p.accuracies()[k]);
                }
            }
            if (min != Double.POSITIVE_INFINITY) {
                sum += min;
                count++;
            }
        }
        return count == 0 ? Double.NaN : sum / count;
    }

    public static double worstCaseAccuracy(List<EvalPoint> curve, long[] endSteps) {
        int t = endSteps.length;
        if (curve.isEmpty() || t == 0) {
            return Double.NaN; // nothing finished yet
        }
        double last = curve.get(curve.size() - 1).accuracies()[t - 1];
        if (t == 1) {
            return last;
        }
        return last / t + (1 - 1.0 / t) * minAccuracy(curve, endSteps);
    }

    public static double windowedForgetting(List<EvalPoint> curve, long[] endSteps, long window) {
        int t = endSteps.length;
        double sum = 0;
        int count = 0;
        for (int k = 0; k < t - 1; k++) {
            double worst = 0;
            boolean any = false;
            for (int n = 0; n < curve.size(); n++) {
                EvalPoint later = curve.get(n);
                if (later.step() < endSteps[k]) {
                    continue;
                }
                // like min-ACC, the metric exists only where the stream went on after experience k
                any |= later.step() > endSteps[k];
                for (int m = n - 1; m >= 0; m--) {
                    EvalPoint earlier = curve.get(m);
                    if (earlier.step() < endSteps[k] || later.step() - earlier.step() > window) {
                        break;
                    }
                    worst = Math.max(worst, earlier.accuracies()[k] - later.accuracies()[k]);
                }
            }
            if (any) {
                sum += worst;
                count++;
            }
        }
        return count == 0 ? Double.NaN : sum / count;
    }
}
