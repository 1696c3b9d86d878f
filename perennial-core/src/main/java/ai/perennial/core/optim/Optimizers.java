package ai.perennial.core.optim;

import static ai.perennial.core.optim.Transforms.addDecayedWeights;
import static ai.perennial.core.optim.Transforms.chain;
import static ai.perennial.core.optim.Transforms.scaleByAdam;
import static ai.perennial.core.optim.Transforms.scaleByLearningRate;
import static ai.perennial.core.optim.Transforms.traceMomentum;

import ai.perennial.core.model.Parameter;
import ai.perennial.core.schedule.Schedule;
import java.util.function.Predicate;

/** Named optimizer recipes, each a chain of {@link Transforms}. */
public final class Optimizers {
    /** Decay every parameter (PyTorch's default). */
    public static final Predicate<Parameter> ALL = p -> true;

    /** Decay weight matrices and kernels only, not biases (each model marks its parameters). */
    public static final Predicate<Parameter> WEIGHTS = Parameter::decays;

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

    /** Adam (Kingma & Ba), no weight decay. */
    public static GradientTransform adam(Schedule lr, double b1, double b2, double eps) {
        return chain(scaleByAdam(b1, b2, eps), scaleByLearningRate(lr));
    }

    /**
     * AdamW (Loshchilov & Hutter): weight decay decoupled from the adaptive scaling,
     * {@code p -= lr * (m̂/(sqrt(v̂)+eps) + wd*p)}, matching {@code torch.optim.AdamW}.
     */
    public static GradientTransform adamw(Schedule lr, double b1, double b2, double eps, double weightDecay,
            Predicate<Parameter> decayMask) {
        return chain(scaleByAdam(b1, b2, eps), addDecayedWeights(weightDecay, decayMask), scaleByLearningRate(lr));
    }

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

    /** FAdam: natural-gradient Adam with clipping and Fisher-space weight decay (see {@link Fadam}). */
    public static GradientTransform fadam(Schedule lr, double b1, double b2, double eps, double clip, double weightDecay) {
        return chain(Fadam.scale(b1, b2, eps, clip, weightDecay), scaleByLearningRate(lr));
    }

    /** AMSGrad: Adam with the running maximum of the second moment. */
    public static GradientTransform amsgrad(Schedule lr, double b1, double b2, double eps) {
        return chain(AdaptiveTransforms.scaleByAmsgrad(b1, b2, eps), scaleByLearningRate(lr));
    }

    /** RAdam: rectified Adam with the momentum-SGD fallback while the variance estimate is unreliable. */
    public static GradientTransform radam(Schedule lr, double b1, double b2, double eps) {
        return chain(AdaptiveTransforms.scaleByRadam(b1, b2, eps), scaleByLearningRate(lr));
    }

    /** AdaBound (or AMSBound) with the reference defaults final_lr = 0.1, γ = 1e-3 unless given. */
    public static GradientTransform adabound(Schedule lr, double b1, double b2, double eps, double finalLr, double gamma,
            boolean amsbound) {
        return chain(AdaptiveTransforms.adabound(lr, b1, b2, eps, finalLr, gamma, amsbound));
    }

    /** AdaMod with momental bound β3 (0.999 in the paper). */
    public static GradientTransform adamod(Schedule lr, double b1, double b2, double b3, double eps) {
        return chain(AdaptiveTransforms.adamod(lr, b1, b2, b3, eps));
    }

    /**
     * Adafactor with the reference defaults (decay −0.8, ε1 = 1e-30, ε2 = 1e-3, clipping threshold 1) and
     * relative step sizes; pass a schedule to use an explicit learning rate instead.
     */
    public static GradientTransform adafactor(Schedule lrOrNull) {
        return chain(AdaptiveTransforms.adafactor(lrOrNull, -0.8, 1e-30, 1e-3, 1.0));
    }
}
