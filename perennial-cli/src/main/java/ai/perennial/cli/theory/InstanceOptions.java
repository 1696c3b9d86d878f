package ai.perennial.cli.theory;

import ai.perennial.theory.Instances;
import ai.perennial.theory.TaskCollection;
import ai.perennial.theory.TheoryException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Option;

/** Options that choose a task collection (shared by {@code theory regression} and {@code theory bench}). */
final class InstanceOptions {
    @Option(names = "--family", defaultValue = "gaussian",
            description = "Task family: gaussian, low-rank, cone, multiscale, staircase, angle. Default: ${DEFAULT-VALUE}")
    String family;

    @Option(names = "--tasks", defaultValue = "50", description = "Number of tasks T. Default: ${DEFAULT-VALUE}")
    int tasks;

    @Option(names = "--dim", defaultValue = "100", description = "Dimension d. Default: ${DEFAULT-VALUE}")
    int dim;

    @Option(names = "--rank", defaultValue = "5", description = "Rank r of each task (gaussian, low-rank). Default: ${DEFAULT-VALUE}")
    int rank;

    @Option(names = "--rows", description = "Rows per task for low-rank (≥ rank). Default: 2·rank")
    Integer rows;

    @Option(names = "--epsilon", defaultValue = "0.01",
            description = "Cone width ε (cone) or smallest width ε_min (multiscale). Default: ${DEFAULT-VALUE}")
    double epsilon;

    @Option(names = "--angle", defaultValue = "0.3", description = "Angle θ in radians between the two tasks (angle). Default: ${DEFAULT-VALUE}")
    double angle;

    @Option(names = "--task-seed", defaultValue = "1", description = "Seed of the task collection. Default: ${DEFAULT-VALUE}")
    long taskSeed;

    TaskCollection build() {
        return switch (family.toLowerCase(Locale.ROOT)) {
            case "gaussian" -> Instances.gaussian(tasks, dim, rank, taskSeed);
            case "low-rank" -> Instances.lowRank(tasks, dim, rows == null ? 2 * rank : rows, rank, taskSeed);
            case "cone" -> Instances.cone(tasks, dim, epsilon, taskSeed);
            case "multiscale" -> Instances.multiScale(tasks, dim, epsilon, taskSeed);
            case "staircase" -> Instances.staircase(tasks, dim);
            case "angle" -> Instances.angle(angle);
            default -> throw new TheoryException("unknown --family '" + family
                    + "'; use gaussian, low-rank, cone, multiscale, staircase or angle");
        };
    }

    Map<String, Object> describe(TaskCollection c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("family", family);
        m.put("tasks", c.size());
        m.put("dim", c.dim());
        m.put("average_rank", c.averageRank());
        m.put("scale_r", c.scale());
        m.put("optimum_norm", c.optimumNorm());
        m.put("realizable", c.realizable());
        m.put("task_seed", taskSeed);
        return m;
    }
}
