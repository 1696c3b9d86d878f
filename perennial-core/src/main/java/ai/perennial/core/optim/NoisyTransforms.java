package ai.perennial.core.optim;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Activation;
import ai.perennial.core.PerennialException;
import ai.perennial.core.model.Parameter;
import ai.perennial.core.registry.Component;
import ai.perennial.core.registry.Param;
import ai.perennial.core.registry.Registered;
import ai.perennial.core.run.Seeds;
import ai.perennial.core.schedule.Schedule;
import java.util.ArrayList;
import java.util.List;

/**
 * Updates with injected Gaussian noise, drawn on the device from the engine's generator, which is seeded from the run
 * seed and the step count before every step: a run with the same seed draws the same noise, also across a resume.
 */
public final class NoisyTransforms {
    private static final Param<Double> TEMPERATURE = Param.number("temperature", 1e-5, "temperature T of the injected noise")
            .nonNegative();
    private static final Param<Double> UTILITY_DECAY = Param.number("utility_decay", 0.999, "decay of the utility average")
            .inHalfOpen(0, 1);
    private static final Param<Double> NOISE = Param.number("noise", 1e-3, "standard deviation σ of the perturbation").nonNegative();
    private static final Param<Double> DECAY = Param.number("weight_decay", 0.0, "weight decay").nonNegative();

    @Registered
    public static final Component<Optimizers.Context, GradientTransform> SGLD = Component.of(Optimizers.KIND, "sgld")
            .summary("stochastic gradient Langevin dynamics: an SGD step plus Gaussian noise √(2ηT)")
            .source("Welling & Teh 2011")
            .family("noisy")
            .params(TEMPERATURE)
            .factory((v, c) -> sgld(c.lr(), v.get(TEMPERATURE), c.seed()));

    @Registered
    public static final Component<Optimizers.Context, GradientTransform> UPGD = Component.of(Optimizers.KIND, "upgd")
            .summary("utility-based perturbed gradient descent: useful weights are protected, the rest get noisy steps (plasticity)")
            .source("Elsayed & Mahmood 2024")
            .family("plasticity")
            .params(UTILITY_DECAY, NOISE, DECAY)
            .factory((v, c) -> upgd(c.lr(), v.get(UTILITY_DECAY), v.get(NOISE), v.get(DECAY), c.seed()));

    private NoisyTransforms() {
    }

    /**
     * SGLD (Welling & Teh 2011) at temperature T: u = −η_t·g + √(2η_t·T)·ξ, ξ ~ N(0, I). T = 0 is plain SGD; T = 1
     * samples the Gibbs density ∝ exp(−L) for small steps. A complete recipe (it scales by the learning rate itself).
     */
    public static GradientTransform sgld(Schedule lr, double temperature, long seed) {
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new PerennialException("SGLD temperature must be >= 0, got " + temperature);
        }
        return new GradientTransform() {
            @Override
            public TransformState init(List<Parameter> params) {
                return new TransformState();
            }

            @Override
            public List<NDArray> update(List<NDArray> grads, TransformState state, List<Parameter> params) {
                double eta = lr.at(state.count());
                seed(seed, state.count());
                state.increment();
                float noise = (float) Math.sqrt(2 * eta * temperature);
                List<NDArray> out = new ArrayList<>(grads.size());
                for (NDArray g : grads) {
                    NDArray u = g.mul((float) -eta);
                    if (noise > 0) {
                        u = u.addi(g.getManager().randomNormal(0, noise, g.getShape(), DataType.FLOAT32));
                    }
                    out.add(u);
                }
                return out;
            }
        };
    }

    /**
     * UPGD, first-order (Elsayed & Mahmood 2024): utility u = −g⊙w tracked as an EMA ũ (decay β_u) with bias correction,
     * scaled ū = sigmoid(ũ/max(max ũ, 1e-30)) with the maximum over all parameters, and the update
     * u = −η_t·(g + ξ)⊙(1 − ū) − η_t·λ·w, ξ ~ N(0, σ²). Useful weights (ū → 1) barely move; useless ones get noisy
     * steps that keep the network plastic.
     */
    public static GradientTransform upgd(Schedule lr, double utilityDecay, double sigma, double weightDecay, long seed) {
        if (!(utilityDecay > 0 && utilityDecay < 1)) {
            throw new PerennialException("UPGD utility decay must be in (0, 1), got " + utilityDecay);
        }
        if (!(sigma >= 0) || !(weightDecay >= 0)) {
            throw new PerennialException("UPGD noise and weight decay must be >= 0, got " + sigma + " and " + weightDecay);
        }
        return new GradientTransform() {
            @Override
            public TransformState init(List<Parameter> params) {
                TransformState s = new TransformState();
                s.addZerosLike("utility", params);
                return s;
            }

            @Override
            public List<NDArray> update(List<NDArray> grads, TransformState state, List<Parameter> params) {
                double eta = lr.at(state.count());
                seed(seed, state.count());
                state.increment();
                List<NDArray> utility = state.buffer("utility");
                float correction = (float) (1 / (1 - StrictMath.pow(utilityDecay, state.count())));
                NDArray max = null;
                for (int i = 0; i < grads.size(); i++) {
                    NDArray w = params.get(i).array();
                    utility.get(i).muli((float) utilityDecay).addi(grads.get(i).mul(w).muli((float) -(1 - utilityDecay)));
                    NDArray m = utility.get(i).max();
                    max = max == null ? m : max.maximum(m);
                }
                // ũ/max ũ, both bias-corrected; a non-positive maximum (no useful weight yet) is clamped so the gate stays finite
                NDArray inverseMax = max.mul(correction).maximum(1e-30f).pow(-1);
                List<NDArray> out = new ArrayList<>(grads.size());
                for (int i = 0; i < grads.size(); i++) {
                    NDArray g = grads.get(i);
                    NDArray gate = Activation.sigmoid(utility.get(i).mul(correction).muli(inverseMax)).neg().addi(1f);
                    NDArray direction = sigma > 0 ? g.add(g.getManager().randomNormal(0, (float) sigma, g.getShape(), DataType.FLOAT32)) : g;
                    NDArray u = direction.mul(gate).muli((float) -eta);
                    if (weightDecay > 0) {
                        u.subi(params.get(i).array().mul((float) (eta * weightDecay)));
                    }
                    out.add(u);
                }
                return out;
            }
        };
    }

    /**
     * Seeds the engine's generator from the run's seed and the step, before each step's draws: the noise then depends
     * only on where the run is, so a run resumed from a checkpoint draws exactly what it would have drawn.
     */
    private static void seed(long seed, long step) {
        Engine.getEngine("PyTorch").setRandomSeed((int) Seeds.derive(seed, "step-" + step));
    }
}
