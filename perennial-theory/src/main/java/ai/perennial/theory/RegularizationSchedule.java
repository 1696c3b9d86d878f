package ai.perennial.theory;

import java.util.Locale;

/**
 * The ℓ2 strength λ_t of the regularized learner. With unit singular values the regularized update is an SGD step of
 * size η_t = 1/(1 + λ_t/s²) on the projection surrogate, so schedules are written through the step they imply:
 * λ_t = s²(1/η_t − 1) with s² = {@code scale} (default R², the largest squared singular value of the collection).
 */
public interface RegularizationSchedule {
    double at(long t, long horizon);

    String describe();

    /** Whether λ_t is the same at every iteration. */
    default boolean constant() {
        return false;
    }

    static RegularizationSchedule fixed(double lambda) {
        if (!(lambda >= 0)) {
            throw new TheoryException("λ must be non-negative, got " + lambda);
        }
        String description = String.format(Locale.ROOT, "fixed λ=%.4g", lambda);
        return new RegularizationSchedule() {
            @Override
            public double at(long t, long horizon) {
                return lambda;
            }

            @Override
            public String describe() {
                return description;
            }

            @Override
            public boolean constant() {
                return true;
            }
        };
    }

    /** η_t = 1/√t, i.e. λ_t = scale·(√t − 1): increasing without bound. */
    static RegularizationSchedule sqrt(double scale) {
        return of(String.format(Locale.ROOT, "λ_t=%.4g(√t−1)", scale), (t, k) -> scale * (Math.sqrt(t) - 1));
    }

    /** η_t = 1 − t/(k + 1) (linear decay to the horizon), i.e. λ_t = scale·t/(k + 1 − t). */
    static RegularizationSchedule linear(double scale) {
        return of(String.format(Locale.ROOT, "λ_t=%.4g·t/(k+1−t)", scale), (t, k) -> scale * t / (double) (k + 1 - t));
    }

    /** η_t = 1/t, i.e. λ_t = scale·(t − 1). */
    static RegularizationSchedule harmonic(double scale) {
        return of(String.format(Locale.ROOT, "λ_t=%.4g(t−1)", scale), (t, k) -> scale * (t - 1));
    }

    /**
     * Parses {@code fixed:VALUE}, {@code sqrt}, {@code linear} or {@code harmonic} (the last three optionally
     * {@code :SCALE}, default {@code defaultScale}).
     */
    static RegularizationSchedule parse(String spec, double defaultScale) {
        String[] parts = spec.trim().split(":", 2);
        String name = parts[0].toLowerCase(Locale.ROOT);
        double value;
        try {
            value = parts.length > 1 ? Double.parseDouble(parts[1]) : Double.NaN;
        } catch (NumberFormatException e) {
            throw new TheoryException("λ schedule '" + spec + "': '" + parts[1] + "' is not a number");
        }
        if (name.equals("fixed")) {
            if (Double.isNaN(value)) {
                throw new TheoryException("λ schedule 'fixed' needs a value, e.g. fixed:0.5");
            }
            return fixed(value);
        }
        double scale = Double.isNaN(value) ? defaultScale : value;
        return switch (name) {
            case "sqrt" -> sqrt(scale);
            case "linear" -> linear(scale);
            case "harmonic" -> harmonic(scale);
            default -> throw new TheoryException("unknown λ schedule '" + spec + "'; use fixed:VALUE, sqrt[:SCALE], linear[:SCALE] or harmonic[:SCALE]");
        };
    }

    /** λ as a function of (t, k) on primitive longs: evaluated once per direction per iteration, so no boxing. */
    interface Formula {
        double at(long t, long horizon);
    }

    private static RegularizationSchedule of(String description, Formula f) {
        return new RegularizationSchedule() {
            @Override
            public double at(long t, long horizon) {
                return f.at(t, horizon);
            }

            @Override
            public String describe() {
                return description;
            }
        };
    }
}
