package ai.perennial.core.optim;

import static ai.perennial.core.optim.Transforms.addDecayedWeights;
import static ai.perennial.core.optim.Transforms.chain;
import static ai.perennial.core.optim.Transforms.scaleByAdam;
import static ai.perennial.core.optim.Transforms.scaleByLearningRate;
import static ai.perennial.core.optim.Transforms.traceMomentum;

import ai.perennial.core.model.Parameter;
import ai.perennial.core.registry.Component;
import ai.perennial.core.registry.Kind;
import ai.perennial.core.registry.Param;
import ai.perennial.core.registry.Registered;
import ai.perennial.core.registry.Values;
import ai.perennial.core.schedule.Schedule;
import java.util.function.Predicate;

/**
 * Named optimizer recipes, each a chain of {@link Transforms} declared next to its function. A recipe is built from its
 * parameters plus the learning-rate schedule and a seed for injected noise ({@link Context}); the optimizer section of a
 * config also takes the keys of {@link OptimizerConfig} (lr, schedule, warmup) and of the wrappers ({@link #WRAPPER}).
 */
public final class Optimizers {
    public static final Kind<Context, GradientTransform> KIND = Kind.of("optimizer", "optimizers",
            "optimizer recipes: chains of gradient transforms with explicit state");

    /** A wrapper sees the whole recipe (and all parameters at once); each is off until its key is set. */
    public static final Kind<Wrapping, GradientTransform> WRAPPER = Kind.of("optimizer-wrapper", "optimizer-wrappers",
            "wrappers around any optimizer recipe, switched on by their key in the optimizer section");

    /** What a wrapper gets besides its parameters: the transform it wraps and a seed for its own randomness. */
    public record Wrapping(GradientTransform inner, long seed) {
    }

    /** What a recipe gets besides its parameters: the learning-rate schedule and a seed for its noise. */
    public record Context(Schedule lr, long seed) {
    }

    /** Decay every parameter (PyTorch's default). */
    public static final Predicate<Parameter> ALL = p -> true;

    /** Decay weight matrices and kernels only, not biases (each model marks its parameters). */
    public static final Predicate<Parameter> WEIGHTS = Parameter::decays;

    // parameters several recipes share (recipe-specific defaults are declared with the recipe)
    public static final Param<Double> BETA1 = Param.number("beta1", 0.9, "decay of the first-moment average").inHalfOpen(0, 1);
    public static final Param<Double> BETA2 = Param.number("beta2", 0.999, "decay of the second-moment average").inHalfOpen(0, 1);
    public static final Param<Double> EPS = Param.number("eps", 1e-8, "added to the denominator").positive();
    public static final Param<String> DECAY_MASK = Param.choice("decay_mask", "all",
            "which parameters weight decay touches: all, or weights (not biases)", "all", "weights");
    private static final Param<Double> NO_DECAY = Param.number("weight_decay", 0.0, "weight decay").nonNegative();
    private static final Param<Double> MOMENTUM_OFF = Param.number("momentum", 0.0, "momentum (0 = plain SGD)").inHalfOpen(0, 1);
    private static final Param<Double> MOMENTUM_ON = Param.number("momentum", 0.9, "momentum").inHalfOpen(0, 1);

    private static Predicate<Parameter> mask(Values v) {
        return v.get(DECAY_MASK).equals("weights") ? WEIGHTS : ALL;
    }

    @Registered
    public static final Component<Context, GradientTransform> SGD = Component.of(KIND, "sgd")
            .summary("stochastic gradient descent with optional momentum and coupled weight decay (torch.optim.SGD)")
            .family("sgd")
            .params(MOMENTUM_OFF, NO_DECAY, DECAY_MASK)
            .factory((v, c) -> sgd(c.lr(), v.get(MOMENTUM_OFF), false, v.get(NO_DECAY), mask(v)));

    @Registered
    public static final Component<Context, GradientTransform> MOMENTUM = Component.of(KIND, "momentum")
            .summary("SGD with heavy-ball momentum (default 0.9)")
            .source("Polyak 1964")
            .family("sgd")
            .params(MOMENTUM_ON, NO_DECAY, DECAY_MASK)
            .factory((v, c) -> sgd(c.lr(), v.get(MOMENTUM_ON), false, v.get(NO_DECAY), mask(v)));

    @Registered
    public static final Component<Context, GradientTransform> NESTEROV = Component.of(KIND, "nesterov")
            .summary("SGD with Nesterov momentum (default 0.9), as torch.optim.SGD(nesterov=True)")
            .source("Nesterov 1983; Sutskever et al. 2013")
            .family("sgd")
            .params(MOMENTUM_ON, NO_DECAY, DECAY_MASK)
            .factory((v, c) -> sgd(c.lr(), v.get(MOMENTUM_ON), true, v.get(NO_DECAY), mask(v)));

    private Optimizers() {
    }

