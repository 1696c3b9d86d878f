package ai.perennial.core.precision;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.state.StateDict;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * FP4 All the Way's noise threshold (C25): quantized gradients stop helping once the gradient's norm falls below about
 * √3 times the quantization noise's. Measured, per step, on what the quantized GEMMs consume: the layers' output
 * gradients g = ∇_Y L of every quantized layer, ‖g‖ = √Σ_layers ‖∇_Y L‖², against the noise the rounding added to them,
 * σ_q = √Σ_layers ‖Q(∇_Y L) − ∇_Y L‖² (the copy the update GEMM uses; for stochastic rounding its expectation is the
 * analytic √Σ(hi − g)(g − lo) in scaled units). A step is below the threshold when ‖g‖ &lt; √3·σ_q.
 *
 * <p>Everything is accumulated on the device and read back once per experience, never per step.
 */
final class GradientNoiseMonitor {
    private NDArray signal;       // Σ‖g‖² of the current step (step scope)
    private NDArray noise;        // Σ‖Q(g) − g‖² of the current step
    private NDArray[] totals;     // long-lived: steps below, first step below (0: none), Σ‖g‖, Σσ_q
    private long steps;           // steps measured in the current experience
    private final List<Map<String, Object>> reports = new ArrayList<>();

    private static final int BELOW = 0;
    private static final int FIRST = 1;
    private static final int NORM = 2;
    private static final int NOISE = 3;

    void start(NDManager manager) {
        allocate(manager, new float[4]);
        steps = 0;
    }

    /** One quantized layer's output gradient {@code g} and the quantized copy {@code q} of it. */
    void add(NDArray g, NDArray q) {
        NDArray s = g.square().sum();
        NDArray n = q.sub(g).square().sum();
        signal = signal == null ? s : signal.add(s);
        noise = noise == null ? n : noise.add(n);
    }

    /** Ends global step {@code step} (1-based). */
    void endStep(long step) {
        if (signal == null || totals == null) {
            signal = null;
            noise = null;
            return;
        }
        NDArray below = signal.lt(noise.mul(3)).toType(DataType.FLOAT32, false);
        NDArray firstTime = below.mul(totals[BELOW].eq(0).toType(DataType.FLOAT32, false));
        totals[FIRST].addi(firstTime.mul((float) step));
        totals[BELOW].addi(below);
        totals[NORM].addi(signal.sqrt());
        totals[NOISE].addi(noise.sqrt());
        steps++;
        signal = null;
        noise = null;
    }

    /** Reads the experience's totals back (once) into a report. */
    void finish(int experience) {
        if (totals == null) {
            return;
        }
        float[] t = values();
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("experience", experience);
        r.put("steps", steps);
        r.put("steps_below_threshold", (long) t[BELOW]);
        r.put("fraction_below_threshold", steps == 0 ? 0.0 : t[BELOW] / (double) steps);
        r.put("first_step_below_threshold", t[FIRST] == 0 ? null : (long) t[FIRST]);
        r.put("mean_gradient_norm", steps == 0 ? Double.NaN : t[NORM] / (double) steps);
        r.put("mean_noise_norm", steps == 0 ? Double.NaN : t[NOISE] / (double) steps);
        reports.add(r);
        for (NDArray a : totals) {
            a.close();
        }
        totals = null;
    }

    List<Map<String, Object>> reports() {
        return List.copyOf(reports);
    }

    private float[] values() {
        float[] out = new float[totals.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = totals[i].getFloat();
        }
        return out;
    }

    StateDict exportState() {
        StateDict out = new StateDict();
        out.putCounter("active", totals == null ? 0 : 1);
        out.putCounter("steps", steps);
        if (totals != null) {
            out.putFloats("totals", values());
        }
        double[][] columns = new double[7][reports.size()];
        for (int i = 0; i < reports.size(); i++) {
            Map<String, Object> r = reports.get(i);
            Object first = r.get("first_step_below_threshold");
            columns[0][i] = ((Number) r.get("experience")).doubleValue();
            columns[1][i] = ((Number) r.get("steps")).doubleValue();
            columns[2][i] = ((Number) r.get("steps_below_threshold")).doubleValue();
            columns[3][i] = first == null ? 0 : ((Number) first).doubleValue();
            columns[4][i] = ((Number) r.get("mean_gradient_norm")).doubleValue();
            columns[5][i] = ((Number) r.get("mean_noise_norm")).doubleValue();
            columns[6][i] = ((Number) r.get("fraction_below_threshold")).doubleValue();
        }
        for (int c = 0; c < columns.length; c++) {
            out.putDoubles("reports." + c, columns[c]);
        }
        return out;
    }

    void importState(StateDict state, NDManager manager) {
        steps = state.counter("steps");
        if (totals != null) {
            for (NDArray a : totals) {
                a.close();
            }
            totals = null;
        }
        if (state.counter("active") == 1) {
            allocate(manager, state.floats("totals"));
        }
        reports.clear();
        double[][] columns = new double[7][];
        for (int c = 0; c < columns.length; c++) {
            columns[c] = state.doubles("reports." + c);
        }
        for (int i = 0; i < columns[0].length; i++) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("experience", (int) columns[0][i]);
            r.put("steps", (long) columns[1][i]);
            r.put("steps_below_threshold", (long) columns[2][i]);
            r.put("fraction_below_threshold", columns[6][i]);
            r.put("first_step_below_threshold", columns[3][i] == 0 ? null : (long) columns[3][i]);
            r.put("mean_gradient_norm", columns[4][i]);
            r.put("mean_noise_norm", columns[5][i]);
            reports.add(r);
        }
    }

    private void allocate(NDManager manager, float[] values) {
        if (totals != null) {
            for (NDArray a : totals) {
                a.close();
            }
        }
        totals = new NDArray[values.length];
        for (int i = 0; i < values.length; i++) {
            totals[i] = Engines.owned(manager.create(values[i]));
            NDScope.unregister(totals[i]);
        }
    }
}
