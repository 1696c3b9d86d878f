package ai.perennial.cl.strategy.plasticity;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.perennial.cl.strategy.Strategy;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.model.Parameter;
import ai.perennial.core.registry.Component;
import ai.perennial.core.registry.Param;
import ai.perennial.core.registry.Registered;
import ai.perennial.core.run.Seeds;
import ai.perennial.core.state.StateDict;
import ai.perennial.core.train.Batch;
import ai.perennial.core.train.TrainingContext;

/**
 * Shrink-and-perturb (Ash &amp; Adams 2020; as a plasticity method in Dohare et al. 2024): θ ← λθ + σε with ε ~ N(0, I),
 * after every step or when each new experience arrives (a warm start that forgets a little and is nudged off its
 * plateau). The noise is drawn on the device from the engine's generator, seeded from the strategy's seed and the step,
 * so a run and its resumption draw the same noise.
 */
public final class ShrinkAndPerturb implements Strategy {
    /** Cadence: after every optimizer step. */
    public static final String EVERY_STEP = "step";
    /** Cadence: at the start of every experience after the first. */
    public static final String EVERY_EXPERIENCE = "experience";

    @Registered
    public static final Component<Long, Strategy> SHRINK_PERTURB = Component.of(KIND, "shrink-perturb")
            .summary("shrink-and-perturb: θ ← λθ + σε after every step or at each new experience")
            .source("Ash & Adams 2020; Dohare et al. 2024")
            .family("plasticity")
            .params(Param.number("shrink", 0.9999, "λ: factor the weights are multiplied by").positive().atMost(1),
                    Param.number("noise", 1e-4, "σ: standard deviation of the Gaussian perturbation").nonNegative(),
                    Param.choice("cadence", EVERY_STEP, "when to shrink and perturb", EVERY_STEP, EVERY_EXPERIENCE))
            .factory((v, seed) -> new ShrinkAndPerturb(v.number("shrink"), v.number("noise"), v.text("cadence"), seed));

    private final double shrink;
    private final double noise;
    private final boolean everyStep;
    private final long seed;

    public ShrinkAndPerturb(double shrink, double noise, String cadence, long seed) {
        this.shrink = shrink;
        this.noise = noise;
        this.everyStep = EVERY_STEP.equals(cadence);
        this.seed = seed;
    }

    @Override
    public String name() {
        return "shrink-perturb";
    }

    @Override
    public void afterUpdate(TrainingContext c, Batch batch) {
        if (everyStep) {
            apply(c);
        }
    }

    @Override
    public void onExperienceStart(TrainingContext c) {
        if (!everyStep && c.experienceIndex() > 0) {
            apply(c);
        }
    }

    private void apply(TrainingContext c) {
        Engines.pytorch().setRandomSeed((int) Seeds.derive(seed, "shrink-perturb-" + c.globalStep()));
        for (Parameter p : c.model().parameters()) {
            NDArray w = p.array();
            w.muli((float) shrink);
            if (noise > 0) {
                w.addi(w.getManager().randomNormal(0, (float) noise, w.getShape(), DataType.FLOAT32));
            }
        }
    }

    /** Stateless: the noise depends only on the seed and the step. */
    @Override
    public StateDict exportState() {
        return new StateDict();
    }
}