    /**
     * SGD with optional heavy-ball or Nesterov momentum and coupled weight decay, matching
     * {@code torch.optim.SGD(lr, momentum, nesterov=..., weight_decay=wd)}.
     */
    public static GradientTransform sgd(Schedule lr, double momentum, boolean nesterov, double weightDecay) {
        return sgd(lr, momentum, nesterov, weightDecay, ALL);
    }

    public static GradientTransform sgd(Schedule lr, double momentum, boolean nesterov, double weightDecay,
            Predicate<Parameter> decayMask) {
        if (momentum == 0) {
            return chain(addDecayedWeights(weightDecay, decayMask), scaleByLearningRate(lr));
        }
        return chain(addDecayedWeights(weightDecay, decayMask), traceMomentum(momentum, nesterov), scaleByLearningRate(lr));
    }

    @Registered
    public static final Component<Context, GradientTransform> ADAM = Component.of(KIND, "adam")
            .summary("Adam: bias-corrected first and second moment estimates, no weight decay")
            .source("Kingma & Ba 2015")
            .family("adam")
            .params(BETA1, BETA2, EPS)
            .factory((v, c) -> adam(c.lr(), v.get(BETA1), v.get(BETA2), v.get(EPS)));

    /** Adam (Kingma & Ba), no weight decay. */
    public static GradientTransform adam(Schedule lr, double b1, double b2, double eps) {
        return chain(scaleByAdam(b1, b2, eps), scaleByLearningRate(lr));
    }

    private static final Param<Double> ADAMW_DECAY = Param.number("weight_decay", 0.01, "decoupled weight decay").nonNegative();

    @Registered
    public static final Component<Context, GradientTransform> ADAMW = Component.of(KIND, "adamw")
            .summary("AdamW: Adam with weight decay decoupled from the adaptive scaling (torch.optim.AdamW)")
            .source("Loshchilov & Hutter 2019")
            .family("adam")
            .params(BETA1, BETA2, EPS, ADAMW_DECAY, DECAY_MASK)
            .factory((v, c) -> adamw(c.lr(), v.get(BETA1), v.get(BETA2), v.get(EPS), v.get(ADAMW_DECAY), mask(v)));

    /**
     * AdamW (Loshchilov & Hutter): weight decay decoupled from the adaptive scaling,
     * {@code p -= lr * (m̂/(sqrt(v̂)+eps) + wd*p)}, matching {@code torch.optim.AdamW}.
     */
    public static GradientTransform adamw(Schedule lr, double b1, double b2, double eps, double weightDecay,
            Predicate<Parameter> decayMask) {
        return chain(scaleByAdam(b1, b2, eps), addDecayedWeights(weightDecay, decayMask), scaleByLearningRate(lr));
    }

    @Registered
    public static final Component<Context, GradientTransform> ADAM_L2 = Component.of(KIND, "adam-l2")
            .summary("Adam with coupled L2: the decay term joins the gradient before the adaptive scaling (torch.optim.Adam(weight_decay))")
            .source("Kingma & Ba 2015")
            .family("adam")
            .params(BETA1, BETA2, EPS, NO_DECAY, DECAY_MASK)
            .factory((v, c) -> adamL2(c.lr(), v.get(BETA1), v.get(BETA2), v.get(EPS), v.get(NO_DECAY), mask(v)));

    /**
     * Adam with coupled L2: the decay term {@code wd*p} is added to the gradient before the adaptive
     * scaling, matching {@code torch.optim.Adam(weight_decay=wd)}.
     */
    public static GradientTransform adamL2(Schedule lr, double b1, double b2, double eps, double weightDecay) {
        return adamL2(lr, b1, b2, eps, weightDecay, ALL);
    }

    public static GradientTransform adamL2(Schedule lr, double b1, double b2, double eps, double weightDecay,
            Predicate<Parameter> decayMask) {
        return chain(addDecayedWeights(weightDecay, decayMask), scaleByAdam(b1, b2, eps), scaleByLearningRate(lr));
    }

    private static final Param<Double> FADAM_CLIP = Param.number("rms_clip", 1.0, "RMS bound of the preconditioned gradient per tensor")
            .positive();

    @Registered
    public static final Component<Context, GradientTransform> FADAM = Component.of(KIND, "fadam")
            .summary("FAdam: Adam as a diagonal natural gradient, bias correction in the Fisher average, clipped, decay in Fisher geometry")
            .source("Hwang 2024")
            .family("adam")
            .params(BETA1, BETA2, EPS, FADAM_CLIP, NO_DECAY)
            .factory((v, c) -> fadam(c.lr(), v.get(BETA1), v.get(BETA2), v.get(EPS), v.get(FADAM_CLIP), v.get(NO_DECAY)));

    /** FAdam: natural-gradient Adam with clipping and Fisher-space weight decay (see {@link Fadam}). */
    public static GradientTransform fadam(Schedule lr, double b1, double b2, double eps, double clip, double weightDecay) {
        return chain(Fadam.scale(b1, b2, eps, clip, weightDecay), scaleByLearningRate(lr));
    }

