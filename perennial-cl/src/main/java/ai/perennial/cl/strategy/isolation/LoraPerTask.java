package ai.perennial.cl.strategy.isolation;

import ai.perennial.cl.scenario.Experience;
import ai.perennial.cl.strategy.Strategy;
import ai.perennial.core.PerennialException;
import ai.perennial.core.data.Dataset;
import ai.perennial.core.lowrank.Lora;
import ai.perennial.core.lowrank.LoraModel;
import ai.perennial.core.model.Model;
import ai.perennial.core.model.Parameters;
import ai.perennial.core.registry.Component;
import ai.perennial.core.registry.Param;
import ai.perennial.core.registry.Registered;
import ai.perennial.core.state.Rng;
import ai.perennial.core.state.StateDict;
import ai.perennial.core.train.TrainingContext;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Parameter isolation with low-rank adapters: the base the run's adapters ({@code training.lora}) sit on stays frozen —
 * the initial model, as no experience trains it — and every task gets its own adapter. At the start of a new task the
 * adapters restart (B = 0, so the task starts from the base; A drawn anew) and the optimizer forgets what it accumulated;
 * at its end everything the task trained (its adapters, and the output heads when they are trained in full) is kept as
 * that task's. A task seen again continues from what it kept.
 *
 * <p>At test time {@code inference} decides what a sample is read out with: {@code mean} or {@code sum}, every task's
 * update s·BₜAₜ averaged or summed into the base (no task id needed: any stream), with the heads as trained last; or
 * {@code task}, the adapters and heads its task id names (task-incremental streams, whose samples carry their task id: no
 * task can change another's predictions).
 * Batch normalization's running statistics, where a model has them, are shared and keep moving.
 */
public final class LoraPerTask implements Strategy {
    static final String TASK = "task";
    static final String MEAN = "mean";
    static final String SUM = "sum";

    private static final Param<String> INFERENCE = Param.choice("inference", MEAN,
            "test-time read-out: every task's adapter merged into the base by mean or sum (no task id), or task: the adapter of "
                    + "each sample's task id (task-incremental streams only)", MEAN, SUM, TASK);

    @Registered
    public static final Component<Long, Strategy> LORA_PER_TASK = Component.of(KIND, "lora-per-task")
            .summary("a fresh low-rank adapter per task on a frozen base; read out by task id, or with the adapters merged")
            .source("Hu et al. 2021 (LoRA), as parameter isolation")
            .family("isolation")
            .tag(FROZEN_BASE)
            .requires(Lora.ADAPTERS)
            .params(INFERENCE)
            .factory((v, seed) -> new LoraPerTask(v.get(INFERENCE), seed));

    private final String inference;
    private final Rng rng;
    private final Map<Integer, float[][]> kept = new TreeMap<>(); // per task: its trained parameters, in the model's order
    private int current = -1;                                        // the task in training (or trained last)

    public LoraPerTask(String inference, long seed) {
        if (!inference.equals(TASK) && !inference.equals(MEAN) && !inference.equals(SUM)) {
            throw new IllegalArgumentException("inference is task, mean or sum, got " + inference);
        }
        this.inference = inference;
        this.rng = new Rng(seed);
    }

    @Override
    public String name() {
        return LORA_PER_TASK.name();
    }

    /** Reading out by task id needs samples that carry their experience's task id: refused before training when they do not. */
    @Override
    public void beforeExperience(List<Experience> stream, int index) {
        if (!routesByTask()) {
            return;
        }
        for (Experience e : stream) {
            for (Dataset d : List.of(e.train(), e.test())) {
                if (d.size() > 0 && d.task(0) != e.taskId()) {
                    throw new PerennialException("strategy.inference: " + TASK + " reads each test sample's task id, but the samples of "
                            + "experience " + (e.index() + 1) + " (task " + e.taskId() + ") say task " + d.task(0) + " (a class- or "
                            + "domain-incremental stream); use inference: " + MEAN + " or " + SUM + ", or a task-incremental stream");
                }
            }
        }
    }

    static LoraModel adapted(Model model) {
        if (!(model instanceof LoraModel lora)) {
            throw new PerennialException("strategy " + LORA_PER_TASK.name() + " needs low-rank adapters on the model; set training.lora.rank");
        }
        return lora;
    }

    @Override
    public void onExperienceStart(TrainingContext c) {
        LoraModel model = adapted(c.model());
        current = c.taskId();
        float[][] own = kept.get(current);
        if (own != null) {
            Parameters.overwrite(model.parameters(), own);
        } else {
            model.reinitialize(rng);
        }
        for (int i = 0; i < model.parameters().size(); i++) {
            c.optimizer().pruneState(i, 1.0);
        }
    }

    @Override
    public void onExperienceEnd(TrainingContext c) {
        kept.put(current, Parameters.values(c.model().parameters()));
    }

    /** The trained model read out as {@code inference} says; before any task has ended, the model as it is. */
    @Override
    public Model evaluationModel(Model trained) {
        return kept.isEmpty() && current < 0 ? trained : new AdapterView(adapted(trained), this);
    }

    boolean routesByTask() {
        return inference.equals(TASK);
    }

    boolean averages() {
        return inference.equals(MEAN);
    }

    /** What task {@code task} keeps, or null when it is the one in training (its values are the live ones) or has none. */
    float[][] keptFor(int task) {
        return task == current ? null : kept.get(task);
    }

    boolean known(int task) {
        return task == current || kept.containsKey(task);
    }

    /** Every task's trained values, the one in training read from {@code model} as it is now. */
    Map<Integer, float[][]> allTasks(Model model) {
        Map<Integer, float[][]> out = new TreeMap<>(kept);
        if (current >= 0) {
            out.put(current, Parameters.values(model.parameters()));
        }
        return out;
    }

    @Override
    public StateDict exportState() {
        StateDict out = new StateDict();
        out.putCounter("rng", rng.state());
        out.putCounter("current", current);
        out.putInts("tasks", kept.keySet().stream().mapToInt(Integer::intValue).toArray());
        for (Map.Entry<Integer, float[][]> e : kept.entrySet()) {
            float[][] values = e.getValue();
            for (int i = 0; i < values.length; i++) {
                out.putFloats("task." + e.getKey() + "." + i, values[i]);
            }
        }
        return out;
    }

    @Override
    public void importState(StateDict in, TrainingContext c) {
        int count = adapted(c.model()).parameters().size();
        rng.restore(in.counter("rng"));
        current = (int) in.counter("current");
        kept.clear();
        for (int task : in.ints("tasks")) {
            float[][] values = new float[count][];
            for (int i = 0; i < count; i++) {
                values[i] = in.floats("task." + task + "." + i);
            }
            kept.put(task, values);
        }
    }
}
