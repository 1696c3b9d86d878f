package ai.perennial.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import java.util.ArrayList;
import java.util.List;

/** Per-parameter arrays for long-lived state (optimizer moments, strategy anchors), kept out of any scope. */
public final class Parameters {
    private Parameters() {
    }

    /** Σ over all arrays of the sum of their squared entries, as a scalar on the device (no read-back): a global norm². */
    public static NDArray squaredNorm(List<NDArray> arrays) {
        NDArray squared = null;
        for (NDArray a : arrays) {
            NDArray s = a.square().sum();
            squared = squared == null ? s : squared.add(s);
        }
        return squared;
    }

    /** Zeros shaped like each parameter, on the parameter's manager. */
    public static List<NDArray> zerosLike(List<Parameter> params) {
        List<NDArray> out = new ArrayList<>(params.size());
        for (Parameter p : params) {
            NDArray zeros = p.array().zerosLike();
            NDScope.unregister(zeros);
            out.add(zeros);
        }
        return out;
    }

    /**
     * SHA-256 over every parameter's name and float32 values (little-endian), in order: equal exactly when the weights
     * are bit for bit equal, so two runs can be compared by one line of their results.
     */
    public static String sha256(List<Parameter> params) {
        try {
            java.security.MessageDigest digest = java.security.MessageDigest.getInstance("SHA-256");
            for (Parameter p : params) {
                digest.update(p.name().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                float[] values = p.array().toFloatArray();
                java.nio.ByteBuffer bytes = java.nio.ByteBuffer.allocate(4 * values.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                bytes.asFloatBuffer().put(values);
                digest.update(bytes);
            }
            return java.util.HexFormat.of().formatHex(digest.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@link #sha256} over a model's parameters, its buffers (batch-norm statistics) and frozen weights: its whole state. */
    public static String sha256(Model model) {
        List<Parameter> all = new ArrayList<>(model.parameters());
        all.addAll(model.buffers());
        all.addAll(model.frozen());
        return sha256(all);
    }

    /** Copies of the parameters' current values (not recording gradients). */
    public static List<NDArray> copies(List<Parameter> params) {
        List<NDArray> out = new ArrayList<>(params.size());
        for (Parameter p : params) {
            // duplicate() clones without recording gradients; a stopGradient() handle here would leak
            NDArray copy = p.array().duplicate();
            NDScope.unregister(copy);
            out.add(copy);
        }
        return out;
    }

    /** Host copies of the parameters' values, in order. */
    public static float[][] values(List<Parameter> params) {
        float[][] out = new float[params.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = params.get(i).array().toFloatArray();
        }
        return out;
    }

    /** Every parameter's shape, in order (the layout {@link #values} flattens). */
    public static long[][] shapes(List<Parameter> params) {
        return params.stream().map(p -> p.array().getShape().getShape()).toArray(long[][]::new);
    }

    /**
     * The entrywise mean of equally shaped tensor sets (as {@link #values} gives them), summed in double: the batch-norm
     * statistics of merged or averaged models, which a merge rule's arithmetic on differences could turn negative.
     */
    public static float[][] mean(List<float[][]> sets) {
        float[][] out = new float[sets.get(0).length][];
        for (int t = 0; t < out.length; t++) {
            double[] sum = new double[sets.get(0)[t].length];
            for (float[][] set : sets) {
                if (set.length != out.length || set[t].length != sum.length) {
                    throw new IllegalArgumentException("cannot average tensor sets of different shapes");
                }
                for (int i = 0; i < sum.length; i++) {
                    sum[i] += set[t][i];
                }
            }
            out[t] = new float[sum.length];
            for (int i = 0; i < sum.length; i++) {
                out[t][i] = (float) (sum[i] / sets.size());
            }
        }
        return out;
    }

    /** Writes {@code values} (as {@link #values} gives them) into the parameters' own storage. */
    public static void overwrite(List<Parameter> params, float[][] values) {
        for (int i = 0; i < values.length; i++) {
            ai.perennial.core.engine.Engines.overwrite(params.get(i).array(), values[i]);
        }
    }
}
