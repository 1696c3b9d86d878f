package ai.perennial.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.perennial.core.PerennialException;
import ai.perennial.core.data.Dataset;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.model.Model;
import ai.perennial.core.model.Parameter;
import ai.perennial.core.registry.Chosen;
import ai.perennial.core.registry.Registry;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A model written by {@code perennial export}: NAME.safetensors and the NAME.json spec beside it, checked field by field. */
record ExportedModel(Path weights, Map<String, Object> spec, Map<String, Object> model, int outputs, int heads, long[] shape,
        String inputType) {

    /** Reads the spec of {@code weights}; any missing file or malformed field is one error naming the file. */
    @SuppressWarnings("unchecked")
    static ExportedModel open(Path weights) {
        String name = weights.getFileName().toString();
        if (!name.endsWith(".safetensors") || !Files.isRegularFile(weights)) {
            throw new PerennialException("MODEL " + weights + ": give the NAME.safetensors file that 'perennial export' wrote");
        }
        Path file = weights.resolveSibling(name.substring(0, name.length() - ".safetensors".length()) + ".json");
        if (!Files.isRegularFile(file)) {
            throw new PerennialException("MODEL " + weights + ": its spec " + file + " is missing; export the run again");
        }
        try {
            Map<String, Object> spec = new ObjectMapper().readValue(file.toFile(), Map.class);
            Map<String, Object> inputs = (Map<String, Object>) spec.get("inputs");
            Map<String, Object> model = new LinkedHashMap<>((Map<String, Object>) spec.get("model"));
            long[] shape = ((List<Number>) inputs.get("shape")).stream().mapToLong(Number::longValue).toArray();
            ExportedModel s = new ExportedModel(weights, spec, model, ((Number) spec.get("outputs")).intValue(),
                    ((Number) spec.get("heads")).intValue(), shape, (String) inputs.get("type"));
            if (!(model.get("name") instanceof String) || s.outputs < 1 || s.heads < 1 || Arrays.stream(shape).anyMatch(d -> d < 1)) {
                throw new IllegalArgumentException("a field is out of range");
            }
            return s;
        } catch (IOException | RuntimeException e) {
            // missing fields (null), wrong types (class casts) and malformed JSON all mean the same to the user
            throw new PerennialException("MODEL spec " + file + " is not a spec written by 'perennial export' ("
                    + e.getClass().getSimpleName() + "); export the run again");
        }
    }

    /** Fails unless {@code set}'s samples are what the model was trained on. */
    void checkData(Dataset set, String what) {
        if (!set.sampleShape().equals(new Shape(shape))) {
            throw new PerennialException(what + ": samples are " + set.sampleShape() + ", the model takes " + new Shape(shape));
        }
        if (!"uint8".equals(inputType)) {
            throw new PerennialException("MODEL " + weights + " was trained on " + inputType + " inputs; only IDX image inputs are read here");
        }
    }

    /** The network on {@code m} with the exported weights, by name; any missing or misshapen tensor is named. */
    Model build(NDManager m) {
        Map<String, Object> params = new LinkedHashMap<>(model);
        Chosen<Model.Context, Model> chosen = Chosen.of(Registry.global(), Model.KIND, (String) params.remove("name"), params, "model");
        Model net = chosen.build(new Model.Context(m, new Shape(shape), outputs, heads, 0));
        loadInto(net, m);
        return net;
    }

    /** Overwrites {@code net}'s parameters and buffers with the exported ones, by name; any missing or misshapen tensor is named. */
    void loadInto(Model net, NDManager m) {
        Map<String, NDArray> byName = new HashMap<>();
        try (NDManager scratch = m.newSubManager()) {
            try (InputStream in = Files.newInputStream(weights)) {
                for (NDArray a : NDList.decode(scratch, in)) {
                    byName.put(a.getName(), a);
                }
            } catch (IOException | RuntimeException e) {
                throw new PerennialException("MODEL " + weights + " is not a readable safetensors file (" + e.getMessage() + ")");
            }
            // parameters, then buffers (batch-norm statistics): a model with statistics cannot run without them
            for (Parameter p : java.util.stream.Stream.concat(net.parameters().stream(), net.buffers().stream()).toList()) {
                NDArray a = byName.get(p.name());
                if (a == null || !a.getShape().equals(p.array().getShape())) {
                    throw new PerennialException("MODEL " + weights + ": tensor " + p.name() + " is " + (a == null ? "missing" : a.getShape())
                            + ", the model needs " + p.array().getShape());
                }
                Engines.overwrite(p.array(), a.toFloatArray());
            }
        }
    }

    /** Whether {@code other} is the same architecture for the same inputs and outputs (so their weights can be combined). */
    boolean sameArchitecture(ExportedModel other) {
        return model.equals(other.model) && outputs == other.outputs && heads == other.heads && Arrays.equals(shape, other.shape);
    }
}
