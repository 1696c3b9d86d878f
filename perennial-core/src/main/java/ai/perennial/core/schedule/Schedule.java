package ai.perennial.core.schedule;

import ai.perennial.core.registry.Component;
import ai.perennial.core.registry.Kind;
import ai.perennial.core.registry.Param;
import ai.perennial.core.registry.Registered;

/**
 * A value (usually the learning rate) as a pure function of the optimizer step, counted from 0 for
 * the first update. Schedules hold no state, so they can be plotted, composed and checkpointed for free.
 *
 * <p>Each named schedule is declared next to its function; {@link ScheduleSpec} reads them from text. Values use
 * {@link StrictMath}: {@code Math.cos} and friends may round differently once the JIT compiles them, and a rate that
 * differs in its last bit makes two runs with the same seed drift apart.
 */
@FunctionalInterface
public interface Schedule {

    /** Schedules are built from their parameters plus the run's rate and length, which unset values default to. */
    Kind<Context, Schedule> KIND = Kind.of("schedule", "schedules",
            "learning-rate schedules, written name:key=value,... with pieces joined by '+' (see docs/optimizers.md)");

    /** {@code rate}: the optimizer's learning rate; {@code steps}: the piece's length in updates. */
    record Context(double rate, long steps) {
    }

    double at(long step);

    @Registered
    Component<Context, Schedule> CONSTANT = Component.of(KIND, "constant")
            .summary("a constant value")
            .params(Param.number("value", null, "the value (default: the learning rate)").nonNegative())
            .factory((v, c) -> constant(v.number("value", c.rate())));

    @Registered
    Component<Context, Schedule> LINEAR = Component.of(KIND, "linear")
            .summary("linear from 'from' to 'to' over 'steps', then constant")
            .params(Param.number("from", null, "first value (default: the learning rate)").nonNegative(),
                    Param.number("to", 0.0, "final value").nonNegative(),
                    Param.whole("steps", null, "length (default: the rest of the run)").atLeast(1))
            .factory((v, c) -> linear(v.number("from", c.rate()), v.number("to"), v.whole("steps", c.steps())));

    @Registered
    Component<Context, Schedule> COSINE = Component.of(KIND, "cosine")
            .summary("cosine decay from peak to end over steps, then end")
            .source("Loshchilov & Hutter 2017")
            .params(Param.number("peak", null, "first value (default: the learning rate)").nonNegative(),
                    Param.whole("steps", null, "length of the decay (default: the rest of the run)").atLeast(1),
                    Param.number("end", 0.0, "final value").nonNegative())
            .factory((v, c) -> cosine(v.number("peak", c.rate()), v.whole("steps", c.steps()), v.number("end")));

    @Registered
    Component<Context, Schedule> STEP = Component.of(KIND, "step")
            .summary("step decay: base · factor^⌊t / every⌋")
            .params(Param.number("base", null, "first value (default: the learning rate)").nonNegative(),
                    Param.number("factor", 0.1, "multiplier at each drop").nonNegative(),
                    Param.whole("every", null, "steps between drops (default: a third of the run)").atLeast(1))
            .factory((v, c) -> step(v.number("base", c.rate()), v.number("factor"), v.whole("every", Math.max(1, c.steps() / 3))));

    @Registered
    Component<Context, Schedule> EXPONENTIAL = Component.of(KIND, "exponential")
            .summary("exponential decay per step: base · rate^t")
            .params(Param.number("base", null, "first value (default: the learning rate)").nonNegative(),
                    Param.number("rate", 0.999, "decay per step").positive())
            .factory((v, c) -> exponential(v.number("base", c.rate()), v.number("rate")));

    static Schedule constant(double value) {
        return step -> value;
    }

    /** Linear from {@code from} at step 0 to {@code to} at step {@code steps}, then constant. */
    static Schedule linear(double from, double to, long steps) {
        requireSteps(steps);
        return step -> from + (to - from) * Math.min(step, steps) / (double) steps;
    }

    /**
     * Cosine decay from {@code peak} at step 0 to {@code end} at step {@code steps}, then constant:
     * {@code end + (peak - end) * (1 + cos(pi * min(t, T) / T)) / 2}.
     */
    static Schedule cosine(double peak, long steps, double end) {
        requireSteps(steps);
        return step -> end + (peak - end) * 0.5 * (1 + StrictMath.cos(Math.PI * Math.min(step, steps) / steps));
    }

