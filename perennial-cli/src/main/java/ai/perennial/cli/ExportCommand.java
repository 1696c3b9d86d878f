package ai.perennial.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.perennial.core.PerennialException;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.lowrank.Lora;
import ai.perennial.core.lowrank.LoraModel;
import ai.perennial.core.run.ResultWriter;
import ai.perennial.core.state.Checkpoints;
import ai.perennial.core.state.StateDict;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code perennial export DIR --out model.safetensors}: a run's trained weights for use anywhere. */
@Command(name = "export", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Write a run's trained weights as a safetensors file, with a JSON model spec beside it.",
            "The weights are readable by PyTorch, NumPy and other tools; the spec (architecture, outputs, input shape and",
            "normalization) is what 'perennial predict' reads."})
public final class ExportCommand implements Callable<Integer>, UsesEngine {
    @Parameters(paramLabel = "DIR", description = "A run's directory (from 'perennial run', 'train' or 'continue')")
    Path dir;

    @Option(names = "--out", required = true, description = "The weights file, NAME.safetensors; the spec goes to NAME.json")
    Path out;

    private static final String FROZEN = "model_frozen.";

    /** The adapters a run trained, from the resolved config its checkpoint's manifest records. */
    @SuppressWarnings("unchecked")
    private Lora adapters(Map<String, Object> manifest) {
        Object config = manifest.get("config");
        Object training = config instanceof Map<?, ?> c ? c.get("training") : null;
        Object settings = training instanceof Map<?, ?> t ? t.get(Lora.SETTINGS.name()) : null;
        if (!(settings instanceof Map<?, ?>)) {
            throw new PerennialException("export " + dir + ": the checkpoint has frozen weights but records no training.lora settings to fold"
                    + " its adapters with");
        }
        return Lora.of((Map<String, Object>) settings);
    }

    @Override
    public Integer call() throws IOException {
        String file = out.getFileName().toString();
        if (!file.endsWith(".safetensors")) {
            throw new PerennialException("--out " + out + ": name the weights file NAME.safetensors");
        }
        OutputDir.writableFile(out);
        Checkpoints.Saved saved = new Checkpoints(dir, 1).latest(w -> System.err.println("warning: " + w));
        if (saved == null) {
            throw new PerennialException("export " + dir + ": no valid checkpoint in " + dir.resolve("checkpoints"));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> model = (Map<String, Object>) saved.manifest().get("model");
        if (model == null || !(model.get("parameters") instanceof List<?> names)) {
            throw new PerennialException("export " + dir + ": the checkpoint does not describe its model (written by an older Perennial)");
        }
        StateDict state = saved.state();
        // buffers (batch-norm statistics) are written after the parameters, under their own names
        List<String> bufferNames = model.get("buffers") instanceof List<?> b ? b.stream().map(String::valueOf).toList() : List.of();
        List<String> parameterNames = new java.util.ArrayList<>(names.stream().map(String::valueOf).toList());
        List<String> tensorNames = new java.util.ArrayList<>(parameterNames);
        tensorNames.addAll(bufferNames);
        float[][] values = new float[tensorNames.size()][];
        long[][] shapes = new long[tensorNames.size()][];
        for (int t = 0; t < tensorNames.size(); t++) {
            String key = (t < names.size() ? "model." : "model_buffer.") + tensorNames.get(t);
            StateDict.Tensor tensor = state.tensor(key);
            values[t] = (float[]) tensor.data();
            shapes[t] = tensor.shape();
        }
        List<String> frozen = state.tensors().keySet().stream().filter(k -> k.startsWith(FROZEN)).map(k -> k.substring(FROZEN.length()))
                .toList();
        if (!frozen.isEmpty()) { // low-rank adapters: the base model's weights are the frozen ones with the adapters folded in
            Map<String, float[]> byName = new LinkedHashMap<>();
            Map<String, long[]> shapeOf = new LinkedHashMap<>();
            for (int t = 0; t < tensorNames.size(); t++) {
                byName.put(tensorNames.get(t), values[t]);
                shapeOf.put(tensorNames.get(t), shapes[t]);
            }
            Lora lora = adapters(saved.manifest());
            for (String name : frozen) {
                StateDict.Tensor w0 = state.tensor(FROZEN + name);
                String a = LoraModel.factorA(name);
                String b = LoraModel.factorB(name);
                boolean adapted = byName.containsKey(a) && byName.containsKey(b);
                byName.put(name, adapted ? lora.fold((float[]) w0.data(), byName.get(a), byName.get(b)) : (float[]) w0.data());
                shapeOf.put(name, w0.shape());
                if (adapted) {
                    byName.remove(a);
                    byName.remove(b);
                    parameterNames.remove(a);
                    parameterNames.remove(b);
                }
                parameterNames.add(name);
            }
            tensorNames = new java.util.ArrayList<>(byName.keySet());
            values = tensorNames.stream().map(byName::get).toArray(float[][]::new);
            shapes = tensorNames.stream().map(shapeOf::get).toArray(long[][]::new);
        }
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("format", 1);
        spec.put("weights", out.getFileName().toString());
        spec.put("model", model.get("spec"));
        spec.put("outputs", model.get("outputs"));
        spec.put("heads", model.get("heads"));
        spec.put("parameters", parameterNames);
        spec.put("buffers", bufferNames);
        spec.put("inputs", saved.manifest().get("inputs"));
        spec.put("from", saved.dir().toString());
        spec.put("step", saved.step());
        Path specFile = write(out, tensorNames, shapes, values, spec);
        System.out.println("wrote " + out + " (" + tensorNames.size() + " tensors, step " + saved.step() + ") and " + specFile);
        return 0;
    }

    /**
     * Writes weights as NAME.safetensors (atomically) and {@code spec} as NAME.json beside it: the pair 'predict',
     * 'interpolate' and 'merge' read.
     */
    static Path write(Path out, List<String> names, long[][] shapes, float[][] values, Map<String, Object> spec) throws IOException {
        String file = out.getFileName().toString();
        Path specFile = out.resolveSibling(file.substring(0, file.length() - ".safetensors".length()) + ".json");
        Engines.pytorch();
        Path tmp = out.resolveSibling("." + file + ".tmp");
        Files.createDirectories(out.toAbsolutePath().getParent());
        try (NDManager m = NDManager.newBaseManager(); OutputStream o = Files.newOutputStream(tmp)) {
            NDList list = new NDList();
            for (int t = 0; t < names.size(); t++) {
                NDArray a = m.create(values[t], new Shape(shapes[t]));
                a.setName(names.get(t));
                list.add(a);
            }
            list.encode(o, NDList.Encoding.SAFETENSORS);
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw new PerennialException("cannot write " + out + " (" + e.getMessage() + ")");
        }
        Files.move(tmp, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        ResultWriter.write(specFile.toAbsolutePath().getParent(), specFile.getFileName().toString(), spec);
        return specFile;
    }
}
