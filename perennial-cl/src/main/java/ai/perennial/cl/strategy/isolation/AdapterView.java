package ai.perennial.cl.strategy.isolation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.perennial.cl.strategy.ClassifierView;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.lowrank.LoraModel;
import ai.perennial.core.model.Parameter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The classifier of {@link LoraPerTask}: the trained model read out with each sample's own task's adapters (and heads),
 * or with every task's adapter merged into the base. What a forward pass needs is written into the model's own weights
 * for that pass and the weights it replaced are put back bit for bit afterwards, so evaluating never changes training.
 */
final class AdapterView extends ClassifierView {
    private final LoraModel lora;
    private final LoraPerTask strategy;
    private final Map<Integer, float[][]> tasks; // merged read-outs: every task's values when the view was made

    AdapterView(LoraModel trained, LoraPerTask strategy) {
        super(trained);
        this.lora = trained;
        this.strategy = strategy;
        this.tasks = strategy.routesByTask() ? null : strategy.allTasks(trained);
    }

    @Override
    public NDArray forward(NDArray inputs, int[] taskIds) {
        if (!strategy.routesByTask()) {
            return merged(inputs, taskIds);
        }
        return byTask(inputs, taskIds, (task, same) -> forTask(inputs, same, task));
    }

    private NDArray forTask(NDArray inputs, int[] same, int task) {
        if (!strategy.known(task)) { // not trained yet: the base alone, under the heads as they are
            List<Parameter> factorsB = new ArrayList<>();
            for (LoraModel.Adapter ad : lora.adapters()) {
                factorsB.add(ad.b());
            }
            return swapped(factorsB, zeros(factorsB), () -> model.forward(inputs, same));
        }
        float[][] own = strategy.keptFor(task);
        if (own == null) { // the task in training reads the live adapters
            return model.forward(inputs, same);
        }
        return swapped(model.parameters(), own, () -> model.forward(inputs, same));
    }

    /** Every task's s·BₜAₜ (averaged or summed) added to the base weights, the live adapters silenced. */
    private NDArray merged(NDArray inputs, int[] taskIds) {
        List<LoraModel.Adapter> adapters = lora.adapters();
        int[] factors = lora.adapterIndices();
        NDManager m = inputs.getManager();
        List<Parameter> weights = new ArrayList<>();
        List<Parameter> factorsB = new ArrayList<>();
        float[][] mergedWeights = new float[adapters.size()][];
        for (int l = 0; l < adapters.size(); l++) {
            LoraModel.Adapter ad = adapters.get(l);
            NDArray sum = null;
            for (float[][] values : tasks.values()) {
                NDArray a = Engines.owned(m.create(values[factors[2 * l]], ad.a().array().getShape()));
                NDArray b = Engines.owned(m.create(values[factors[2 * l + 1]], ad.b().array().getShape()));
                NDArray product = b.matMul(a);
                sum = sum == null ? product : sum.addi(product);
            }
            double factor = lora.scale() / (strategy.averages() ? tasks.size() : 1);
            NDArray delta = Engines.times(sum, factor).reshape(ad.weight().array().getShape());
            mergedWeights[l] = ad.weight().array().add(delta).toFloatArray();
            weights.add(ad.weight());
            factorsB.add(ad.b());
        }
        return swapped(factorsB, zeros(factorsB), () -> swapped(weights, mergedWeights, () -> model.forward(inputs, taskIds)));
    }

    private static float[][] zeros(List<Parameter> params) {
        float[][] out = new float[params.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = new float[Math.toIntExact(params.get(i).array().getShape().size())];
        }
        return out;
    }

    /** {@code pass} run with {@code params} holding {@code values}; their own values are restored exactly afterwards. */
    private static NDArray swapped(List<Parameter> params, float[][] values, Supplier<NDArray> pass) {
        NDArray[] saved = new NDArray[params.size()];
        try {
            for (int i = 0; i < saved.length; i++) {
                saved[i] = params.get(i).array().duplicate();
                Engines.overwrite(params.get(i).array(), values[i]);
            }
            return pass.get();
        } finally {
            for (int i = 0; i < saved.length; i++) {
                if (saved[i] != null) {
                    Engines.overwrite(params.get(i).array(), saved[i]);
                    saved[i].close();
                }
            }
        }
    }

    @Override
    public String describe() {
        return model.describe() + (strategy.routesByTask() ? " (adapter of each task)" : " (task adapters merged)");
    }
}