    /**
     * Runs {@code schedules[i]} from {@code boundaries[i-1]} (0 for the first) on, each restarted at its own
     * step 0. {@code boundaries} are absolute steps, strictly increasing, one fewer than schedules.
     */
    static Schedule join(Schedule[] schedules, long[] boundaries) {
        if (schedules.length == 0 || boundaries.length != schedules.length - 1) {
            throw new IllegalArgumentException("join needs n schedules and n-1 boundaries, got "
                    + schedules.length + " and " + boundaries.length);
        }
        for (int i = 0; i < boundaries.length; i++) {
            if (boundaries[i] <= (i == 0 ? 0 : boundaries[i - 1])) {
                throw new IllegalArgumentException("join boundaries must be positive and strictly increasing");
            }
        }
        Schedule[] parts = schedules.clone();
        long[] bounds = boundaries.clone();
        return step -> {
            int i = 0;
            while (i < bounds.length && step >= bounds[i]) {
                i++;
            }
            return parts[i].at(i == 0 ? step : step - bounds[i - 1]);
        };
    }

    /**
     * Linear warmup from 0 to {@code after.at(0)} over {@code warmupSteps}, then {@code after} restarted at
     * its step 0 (optax's convention: the value at step 0 is 0 and the join is continuous).
     */
    static Schedule warmup(long warmupSteps, Schedule after) {
        if (warmupSteps == 0) {
            return after;
        }
        return join(new Schedule[] {linear(0, after.at(0), warmupSteps), after}, new long[] {warmupSteps});
    }

    /** Step decay: {@code base · factor^floor(t / every)}. */
    static Schedule step(double base, double factor, long every) {
        requireSteps(every);
        return t -> base * StrictMath.pow(factor, Math.floorDiv(t, every));
    }

    /** Exponential decay per step: {@code base · rate^t}. */
    static Schedule exponential(double base, double rate) {
        return t -> base * StrictMath.pow(rate, t);
    }

    @Registered
    Component<Context, Schedule> COSINE_RESTARTS = Component.of(KIND, "cosine-restarts")
            .summary("cosine with warm restarts (SGDR): cycle i lasts period · mult^i steps")
            .source("Loshchilov & Hutter 2017")
            .params(Param.number("peak", null, "value at each restart (default: the learning rate)").nonNegative(),
                    Param.whole("period", null, "first cycle length (default: a quarter of the run)").atLeast(1),
                    Param.number("mult", 1.0, "cycle length multiplier").atLeast(1),
                    Param.number("end", 0.0, "value at each cycle end").nonNegative())
            .factory((v, c) -> cosineRestarts(v.number("peak", c.rate()), v.whole("period", Math.max(1, c.steps() / 4)),
                    v.number("mult"), v.number("end")));

    /**
     * Cosine with warm restarts (SGDR, Loshchilov &amp; Hutter 2017): cycle i lasts {@code period · mult^i}
     * steps and decays from {@code peak} to {@code end} by a half cosine.
     */
    static Schedule cosineRestarts(double peak, long period, double mult, double end) {
        requireSteps(period);
        if (mult < 1) {
            throw new IllegalArgumentException("restart period multiplier must be >= 1, got " + mult);
        }
        return t -> {
            double length = period;
            double start = 0;
            while (t >= start + length) {
                start += length;
                length *= mult;
            }
            return end + (peak - end) * 0.5 * (1 + StrictMath.cos(Math.PI * (t - start) / length));
        };
    }

    @Registered
    Component<Context, Schedule> WSD = Component.of(KIND, "wsd")
            .summary("warmup-stable-decay: linear warmup, constant peak, then a short decay (linear, sqrt or cosine)")
            .source("Hu et al. 2024 (MiniCPM)")
            .params(Param.number("peak", null, "plateau value (default: the learning rate)").nonNegative(),
                    Param.whole("warmup", null, "warmup steps (default: 5% of the run)").nonNegative(),
                    Param.whole("stable", null, "plateau steps (default: what warmup and decay leave)").atLeast(1),
                    Param.whole("decay", null, "decay steps (default: 10% of the run)").atLeast(1),
                    Param.number("end", 0.0, "final value").nonNegative(),
                    Param.choice("shape", "linear", "decay shape", "linear", "sqrt", "cosine"))
            .factory((v, c) -> {
                long w = v.whole("warmup", c.steps() / 20);
                long d = v.whole("decay", Math.max(1, c.steps() / 10));
                return wsd(v.number("peak", c.rate()), w, v.whole("stable", Math.max(1, c.steps() - w - d)), d, v.number("end"),
                        v.text("shape"));
            });

