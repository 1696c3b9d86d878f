package ai.perennial.core.optim;

import ai.perennial.core.PerennialException;
import ai.perennial.core.registry.Chosen;
import ai.perennial.core.registry.Component;
import ai.perennial.core.registry.Param;
import ai.perennial.core.registry.Registry;
import ai.perennial.core.registry.Values;
import ai.perennial.core.run.Seeds;
import ai.perennial.core.schedule.Schedule;
import ai.perennial.core.schedule.ScheduleSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The optimizer of a run, resolved from one flat section: {@code name} picks the recipe ({@link Optimizers#KIND}), and
 * the section holds the recipe's own parameters, the keys every recipe shares (learning rate, schedule, warmup: below)
 * and the keys of the wrappers ({@link Optimizers#WRAPPER}: SAM, clipping), e.g.
 * {@code {name: adamw, lr: 1e-3, weight_decay: 0.05, schedule: cosine, sam_rho: 0.05}}.
 */
public final class OptimizerConfig {
    public static final Param<Double> LR = Param.number("lr", 1e-3, "peak learning rate (what the schedule's rates default to)")
            .positive();
    public static final Param<String> SCHEDULE = Param.custom("schedule", "schedule spec", Schedule.CONSTANT.name(),
            "learning-rate schedule, e.g. cosine or wsd:decay=200 (see 'perennial list schedules')", OptimizerConfig::checkSchedule);
    public static final Param<Long> WARMUP_STEPS = Param.whole("warmup_steps", 0L, "linear warmup from 0 before the schedule")
            .nonNegative();
    private static final List<Param<?>> SHARED = List.of(LR, SCHEDULE, WARMUP_STEPS);

    private final Chosen<Optimizers.Context, GradientTransform> recipe;
    private final Values shared;
    private final List<Chosen<Optimizers.Wrapping, GradientTransform>> wrappers;

    private OptimizerConfig(Chosen<Optimizers.Context, GradientTransform> recipe, Values shared,
            List<Chosen<Optimizers.Wrapping, GradientTransform>> wrappers) {
        this.recipe = recipe;
        this.shared = shared;
        this.wrappers = List.copyOf(wrappers);
    }

    /** The keys every section takes besides the recipe's own: shared ones and the wrappers'. */
    public static List<Param<?>> sharedParams(Registry registry) {
        List<Param<?>> out = new ArrayList<>(SHARED);
        for (Component<Optimizers.Wrapping, GradientTransform> w : registry.all(Optimizers.WRAPPER)) {
            out.addAll(w.params());
        }
        return out;
    }

    /** Checks and resolves {@code section} (with its {@code name}); messages name {@code path.key}. */
    public static OptimizerConfig resolve(Registry registry, Map<String, ?> section, String path) {
        Object name = section.get("name");
        if (!(name instanceof String recipeName)) {
            throw new PerennialException(path + ".name: expected the name of an optimizer, got " + Param.show(name) + "; choose one of "
                    + String.join(", ", registry.names(Optimizers.KIND)));
        }
        Component<Optimizers.Context, GradientTransform> component = registry.get(Optimizers.KIND, recipeName, path + ".name");
        Map<String, Object> own = new LinkedHashMap<>(section);
        own.remove("name");
        Set<String> known = new LinkedHashSet<>();
        component.params().forEach(p -> known.add(p.name()));
        sharedParams(registry).forEach(p -> known.add(p.name()));
        for (String key : own.keySet()) {
            if (!known.contains(key)) {
                throw new PerennialException(path + "." + key + ": unknown parameter of optimizer " + recipeName + "; it takes "
                        + String.join(", ", known));
            }
        }
        Values shared = Values.resolve(SHARED, take(own, SHARED), path, "every optimizer");
        List<Chosen<Optimizers.Wrapping, GradientTransform>> wrappers = new ArrayList<>();
        for (Component<Optimizers.Wrapping, GradientTransform> w : registry.all(Optimizers.WRAPPER)) {
            wrappers.add(new Chosen<>(w, w.resolve(take(own, w.params()), path), path));
        }
        ScheduleSpec.parse(shared.get(SCHEDULE), shared.get(LR), 1000); // a bad piece fails here, before any training
        return new OptimizerConfig(new Chosen<>(component, component.resolve(own, path), path), shared, wrappers);
    }

    /** Removes and returns the entries of {@code section} that {@code params} declare. */
    private static Map<String, Object> take(Map<String, Object> section, List<Param<?>> params) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Param<?> p : params) {
            if (section.containsKey(p.name())) {
                out.put(p.name(), section.remove(p.name()));
            }
        }
        return out;
    }

    private static String checkSchedule(Object raw) {
        if (!(raw instanceof String spec)) {
            throw new IllegalArgumentException("expected a schedule spec such as cosine");
        }
        return spec;
    }

    public String name() {
        return recipe.name();
    }

    public double lr() {
        return shared.get(LR);
    }

    /** The learning-rate schedule for a run of {@code totalSteps} updates. */
    public Schedule learningRate(long totalSteps) {
        long warmup = shared.get(WARMUP_STEPS);
        return Schedule.warmup(warmup, ScheduleSpec.parse(shared.get(SCHEDULE), lr(), Math.max(1, totalSteps - warmup)));
    }

    public GradientTransform build(long totalSteps, long seed) {
        return build(learningRate(totalSteps), seed);
    }

    /** The recipe with an explicit schedule (e.g. the LR range test's sweep), inside its wrappers. */
    public GradientTransform build(Schedule learningRate, long seed) {
        GradientTransform t = recipe.build(new Optimizers.Context(learningRate, seed));
        for (Chosen<Optimizers.Wrapping, GradientTransform> w : wrappers) {
            t = w.build(new Optimizers.Wrapping(t, Seeds.derive(seed, w.name())));
        }
        return t;
    }

    /** Every value used, defaults included: name, shared keys, the recipe's and the wrappers' parameters. */
    public Map<String, Object> resolved() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", name());
        out.putAll(shared.asMap());
        out.putAll(recipe.values().asMap());
        for (Chosen<Optimizers.Wrapping, GradientTransform> w : wrappers) {
            out.putAll(w.values().asMap());
        }
        return out;
    }

    public Chosen<Optimizers.Context, GradientTransform> recipe() {
        return recipe;
    }
}
