package ai.perennial.spark;

import ai.perennial.core.PerennialException;
import ai.perennial.core.registry.Param;
import ai.perennial.core.registry.Values;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Local SGD (and Local AdamW, with any optimizer recipe): K workers each take H local steps from the round's parameters,
 * then the parameters are averaged. H comes from the synchronization rule: every step (H = 1, data-parallel SGD), a
 * constant H, or the Quadratic Synchronization Rule, H_t = max(H_base, ⌊(α / η_t)²⌋) with η_t the learning rate when the
 * round starts, so rounds lengthen as the schedule decays (Gu et al., "Why (and when) does local SGD generalize better
 * than SGD?", ICLR 2023; catalog-a #2).
 */
public record LocalSgd(int workers, String sync, int localSteps, Double qsrAlpha, boolean averageOptimizer, boolean barrier)
        implements Serializable {
    /** The config section (and result.json / manifest key) that holds these settings. */
    public static final String SECTION = "distributed";
    public static final String EVERY = "every";
    public static final String CONSTANT = "constant";
    public static final String QSR = "qsr";

    public static final Param<Integer> WORKERS = Param.integer("workers", 2,
            "K: workers, one Spark task each, each training on its own shard of every experience").atLeast(1).atMost(4096);
    public static final Param<String> SYNC = Param.choice("sync", CONSTANT,
            "when the workers average: every (H = 1, data-parallel SGD), constant (every local_steps steps), qsr (H = max(local_steps,"
                    + " floor((qsr_alpha / lr)^2)) from the learning rate at the round's start)", EVERY, CONSTANT, QSR);
    public static final Param<Integer> LOCAL_STEPS = Param.integer("local_steps", 4,
            "H: local steps per round for sync constant; the smallest H for sync qsr").atLeast(1).atMost(1 << 24);
    public static final Param<Double> QSR_ALPHA = Param.number("qsr_alpha", null,
            "alpha of the Quadratic Synchronization Rule (needed for sync qsr): rounds grow past local_steps once the learning rate"
                    + " falls below alpha / sqrt(local_steps)").positive();
    public static final Param<Boolean> AVERAGE_OPTIMIZER = Param.flag("average_optimizer", false,
            "also average the optimizer state (moments) every round; by default each worker keeps its own");
    public static final Param<Boolean> BARRIER = Param.flag("barrier", true,
            "run each round as a Spark barrier stage: the K tasks start together (the cluster needs K free task slots) and a failed"
                    + " task reruns the whole round");
    public static final List<Param<?>> PARAMS = List.of(WORKERS, SYNC, LOCAL_STEPS, QSR_ALPHA, AVERAGE_OPTIMIZER, BARRIER);

    /** A setting's full key, as messages name it: distributed.NAME. */
    static String key(Param<?> param) {
        return SECTION + "." + param.name();
    }

    /** Checks {@code raw} (keys of {@link #PARAMS}, as a config section {@code distributed} gives them). */
    public static LocalSgd of(Map<String, ?> raw) {
        Values v = Values.resolve(PARAMS, raw, SECTION, "distributed training");
        String sync = v.get(SYNC);
        Double alpha = v.get(QSR_ALPHA);
        if (sync.equals(QSR) && alpha == null) {
            throw new PerennialException(key(QSR_ALPHA) + ": sync " + QSR + " needs alpha, e.g. " + QSR_ALPHA.name()
                    + ": 0.2 (with a peak learning rate of"
                    + " 0.1 and local_steps 4, rounds start at 4 steps and lengthen as the rate decays)");
        }
        if (!sync.equals(QSR) && alpha != null) {
            throw new PerennialException(key(QSR_ALPHA) + ": only sync " + QSR + " uses it; set " + key(SYNC) + ": " + QSR + " or drop "
                    + QSR_ALPHA.name());
        }
        if (sync.equals(EVERY) && raw.containsKey(LOCAL_STEPS.name()) && v.get(LOCAL_STEPS) != 1) {
            throw new PerennialException(key(LOCAL_STEPS) + ": sync " + EVERY + " averages after each step; drop " + LOCAL_STEPS.name()
                    + " or use sync " + CONSTANT);
        }
        return new LocalSgd(v.get(WORKERS), sync, sync.equals(EVERY) ? 1 : v.get(LOCAL_STEPS), alpha, v.get(AVERAGE_OPTIMIZER),
                v.get(BARRIER));
    }

    /** Local steps of a round that starts where the learning rate is {@code lr} (before the cut at an experience's end). */
    public int roundLength(double lr) {
        if (!sync.equals(QSR)) {
            return localSteps;
        }
        double ratio = qsrAlpha / lr;
        double h = Math.floor(ratio * ratio); // lr = 0 gives +inf: the rest of the experience in one round
        return (int) Math.max(localSteps, Math.min(h, Integer.MAX_VALUE));
    }

    /** The settings as a config section (what a run's manifest and result record). */
    public Map<String, Object> resolved() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put(WORKERS.name(), workers);
        out.put(SYNC.name(), sync);
        out.put(LOCAL_STEPS.name(), localSteps);
        out.put(QSR_ALPHA.name(), qsrAlpha);
        out.put(AVERAGE_OPTIMIZER.name(), averageOptimizer);
        out.put(BARRIER.name(), barrier);
        return out;
    }
}