    /**
     * Warmup-stable-decay (MiniCPM, Hu et al. 2024): linear warmup 0 → peak over {@code warmup} steps, peak
     * for {@code stable} steps, then a decay to {@code end} over {@code decay} steps shaped {@code linear}
     * (1 − x), {@code sqrt} (1 − √x) or {@code cosine}, x the fraction of the decay done.
     */
    static Schedule wsd(double peak, long warmup, long stable, long decay, double end, String shape) {
        requireSteps(decay);
        if (!shape.equals("linear") && !shape.equals("sqrt") && !shape.equals("cosine")) {
            throw new IllegalArgumentException("WSD decay shape must be linear, sqrt or cosine, got " + shape);
        }
        Schedule decayPart = t -> {
            double x = Math.min(t, decay) / (double) decay;
            double f = switch (shape) {
                case "sqrt" -> 1 - Math.sqrt(x);
                case "cosine" -> 0.5 * (1 + StrictMath.cos(Math.PI * x));
                default -> 1 - x;
            };
            return end + (peak - end) * f;
        };
        return warmup(warmup, join(new Schedule[] {constant(peak), decayPart}, new long[] {Math.max(1, stable)}));
    }

    @Registered
    Component<Context, Schedule> INFINITE = Component.of(KIND, "infinite")
            .summary("the 'infinite' schedule for continual pre-training: warmup, cosine cooldown to a constant, constant, final anneal")
            .source("Ibrahim et al. 2024")
            .params(Param.number("max", null, "peak (default: the learning rate)").nonNegative(),
                    Param.number("constant", null, "plateau (default: a quarter of the learning rate)").nonNegative(),
                    Param.number("min", 0.0, "value after the anneal").nonNegative(),
                    Param.whole("warmup", null, "warmup steps (default: 5% of the run)").nonNegative(),
                    Param.whole("cooldown", null, "cooldown steps (default: 20% of the run)").atLeast(1),
                    Param.whole("anneal_start", null, "step where the anneal starts (default: anneal steps before the end)").atLeast(1),
                    Param.whole("anneal", null, "anneal steps (default: 10% of the run)").atLeast(1))
            .factory((v, c) -> {
                long w = v.whole("warmup", c.steps() / 20);
                long cool = v.whole("cooldown", Math.max(1, c.steps() / 5));
                long a = v.whole("anneal", Math.max(1, c.steps() / 10));
                return infinite(v.number("max", c.rate()), v.number("constant", c.rate() / 4), v.number("min"), w, cool,
                        v.whole("anneal_start", Math.max(w + cool + 1, c.steps() - a)), a);
            });

    /**
     * The "infinite" schedule for continual pre-training (Ibrahim et al. 2024): linear warmup 0 → max over
     * {@code warmup}, cosine cooldown max → constant over {@code cooldown}, then constant until step
     * {@code annealStart}, then a linear anneal constant → min over {@code anneal} steps, then min.
     */
    static Schedule infinite(double max, double constantValue, double min, long warmup, long cooldown, long annealStart,
            long anneal) {
        requireSteps(cooldown);
        requireSteps(anneal);
        if (annealStart <= warmup + cooldown) {
            throw new IllegalArgumentException("the anneal must start after warmup + cooldown (" + (warmup + cooldown) + ")");
        }
        Schedule tail = join(new Schedule[] {cosine(max, cooldown, constantValue), constant(constantValue),
            linear(constantValue, min, anneal)}, new long[] {cooldown, annealStart - warmup});
        return warmup(warmup, tail);
    }

    @Registered
    Component<Context, Schedule> REX = Component.of(KIND, "rex")
            .summary("REX: η0 · (1 − p) / (1 − p/2), p the fraction of the run done")
            .source("Chen et al. 2021")
            .params(Param.number("peak", null, "first value (default: the learning rate)").nonNegative(),
                    Param.whole("steps", null, "length (default: the rest of the run)").atLeast(1))
            .factory((v, c) -> rex(v.number("peak", c.rate()), v.whole("steps", c.steps())));

