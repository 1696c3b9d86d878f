package ai.perennial.cli.config;

import ai.perennial.cl.strategy.Strategies;
import ai.perennial.core.PerennialException;
import ai.perennial.core.data.DataSources;
import ai.perennial.core.optim.OptimizerSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Range and consistency checks of a bound {@link RunConfig}; every message starts with the key path. */
final class ConfigValidator {
    /** Scenario keys each scenario type uses (besides {@code type}). */
    private static final Map<String, Set<String>> SCENARIO_KEYS = new LinkedHashMap<>();

    static {
        SCENARIO_KEYS.put("split", Set.of("classes_per_experience", "class_order", "task_incremental"));
        SCENARIO_KEYS.put("permuted", Set.of("tasks"));
        SCENARIO_KEYS.put("rotated", Set.of("tasks", "angles", "max_degrees"));
        SCENARIO_KEYS.put("online", Set.of("classes_per_experience", "class_order", "overlap"));
        SCENARIO_KEYS.put("long", Set.of("kind", "tasks", "samples_per_task"));
    }

    private ConfigValidator() {
    }

    static void validate(RunConfig c) {
        check(DataSources.NAMES.contains(c.dataset.name), "dataset.name", "unknown data set '" + c.dataset.name
                + "'; choose one of " + String.join(", ", DataSources.NAMES));
        validateScenario(c.scenario);
        check(c.model.kind.equals("mlp") || c.model.kind.equals("cnn"), "model.kind", "must be mlp or cnn, got '" + c.model.kind + "'");
        for (int h : c.model.hidden) {
            check(h > 0, "model.hidden", "sizes must be positive, got " + c.model.hidden);
        }
        RunConfig.OptimizerConfig o = c.optimizer;
        check(OptimizerSpec.NAMES.contains(o.name), "optimizer.name", "unknown optimizer '" + o.name + "'; choose one of "
                + String.join(", ", OptimizerSpec.NAMES));
        check(o.lr > 0 && Double.isFinite(o.lr), "optimizer.lr", "must be a positive number, got " + o.lr);
        check(o.momentum == null || (o.momentum >= 0 && o.momentum < 1), "optimizer.momentum", "must be in [0, 1), got " + o.momentum);
        check(o.weightDecay == null || o.weightDecay >= 0, "optimizer.weight_decay", "must be >= 0, got " + o.weightDecay);
        check(o.beta1 >= 0 && o.beta1 < 1, "optimizer.beta1", "must be in [0, 1), got " + o.beta1);
        check(o.beta2 >= 0 && o.beta2 < 1, "optimizer.beta2", "must be in [0, 1), got " + o.beta2);
        check(o.eps > 0, "optimizer.eps", "must be positive, got " + o.eps);
        try {
            ai.perennial.core.schedule.ScheduleSpec.parse(o.schedule, o.lr > 0 ? o.lr : 1e-3, 1000);
        } catch (PerennialException e) {
            check(false, "optimizer.schedule", e.getMessage());
        }
        check(o.warmupSteps >= 0, "optimizer.warmup_steps", "must be >= 0, got " + o.warmupSteps);
        check(o.samRho >= 0 && Double.isFinite(o.samRho), "optimizer.sam_rho", "must be >= 0 (0 = no SAM), got " + o.samRho);
        check(o.clipNorm >= 0 && Double.isFinite(o.clipNorm), "optimizer.clip_norm", "must be >= 0 (0 = no clipping), got " + o.clipNorm);
        check(o.decayMask.equals("all") || o.decayMask.equals("weights"), "optimizer.decay_mask",
                "must be 'all' or 'weights' (no decay on biases), got '" + o.decayMask + "'");
        check(o.temperature >= 0, "optimizer.temperature", "must be >= 0, got " + o.temperature);
        check(o.noise >= 0, "optimizer.noise", "must be >= 0, got " + o.noise);
        check(c.training.epochs >= 1, "training.epochs", "must be at least 1, got " + c.training.epochs);
        check(c.training.batchSize >= 1, "training.batch_size", "must be at least 1, got " + c.training.batchSize);
        if (c.training.average != null) {
            try {
                ai.perennial.core.averaging.WeightAverage.parse(c.training.average);
            } catch (PerennialException e) {
                check(false, "training.average", e.getMessage());
            }
        }
        check(!c.scenario.type.equals("online") || c.training.epochs == 1, "training.epochs",
                "online scenarios are single-pass: must be 1, got " + c.training.epochs);
        check(Strategies.exists(c.strategy.name), "strategy.name", "unknown strategy '" + c.strategy.name
                + "'; choose one or a '+' combination of " + String.join(", ", Strategies.names()));
        RunConfig.EvaluationConfig e = c.evaluation;
        check(e.everySteps >= 0, "evaluation.every_steps", "must be >= 0 (0 turns continual evaluation off), got " + e.everySteps);
        check(e.subsetSize >= 1, "evaluation.subset_size", "must be at least 1, got " + e.subsetSize);
        check(e.batchSize >= 1, "evaluation.batch_size", "must be at least 1, got " + e.batchSize);
        check(e.matrix.equals("full") || e.matrix.equals("diagonal"), "evaluation.matrix", "must be full or diagonal, got '" + e.matrix + "'");
        check(e.window >= 1, "evaluation.window", "must be at least 1, got " + e.window);
    }