    @Registered
    public static final Component<Context, GradientTransform> AMSGRAD = Component.of(KIND, "amsgrad")
            .summary("AMSGrad: Adam with the running maximum of the second moment")
            .source("Reddi, Kale & Kumar 2018")
            .family("adam")
            .params(BETA1, BETA2, EPS)
            .factory((v, c) -> amsgrad(c.lr(), v.get(BETA1), v.get(BETA2), v.get(EPS)));

    /** AMSGrad: Adam with the running maximum of the second moment. */
    public static GradientTransform amsgrad(Schedule lr, double b1, double b2, double eps) {
        return chain(AdaptiveTransforms.scaleByAmsgrad(b1, b2, eps), scaleByLearningRate(lr));
    }

    @Registered
    public static final Component<Context, GradientTransform> RADAM = Component.of(KIND, "radam")
            .summary("RAdam: rectified Adam, momentum SGD while the variance estimate is unreliable")
            .source("Liu et al. 2020")
            .family("adam")
            .params(BETA1, BETA2, EPS)
            .factory((v, c) -> radam(c.lr(), v.get(BETA1), v.get(BETA2), v.get(EPS)));

    /** RAdam: rectified Adam with the momentum-SGD fallback while the variance estimate is unreliable. */
    public static GradientTransform radam(Schedule lr, double b1, double b2, double eps) {
        return chain(AdaptiveTransforms.scaleByRadam(b1, b2, eps), scaleByLearningRate(lr));
    }

    private static final Param<Double> FINAL_LR = Param.number("final_lr", 0.1, "the SGD rate the bounds converge to").positive();
    private static final Param<Double> GAMMA = Param.number("gamma", 1e-3, "convergence speed of the bounds").positive();

    @Registered
    public static final Component<Context, GradientTransform> ADABOUND = Component.of(KIND, "adabound")
            .summary("AdaBound: Adam with per-parameter rates clipped to bounds that converge to final_lr")
            .source("Luo et al. 2019")
            .family("adam")
            .params(BETA1, BETA2, EPS, FINAL_LR, GAMMA)
            .factory((v, c) -> adabound(c.lr(), v.get(BETA1), v.get(BETA2), v.get(EPS), v.get(FINAL_LR), v.get(GAMMA), false));

    @Registered
    public static final Component<Context, GradientTransform> AMSBOUND = Component.of(KIND, "amsbound")
            .summary("AMSBound: AdaBound on AMSGrad's running maximum")
            .source("Luo et al. 2019")
            .family("adam")
            .params(BETA1, BETA2, EPS, FINAL_LR, GAMMA)
            .factory((v, c) -> adabound(c.lr(), v.get(BETA1), v.get(BETA2), v.get(EPS), v.get(FINAL_LR), v.get(GAMMA), true));

    /** AdaBound (or AMSBound) with the reference defaults final_lr = 0.1, γ = 1e-3 unless given. */
    public static GradientTransform adabound(Schedule lr, double b1, double b2, double eps, double finalLr, double gamma,
            boolean amsbound) {
        return chain(AdaptiveTransforms.adabound(lr, b1, b2, eps, finalLr, gamma, amsbound));
    }

    private static final Param<Double> BETA3 = Param.number("beta3", 0.999, "decay of the momental bound").inHalfOpen(0, 1);

    @Registered
    public static final Component<Context, GradientTransform> ADAMOD = Component.of(KIND, "adamod")
            .summary("AdaMod: Adam with per-parameter rates bounded by their own exponential average")
            .source("Ding, Ren, Luo & Sun 2019")
            .family("adam")
            .params(BETA1, BETA2, BETA3, EPS)
            .factory((v, c) -> adamod(c.lr(), v.get(BETA1), v.get(BETA2), v.get(BETA3), v.get(EPS)));

    /** AdaMod with momental bound β3 (0.999 in the paper). */
    public static GradientTransform adamod(Schedule lr, double b1, double b2, double b3, double eps) {
        return chain(AdaptiveTransforms.adamod(lr, b1, b2, b3, eps));
    }

    private static final Param<Boolean> RELATIVE_STEP = Param.flag("relative_step", true,
            "step size relative to the parameter scale (lr and schedule unused); false uses the learning-rate schedule");

    @Registered
    public static final Component<Context, GradientTransform> ADAFACTOR = Component.of(KIND, "adafactor")
            .summary("Adafactor: factored second moments, relative step sizes, update clipping, β2 schedule")
            .source("Shazeer & Stern 2018")
            .family("adam")
            .params(RELATIVE_STEP)
            .factory((v, c) -> adafactor(v.get(RELATIVE_STEP) ? null : c.lr()));

    /**
     * Adafactor with the reference defaults (decay −0.8, ε1 = 1e-30, ε2 = 1e-3, clipping threshold 1) and
     * relative step sizes; pass a schedule to use an explicit learning rate instead.
     */
    public static GradientTransform adafactor(Schedule lrOrNull) {
        return chain(AdaptiveTransforms.adafactor(lrOrNull, -0.8, 1e-30, 1e-3, 1.0));
    }
}
