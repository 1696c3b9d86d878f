package ai.perennial.cl.strategy.merging;

import ai.perennial.cl.strategy.Strategy;
import ai.perennial.core.PerennialException;
import ai.perennial.core.merging.Merge;
import ai.perennial.core.merging.TiesMerging;
import ai.perennial.core.model.Parameters;
import ai.perennial.core.registry.Component;
import ai.perennial.core.registry.Param;
import ai.perennial.core.registry.Registered;
import ai.perennial.core.state.StateDict;
import ai.perennial.core.train.TrainingContext;
import java.util.ArrayList;
import java.util.List;

/**
 * Continual learning by model merging: the first experience trains the shared base θ₀; every later experience k trains
 * its own copy θ_k — from the base ({@code start: shared}, independent fine-tunes as in task arithmetic) or from the
 * previous copy ({@code start: sequential}, as in MagMax-style sequential fine-tuning) — and after it the model is the
 * merge of all copies so far against the base (task vectors τ_k = θ_k − θ₀), by any registered {@link Merge}.
 *
 * <p>Batch-norm statistics ({@link ai.perennial.core.model.Model#buffers()}) travel with the weights: each copy starts
 * from its starting point's statistics, and the merged model gets the equal-weight mean of the copies' statistics. A
 * merge rule is not applied to them: trimming or rescaling a difference of variances (TIES, task arithmetic with λ ≠ 1/n)
 * could make a variance negative, while the mean of the copies' statistics is the statistics a uniform merge would carry.
 */
public final class ModelMerging implements Strategy {
    @Registered
    public static final Component<Long, Strategy> MERGE = Component.of(KIND, "merging")
            .summary("train a copy per experience (from the first experience's model, or from the previous copy) and merge the copies")
            .source("Ilharco et al. 2023; Yadav et al. 2023; Marczak et al. 2024")
            .family("merging")
            .tag(ALONE)
            .params(Param.custom("method", "merge spec", TiesMerging.TIES.name(), "how the copies are merged, e.g. ties:density=0.2 or "
                            + "task-arithmetic:scale=0.5 (see 'list merges')", ModelMerging::checkMerge),
                    Param.choice("start", "shared", "where each copy starts: the base (first experience's model) or the previous copy",
                            "shared", "sequential"))
            .factory((v, seed) -> new ModelMerging(v.text("method"), "sequential".equals(v.text("start"))));

    private final String method;
    private final Merge merge;
    private final boolean sequential;
    private float[][] base;                          // θ₀, after the first experience
    private final List<float[][]> copies = new ArrayList<>();
    private float[][] baseStatistics;                // the base's buffers (batch-norm statistics), when the model has any
    private final List<float[][]> copyStatistics = new ArrayList<>();

    public ModelMerging(String method, boolean sequential) {
        this.method = method;
        this.merge = Merge.parse(method);
        this.sequential = sequential;
    }

    private static String checkMerge(Object raw) {
        if (!(raw instanceof String spec)) {
            throw new IllegalArgumentException("expected a merge spec such as ties:density=0.2");
        }
        Merge.parse(spec);
        return spec;
    }

    @Override
    public String name() {
        return "merging";
    }

    @Override
    public void onExperienceStart(TrainingContext c) {
        if (base != null) {
            boolean fromCopy = sequential && !copies.isEmpty();
            Parameters.overwrite(c.model().parameters(), fromCopy ? copies.get(copies.size() - 1) : base);
            Parameters.overwrite(c.model().buffers(), fromCopy ? copyStatistics.get(copyStatistics.size() - 1) : baseStatistics);
        }
    }

    @Override
    public void onExperienceEnd(TrainingContext c) {
        float[][] trained = Parameters.values(c.model().parameters());
        float[][] statistics = Parameters.values(c.model().buffers());
        if (base == null) {
            base = trained;
            baseStatistics = statistics;
            return;
        }
        copies.add(trained);
        copyStatistics.add(statistics);
        Parameters.overwrite(c.model().parameters(), merge.merge(base, copies));
        Parameters.overwrite(c.model().buffers(), Parameters.mean(copyStatistics));
    }

    @Override
    public StateDict exportState() {
        StateDict out = new StateDict();
        out.putText("method", method);
        out.putCounter("copies", base == null ? -1 : copies.size());
        if (base != null) {
            put(out, "base.", base);
            put(out, "base.buffer.", baseStatistics);
            for (int k = 0; k < copies.size(); k++) {
                put(out, "copy." + k + ".", copies.get(k));
                put(out, "copy." + k + ".buffer.", copyStatistics.get(k));
            }
        }
        return out;
    }

    private static void put(StateDict out, String prefix, float[][] weights) {
        for (int t = 0; t < weights.length; t++) {
            out.putFloats(prefix + t, weights[t]);
        }
    }

    private static float[][] get(StateDict in, String prefix, int count) {
        float[][] out = new float[count][];
        for (int t = 0; t < count; t++) {
            out[t] = in.floats(prefix + t);
        }
        return out;
    }

    @Override
    public void importState(StateDict in, TrainingContext c) {
        if (!method.equals(in.text("method"))) {
            throw new PerennialException("checkpoint merges with " + in.text("method") + ", this run with " + method);
        }
        int n = (int) in.counter("copies");
        int count = c.model().parameters().size();
        int buffers = c.model().buffers().size();
        copies.clear();
        copyStatistics.clear();
        base = n < 0 ? null : get(in, "base.", count);
        baseStatistics = n < 0 ? null : get(in, "base.buffer.", buffers);
        for (int k = 0; k < n; k++) {
            copies.add(get(in, "copy." + k + ".", count));
            copyStatistics.add(get(in, "copy." + k + ".buffer.", buffers));
        }
    }
}
