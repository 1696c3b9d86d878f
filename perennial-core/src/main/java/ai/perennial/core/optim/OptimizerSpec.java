package ai.perennial.core.optim;

import ai.perennial.core.PerennialException;
import ai.perennial.core.schedule.Schedule;
import ai.perennial.core.schedule.ScheduleSpec;
import java.util.List;

/**
 * An optimizer chosen by name with its hyperparameters, as given on the command line or in a config.
 * Validation happens here, before any training starts.
 *
 * <p>Names: {@code sgd}, {@code momentum} (heavy ball), {@code nesterov}, {@code adam}, {@code adamw},
 * {@code adam-l2}, {@code amsgrad}, {@code radam}, {@code adabound}, {@code amsbound}, {@code adamod}, {@code adafactor},
 * {@code fadam}, {@code sgld}, {@code upgd}; any of them wrapped in SAM and/or global-norm clipping ({@link Extras}). Schedule: any {@link ScheduleSpec} ({@code constant}, {@code cosine} over the run,
 * {@code wsd}, {@code rex}, ...), whose rates default to {@code lr}, with an optional linear warmup.
 */
public record OptimizerSpec(String name, double lr, double momentum, double weightDecay, double beta1,
        double beta2, double eps, String schedule, long warmupSteps, Extras extras) {

    public static final List<String> NAMES = List.of("sgd", "momentum", "nesterov", "adam", "adamw", "adam-l2", "amsgrad", "radam",
            "adabound", "amsbound", "adamod", "adafactor", "fadam", "sgld", "upgd");

    /**
     * Wrappers and recipe-specific settings: global-norm clipping ({@code clipNorm}, 0 = off), SAM around any recipe
     * ({@code samRho}, 0 = off), SGLD's {@code temperature}, UPGD's noise σ and utility decay, FAdam's RMS clip, which
     * parameters decay ({@code decayMask}: "all", or "weights" to skip biases), and the seed of the injected noise.
     */
    public record Extras(double clipNorm, double samRho, double temperature, double noise, double utilityDecay, double fadamClip,
            String decayMask, long seed) {
        public static final Extras DEFAULT = new Extras(0, 0, 1e-5, 1e-3, 0.999, 1, "all", 1);

        public Extras {
            if (!(clipNorm >= 0) || !(samRho >= 0)) {
                throw new PerennialException("clip norm and SAM rho must be >= 0 (0 turns them off), got " + clipNorm + " and " + samRho);
            }
            if (!decayMask.equals("all") && !decayMask.equals("weights")) {
                throw new PerennialException("decay mask must be 'all' or 'weights' (no decay on biases), got '" + decayMask + "'");
            }
        }

        /** The settings the command line and run configs expose; UPGD's utility decay and FAdam's clip keep defaults. */
        public static Extras of(double clipNorm, double samRho, double temperature, double noise, String decayMask, long seed) {
            return new Extras(clipNorm, samRho, temperature, noise, DEFAULT.utilityDecay(), DEFAULT.fadamClip(), decayMask, seed);
        }

        public Extras withSamRho(double rho) {
            return new Extras(clipNorm, rho, temperature, noise, utilityDecay, fadamClip, decayMask, seed);
        }
    }

    public OptimizerSpec {
        if (!NAMES.contains(name)) {
            throw new PerennialException("unknown optimizer '" + name + "'; choose one of " + String.join(", ", NAMES));
        }
        if (!(lr > 0) || Double.isInfinite(lr)) {
            throw new PerennialException("learning rate must be a positive number, got " + lr + "; pass e.g. --lr 1e-3");
        }
        if (!(momentum >= 0 && momentum < 1)) {
            throw new PerennialException("momentum must be in [0, 1), got " + momentum);
        }
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new PerennialException("weight decay must be >= 0, got " + weightDecay);
        }
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
            throw new PerennialException("Adam betas must be in [0, 1), got " + beta1 + ", " + beta2);
        }
        if (!(eps > 0)) {
            throw new PerennialException("eps must be positive, got " + eps);
        }
        ScheduleSpec.parse(schedule, lr, 1000); // rejects a bad spec before any training
        if (weightDecay > 0 && List.of("adam", "amsgrad", "radam", "adabound", "amsbound", "adamod", "adafactor", "sgld").contains(name)) {
            throw new PerennialException(name + " takes no weight decay here; use adamw (decoupled) or adam-l2 (coupled L2)");
        }
        if (warmupSteps < 0) {
            throw new PerennialException("warmup steps must be >= 0, got " + warmupSteps);
        }
    }

    /** Defaults of the named optimizer (PyTorch's), with the given learning rate. */
    public static OptimizerSpec defaults(String name, double lr) {
        double momentum = name.equals("momentum") || name.equals("nesterov") ? 0.9 : 0;
        double wd = name.equals("adamw") ? 0.01 : 0;
        return new OptimizerSpec(name, lr, momentum, wd, 0.9, 0.999, 1e-8, "constant", 0, Extras.DEFAULT);
    }

    /** The learning-rate schedule for a run of {@code totalSteps} updates. */
    public Schedule learningRate(long totalSteps) {
        return Schedule.warmup(warmupSteps, ScheduleSpec.parse(schedule, lr, Math.max(1, totalSteps - warmupSteps)));
    }

    public GradientTransform build(long totalSteps) {
        return build(learningRate(totalSteps));
    }

    /** The recipe with an explicit learning-rate schedule (e.g. the LR range test's sweep), plus clipping and SAM. */
    public GradientTransform build(Schedule learningRate) {
        GradientTransform recipe = recipe(learningRate);
        if (extras.clipNorm() > 0) {
            recipe = Transforms.chain(AdaptiveTransforms.clipByGlobalNorm(extras.clipNorm()), recipe);
        }
        return extras.samRho() > 0 ? Sam.wrap(extras.samRho(), recipe) : recipe;
    }

    private GradientTransform recipe(Schedule s) {
        java.util.function.Predicate<ai.perennial.core.model.Parameter> mask = extras.decayMask().equals("weights")
                ? Optimizers.WEIGHTS : Optimizers.ALL;
        return switch (name) {
            case "sgd" -> Optimizers.sgd(s, momentum, false, weightDecay, mask);
            case "momentum" -> Optimizers.sgd(s, momentum, false, weightDecay, mask);
            case "nesterov" -> Optimizers.sgd(s, momentum, true, weightDecay, mask);
            case "adam" -> Optimizers.adam(s, beta1, beta2, eps);
            case "adamw" -> Optimizers.adamw(s, beta1, beta2, eps, weightDecay, mask);
            case "adam-l2" -> Optimizers.adamL2(s, beta1, beta2, eps, weightDecay, mask);
            case "amsgrad" -> Optimizers.amsgrad(s, beta1, beta2, eps);
            case "radam" -> Optimizers.radam(s, beta1, beta2, eps);
            case "adabound" -> Optimizers.adabound(s, beta1, beta2, eps, 0.1, 1e-3, false);
            case "amsbound" -> Optimizers.adabound(s, beta1, beta2, eps, 0.1, 1e-3, true);
            case "adamod" -> Optimizers.adamod(s, beta1, beta2, 0.999, eps);
            case "adafactor" -> Optimizers.adafactor(null); // relative step sizes: --lr is not used
            case "fadam" -> Optimizers.fadam(s, beta1, beta2, eps, extras.fadamClip(), weightDecay);
            case "sgld" -> NoisyTransforms.sgld(s, extras.temperature(), extras.seed());
            case "upgd" -> NoisyTransforms.upgd(s, extras.utilityDecay(), extras.noise(), weightDecay, extras.seed());
            default -> throw new IllegalStateException(name);
        };
    }
}
