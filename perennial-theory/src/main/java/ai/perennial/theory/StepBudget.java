package ai.perennial.theory;

import java.util.Locale;

/** The number K_t of gradient steps spent on the task at iteration t; fewer steps act as stronger regularization. */
public interface StepBudget {
    long at(long t, long horizon);

    String describe();

    /** Whether K_t is the same at every iteration. */
    default boolean constant() {
        return false;
    }

    static StepBudget fixed(long steps) {
        if (steps < 1) {
            throw new TheoryException("the step budget must be at least 1, got " + steps);
        }
        return new StepBudget() {
            @Override
            public long at(long t, long horizon) {
                return steps;
            }

            @Override
            public String describe() {
                return "K=" + steps;
            }

            @Override
            public boolean constant() {
                return true;
            }
        };
    }

    /** K_t = max(1, round(K₀/√t)). */
    static StepBudget decreasing(long initial) {
        if (initial < 1) {
            throw new TheoryException("the initial step budget must be at least 1, got " + initial);
        }
        return new StepBudget() {
            @Override
            public long at(long t, long horizon) {
                return Math.max(1, Math.round(initial / Math.sqrt(t)));
            }

            @Override
            public String describe() {
                return "K_t=" + initial + "/√t";
            }
        };
    }

    /** Parses {@code fixed:K} or {@code decreasing:K0}. */
    static StepBudget parse(String spec) {
        String[] parts = spec.trim().split(":", 2);
        long value;
        try {
            value = Long.parseLong(parts.length > 1 ? parts[1] : "");
        } catch (NumberFormatException e) {
            throw new TheoryException("step budget '" + spec + "': use fixed:K or decreasing:K0 with a whole number");
        }
        return switch (parts[0].toLowerCase(Locale.ROOT)) {
            case "fixed" -> fixed(value);
            case "decreasing" -> decreasing(value);
            default -> throw new TheoryException("unknown step budget '" + spec + "'; use fixed:K or decreasing:K0");
        };
    }
}