    /** REX (Chen et al. 2021): {@code η0 · (1 − p) / (1 − p/2)}, p = min(t/T, 1). */
    static Schedule rex(double peak, long steps) {
        requireSteps(steps);
        return t -> {
            double p = Math.min(t, steps) / (double) steps;
            return peak * (1 - p) / (1 - p / 2);
        };
    }

    @Registered
    Component<Context, Schedule> TRIANGULAR = Component.of(KIND, "triangular")
            .summary("triangular cyclical rate between base and max, half cycle s steps")
            .source("Smith 2017")
            .params(Param.number("base", null, "low value (default: a tenth of the learning rate)").nonNegative(),
                    Param.number("max", null, "high value (default: the learning rate)").nonNegative(),
                    Param.whole("half_cycle", null, "steps from low to high (default: an eighth of the run)").atLeast(1))
            .factory((v, c) -> triangular(v.number("base", c.rate() / 10), v.number("max", c.rate()),
                    v.whole("half_cycle", Math.max(1, c.steps() / 8))));

    /**
     * Triangular cyclical learning rate (Smith 2017): cycle = ⌊1 + t/(2s)⌋, x = |t/s − 2·cycle + 1|,
     * lr = base + (max − base)·max(0, 1 − x), with s = {@code halfCycle}.
     */
    static Schedule triangular(double base, double max, long halfCycle) {
        requireSteps(halfCycle);
        return t -> {
            double cycle = Math.floor(1 + t / (2.0 * halfCycle));
            double x = Math.abs(t / (double) halfCycle - 2 * cycle + 1);
            return base + (max - base) * Math.max(0, 1 - x);
        };
    }

    @Registered
    Component<Context, Schedule> ONE_CYCLE = Component.of(KIND, "one-cycle")
            .summary("1cycle: up from max/div to max over pct_start of the run, then cosine down to max/(div · final_div)")
            .source("Smith 2018")
            .params(Param.number("max", null, "peak (default: the learning rate)").nonNegative(),
                    Param.whole("steps", null, "length (default: the rest of the run)").atLeast(1),
                    Param.number("pct_start", 0.3, "share of the run spent rising").inOpen(0, 1),
                    Param.number("div", 25.0, "max / first value").positive(),
                    Param.number("final_div", 1e4, "first value / last value").positive())
            .factory((v, c) -> oneCycle(v.number("max", c.rate()), v.whole("steps", c.steps()), v.number("pct_start"),
                    v.number("div"), v.number("final_div")));

    /**
     * 1cycle (Smith 2018, in PyTorch's OneCycleLR form with cosine annealing): from max/div up to max over
     * {@code pctStart · steps}, then down to max/(div · finalDiv) at {@code steps}.
     */
    static Schedule oneCycle(double max, long steps, double pctStart, double div, double finalDiv) {
        requireSteps(steps);
        long up = Math.max(1, Math.round(pctStart * steps));
        Schedule rise = t -> max + (max / div - max) * 0.5 * (1 + StrictMath.cos(Math.PI * Math.min(t, up) / up));
        return join(new Schedule[] {rise, cosine(max, Math.max(1, steps - up), max / (div * finalDiv))}, new long[] {up});
    }

    /** The momentum that goes with {@link #oneCycle}: from {@code high} down to {@code low} while the rate rises, then back. */
    static Schedule oneCycleMomentum(long steps, double pctStart, double high, double low) {
        requireSteps(steps);
        long up = Math.max(1, Math.round(pctStart * steps));
        return join(new Schedule[] {cosine(high, up, low), cosine(low, Math.max(1, steps - up), high)}, new long[] {up});
    }

    /**
     * Re-warm and re-decay at every experience (continual pre-training): {@code perExperience} restarted at
     * each boundary (the global steps where experiences begin, after the first).
     */
    static Schedule rewarmEachExperience(Schedule perExperience, long[] boundaries) {
        Schedule[] parts = new Schedule[boundaries.length + 1];
        java.util.Arrays.fill(parts, perExperience);
        return boundaries.length == 0 ? perExperience : join(parts, boundaries);
    }