    private static void validateScenario(RunConfig.ScenarioConfig s) {
        Set<String> allowed = SCENARIO_KEYS.get(s.type);
        check(allowed != null, "scenario.type", "unknown scenario type '" + s.type + "'; choose one of "
                + String.join(", ", SCENARIO_KEYS.keySet()));
        Map<String, Object> present = new LinkedHashMap<>();
        present.put("classes_per_experience", s.classesPerExperience);
        present.put("class_order", s.classOrder);
        present.put("task_incremental", s.taskIncremental);
        present.put("tasks", s.tasks);
        present.put("angles", s.angles);
        present.put("max_degrees", s.maxDegrees);
        present.put("overlap", s.overlap);
        present.put("kind", s.kind);
        present.put("samples_per_task", s.samplesPerTask);
        for (Map.Entry<String, Object> entry : present.entrySet()) {
            check(entry.getValue() == null || allowed.contains(entry.getKey()), "scenario." + entry.getKey(),
                    "not used by scenario type " + s.type + " (it uses " + String.join(", ", allowed.stream().sorted().toList()) + ")");
        }
        check(s.classesPerExperience == null || s.classesPerExperience >= 1, "scenario.classes_per_experience",
                "must be at least 1, got " + s.classesPerExperience);
        check(s.tasks == null || s.tasks >= 1, "scenario.tasks", "must be at least 1, got " + s.tasks);
        check(s.overlap == null || (s.overlap >= 0 && s.overlap < 1), "scenario.overlap", "must be in [0, 1), got " + s.overlap);
        check(s.samplesPerTask == null || s.samplesPerTask >= 1, "scenario.samples_per_task", "must be at least 1, got " + s.samplesPerTask);
        check(s.kind == null || List.of("permuted", "random-label").contains(s.kind), "scenario.kind",
                "must be permuted or random-label, got '" + s.kind + "'");
        check(s.angles == null || s.tasks == null || s.angles.size() == s.tasks, "scenario.angles",
                "lists " + (s.angles == null ? 0 : s.angles.size()) + " angles for " + s.tasks + " tasks");
        if (s.classOrder != null) {
            boolean random = s.classOrder.isTextual() && s.classOrder.asText().equals("random");
            boolean list = s.classOrder.isArray();
            if (list) {
                for (var n : s.classOrder) {
                    list &= n.isInt();
                }
            }
            check(random || list, "scenario.class_order", "must be a list of class ids or \"random\", got " + s.classOrder);
        }
    }

    private static void check(boolean ok, String key, String problem) {
        if (!ok) {
            throw new PerennialException("config " + key + ": " + problem);
        }
    }
}
