package ai.perennial.spark;

import ai.perennial.core.state.StateDict;
import java.util.List;
import java.util.function.Predicate;

/**
 * The mean of the workers' copies of each float tensor a predicate picks, summed in double precision in worker order.
 * A fixed order makes a round's average a function of the workers' results alone — float addition is not associative,
 * and Spark hands results over in the order tasks finish — and K identical copies average to themselves exactly.
 */
public final class ParameterAverage {
    private ParameterAverage() {
    }

    /** The averaged tensors, under their own names; {@code workers} in worker order, all with the picked tensors. */
    public static StateDict of(List<StateDict> workers, Predicate<String> picked) {
        StateDict first = workers.get(0);
        StateDict out = new StateDict();
        for (var entry : first.tensors().entrySet()) {
            String key = entry.getKey();
            StateDict.Tensor t = entry.getValue();
            if (!picked.test(key) || t.type() != StateDict.Type.FLOAT32) {
                continue;
            }
            int n = ((float[]) t.data()).length;
            double[] sum = new double[n];
            for (StateDict w : workers) {
                float[] values = w.floats(key);
                if (values.length != n) {
                    throw new IllegalStateException(key + ": workers hold " + n + " and " + values.length + " values");
                }
                for (int i = 0; i < n; i++) {
                    sum[i] += values[i];
                }
            }
            float[] mean = new float[n];
            for (int i = 0; i < n; i++) {
                mean[i] = (float) (sum[i] / workers.size());
            }
            out.putFloats(key, t.shape(), mean);
        }
        return out;
    }
}