    /**
     * ReLoRA's jagged schedule (Lialin et al. 2023): {@code base} times a re-warm factor that drops to 0 at every
     * restart (steps {@code period}, 2·{@code period}, ...) and climbs back linearly over {@code rewarm} steps:
     * {@code base(t) · min(1, (t mod period) / rewarm)} for {@code t >= period}, {@code base(t)} before the first restart.
     * {@code rewarm} 0 leaves {@code base} as it is.
     */
    static Schedule jagged(Schedule base, long period, long rewarm) {
        requireSteps(period);
        if (rewarm < 0 || rewarm > period) {
            throw new IllegalArgumentException("the re-warm after a restart takes 0 to " + period + " steps, got " + rewarm);
        }
        if (rewarm == 0) {
            return base;
        }
        return t -> t < period ? base.at(t) : base.at(t) * Math.min(1.0, (t % period) / (double) rewarm);
    }

    private static void requireSteps(long steps) {
        if (steps <= 0) {
            throw new IllegalArgumentException("schedule length must be positive, got " + steps);
        }
    }

    @Registered
    Component<Context, Schedule> REFINED = Component.of(KIND, "refined")
            .summary("refined from a logged run's gradient norms: w_t ∝ ‖g_t‖⁻² Σ_{s>t} ‖g_s‖² (log from 'train --log-grad-norms')")
            .source("Defazio et al. 2023")
            .params(Param.text("file", null, "grad_norms.csv written by 'perennial train --log-grad-norms'").required(),
                    Param.number("peak", null, "largest value (default: the learning rate)").nonNegative(),
                    Param.whole("steps", null, "length (default: the rest of the run)").atLeast(1),
                    Param.number("smooth", 0.1, "median-filter width as a share of the logged blocks").inClosed(0, 1))
            .factory((v, c) -> refined(GradientNormRecord.read(java.nio.file.Path.of(v.text("file"))).meanSquaredNorms(),
                    v.number("peak", c.rate()), v.whole("steps", c.steps()), v.number("smooth")));

    /**
     * The schedule refined from a previous run's gradient norms (Defazio et al. 2023): with n_b the mean squared gradient
     * norm of logged block b, w_b = n_b⁻¹·Σ_{c>b} n_c, scaled so the largest is {@code peak}; blocks are stretched over
     * {@code steps} and interpolated linearly between their centers. Constant norms give linear decay to zero. The norms
     * are first median-filtered over a window of about {@code smoothing}·(number of blocks) blocks (0 = raw; centered, shifted inward at the ends), as in
     * the paper, so a few noisy blocks (e.g. the first steps from initialization) do not dominate the normalization.
     */
    static Schedule refined(double[] blockSquaredNorms, double peak, long steps, double smoothing) {
        requireSteps(steps);
        if (!(smoothing >= 0 && smoothing <= 1)) {
            throw new IllegalArgumentException("refined.smooth must be in [0, 1], got " + smoothing);
        }
        int blocks = blockSquaredNorms.length;
        int width = Math.min(blocks, 2 * (int) Math.floor(smoothing * blocks / 2) + 1); // odd
        double[] n = new double[blocks];
        for (int b = 0; b < blocks; b++) {
            int from = Math.max(0, Math.min(b - width / 2, blocks - width)); // shifted, not truncated, at the edges
            double[] window = java.util.Arrays.copyOfRange(blockSquaredNorms, from, from + width);
            java.util.Arrays.sort(window);
            n[b] = window.length % 2 == 1 ? window[window.length / 2] : (window[window.length / 2 - 1] + window[window.length / 2]) / 2;
        }
        blockSquaredNorms = n;
        double[] w = new double[blocks];
        double tail = 0;
        double max = 0;
        for (int b = blocks - 1; b >= 0; b--) {
            w[b] = tail / blockSquaredNorms[b];
            tail += blockSquaredNorms[b];
            max = Math.max(max, w[b]);
        }
        double scale = max > 0 ? peak / max : 0;
        return t -> {
            double x = Math.min(Math.max(t, 0), steps) * (double) blocks / steps - 0.5;
            if (x <= 0) {
                return w[0] * scale;
            }
            if (x >= blocks - 1) {
                return w[blocks - 1] * scale;
            }
            int b = (int) Math.floor(x);
            double f = x - b;
            return ((1 - f) * w[b] + f * w[b + 1]) * scale;
        };
    }
}
