package ai.perennial.core.schedule;

import ai.perennial.core.PerennialException;
import ai.perennial.core.registry.Component;
import ai.perennial.core.registry.Registry;
import ai.perennial.core.registry.Spec;
import ai.perennial.core.registry.Values;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Schedules written as text, for the command line and run configs:
 * {@code name:key=value,key=value}, pieces joined with {@code +} where every piece but the last ends in
 * {@code @length} (its number of steps), e.g. {@code constant:value=0.1@500+cosine:peak=0.1,steps=1500}.
 * Any piece may take {@code warmup=N} (a linear warmup to its first value). Rates default to the
 * optimizer's learning rate and lengths to the run's total steps, so {@code cosine} alone is a full-run
 * cosine decay. The names and their parameters are the registered {@link Schedule#KIND} components.
 */
public final class ScheduleSpec {
    private static final String WARMUP = "warmup";

    private ScheduleSpec() {
    }

    public static Schedule parse(String spec, double rate, long totalSteps) {
        if (spec.isBlank()) {
            throw new PerennialException("schedule '': empty; write e.g. constant or cosine:end=1e-5");
        }
        String[] pieces = spec.trim().split("\\+", -1);
        Schedule[] parts = new Schedule[pieces.length];
        long[] boundaries = new long[pieces.length - 1];
        long at = 0;
        for (int i = 0; i < pieces.length; i++) {
            String piece = pieces[i].trim();
            if (piece.isEmpty() || piece.startsWith("@")) {
                throw new PerennialException("schedule '" + spec + "': piece " + (i + 1) + " has no schedule name; join pieces as "
                        + "NAME@STEPS+NAME, e.g. constant@500+cosine");
            }
            int atSign = piece.lastIndexOf('@');
            if (i < pieces.length - 1) {
                if (atSign < 0) {
                    throw new PerennialException("schedule '" + spec + "': piece '" + piece + "' needs @LENGTH (steps) before the next '+'");
                }
                long length = parseLong(spec, piece.substring(atSign + 1), "@length");
                if (length <= 0) {
                    throw new PerennialException("schedule '" + spec + "': piece length must be positive, got " + length);
                }
                at += length;
                boundaries[i] = at;
                piece = piece.substring(0, atSign);
            } else if (atSign >= 0) {
                throw new PerennialException("schedule '" + spec + "': the last piece runs to the end and takes no @length");
            }
            parts[i] = piece(spec, piece, rate, Math.max(1, totalSteps - (i == 0 ? 0 : boundaries[i - 1])));
        }
        return pieces.length == 1 ? parts[0] : Schedule.join(parts, boundaries);
    }

    /** One piece; {@code warmup=N} is taken here unless the schedule declares its own warmup. */
    private static Schedule piece(String spec, String text, double rate, long steps) {
        String what = "schedule '" + spec + "'";
        Spec s = Spec.parse(text, what);
        Component<Schedule.Context, Schedule> component = Registry.global().get(Schedule.KIND, s.name(), what);
        Map<String, String> params = new LinkedHashMap<>(s.params());
        boolean ownWarmup = component.params().stream().anyMatch(p -> p.name().equals(WARMUP));
        long warmup = 0;
        if (!ownWarmup && params.containsKey(WARMUP)) {
            warmup = parseLong(spec, params.remove(WARMUP), s.name() + "." + WARMUP);
            if (warmup < 0) {
                throw new PerennialException(what + ": " + s.name() + ".warmup must be >= 0, got " + warmup);
            }
        }
        Values values = component.resolve(params, what + ": " + s.name());
        Schedule built;
        try {
            built = component.build(values, new Schedule.Context(rate, Math.max(1, steps - warmup)));
        } catch (IllegalArgumentException e) {
            throw new PerennialException(what + ": " + e.getMessage());
        }
        return Schedule.warmup(warmup, built);
    }

    private static long parseLong(String spec, String text, String key) {
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw new PerennialException("schedule '" + spec + "': " + key + " must be a whole number of steps, got '" + text + "'");
        }
    }
}
