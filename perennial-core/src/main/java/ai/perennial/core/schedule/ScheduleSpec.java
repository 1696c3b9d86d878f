package ai.perennial.core.schedule;

import ai.perennial.core.PerennialException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Schedules written as text, for the command line and run configs:
 * {@code name:key=value,key=value}, pieces joined with {@code +} where every piece but the last ends in
 * {@code @length} (its number of steps), e.g. {@code constant:value=0.1@500+cosine:peak=0.1,steps=1500}.
 * Any piece may take {@code warmup=N} (a linear warmup to its first value). Rates default to the
 * optimizer's learning rate and lengths to the run's total steps, so {@code cosine} alone is a full-run
 * cosine decay.
 *
 * <p>Names and parameters: constant(value), linear(from, to, steps), cosine(peak, steps, end),
 * step(base, factor, every), exponential(base, rate), cosine-restarts(peak, period, mult, end),
 * wsd(peak, warmup, stable, decay, end, shape), infinite(max, constant, min, warmup, cooldown, anneal_start,
 * anneal), rex(peak, steps), triangular(base, max, half_cycle), one-cycle(max, steps, pct_start, div, final_div),
 * refined(file, peak, steps, smooth) from a gradient-norm log.
 */
public final class ScheduleSpec {
    private ScheduleSpec() {
    }

    public static Schedule parse(String spec, double rate, long totalSteps) {
        String[] pieces = spec.trim().split("\\+");
        Schedule[] parts = new Schedule[pieces.length];
        long[] boundaries = new long[pieces.length - 1];
        long at = 0;
        for (int i = 0; i < pieces.length; i++) {
            String piece = pieces[i].trim();
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

    private static Schedule piece(String spec, String piece, double rate, long steps) {
        int colon = piece.indexOf(':');
        String name = (colon < 0 ? piece : piece.substring(0, colon)).trim();
        Params p = new Params(spec, name, colon < 0 ? "" : piece.substring(colon + 1));
        long warmup = name.equals("wsd") || name.equals("infinite") ? 0 : p.length("warmup", 0);
        long body = Math.max(1, steps - warmup);
        Schedule s;
        try {
            s = switch (name) {
                case "constant" -> Schedule.constant(p.number("value", rate));
                case "linear" -> Schedule.linear(p.number("from", rate), p.number("to", 0), p.length("steps", body));
                case "cosine" -> Schedule.cosine(p.number("peak", rate), p.length("steps", body), p.number("end", 0));
                case "step" -> Schedule.step(p.number("base", rate), p.number("factor", 0.1), p.length("every", Math.max(1, body / 3)));
                case "exponential" -> Schedule.exponential(p.number("base", rate), p.number("rate", 0.999));
                case "cosine-restarts" -> Schedule.cosineRestarts(p.number("peak", rate), p.length("period", Math.max(1, body / 4)),
                        p.number("mult", 1), p.number("end", 0));
                case "wsd" -> {
                    long w = p.length("warmup", steps / 20);
                    long d = p.length("decay", Math.max(1, steps / 10));
                    yield Schedule.wsd(p.number("peak", rate), w, p.length("stable", Math.max(1, steps - w - d)), d,
                            p.number("end", 0), p.text("shape", "linear"));
                }
                case "infinite" -> {
                    long w = p.length("warmup", steps / 20);
                    long c = p.length("cooldown", Math.max(1, steps / 5));
                    long a = p.length("anneal", Math.max(1, steps / 10));
                    yield Schedule.infinite(p.number("max", rate), p.number("constant", rate / 4), p.number("min", 0), w, c,
                            p.length("anneal_start", Math.max(w + c + 1, steps - a)), a);
                }
                case "rex" -> Schedule.rex(p.number("peak", rate), p.length("steps", body));
                case "triangular" -> Schedule.triangular(p.number("base", rate / 10), p.number("max", rate),
                        p.length("half_cycle", Math.max(1, body / 8)));
                case "one-cycle" -> Schedule.oneCycle(p.number("max", rate), p.length("steps", body), p.number("pct_start", 0.3),
                        p.number("div", 25), p.number("final_div", 1e4));
                case "refined" -> {
                    String file = p.text("file", null);
                    if (file == null) {
                        throw new PerennialException("schedule '" + spec + "': refined needs file=PATH, a log from 'perennial train --log-grad-norms'");
                    }
                    yield Schedule.refined(GradientNormRecord.read(java.nio.file.Path.of(file)).meanSquaredNorms(), p.number("peak", rate),
                            p.length("steps", body), p.number("smooth", 0.1));
                }
                default -> throw new PerennialException("schedule '" + spec + "': unknown schedule '" + name + "'; choose one of "
                        + "constant, linear, cosine, step, exponential, cosine-restarts, wsd, infinite, rex, triangular, one-cycle, refined");
            };
        } catch (IllegalArgumentException e) {
            throw new PerennialException("schedule '" + spec + "': " + e.getMessage());
        }
        p.requireAllUsed();
        return Schedule.warmup(warmup, s);
    }

    private static long parseLong(String spec, String text, String key) {
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw new PerennialException("schedule '" + spec + "': " + key + " must be a whole number of steps, got '" + text + "'");
        }
    }

    /** key=value pairs of one piece; reading a key marks it used, so leftovers are typos. */
    private static final class Params {
        private final String spec;
        private final String name;
        private final Map<String, String> values = new LinkedHashMap<>();
        private final Set<String> used = new LinkedHashSet<>();

        Params(String spec, String name, String text) {
            this.spec = spec;
            this.name = name;
            for (String pair : text.split(",")) {
                if (pair.isBlank()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                if (eq <= 0) {
                    throw new PerennialException("schedule '" + spec + "': expected key=value in '" + pair.trim() + "'");
                }
                values.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
            }
        }

        double number(String key, double fallback) {
            used.add(key);
            String v = values.get(key);
            if (v == null) {
                return fallback;
            }
            try {
                return Double.parseDouble(v);
            } catch (NumberFormatException e) {
                throw new PerennialException("schedule '" + spec + "': " + name + "." + key + " must be a number, got '" + v + "'");
            }
        }

        long length(String key, long fallback) {
            used.add(key);
            String v = values.get(key);
            return v == null ? fallback : parseLong(spec, v, name + "." + key);
        }

        String text(String key, String fallback) {
            used.add(key);
            return values.getOrDefault(key, fallback);
        }

        void requireAllUsed() {
            List<String> unknown = new ArrayList<>(values.keySet());
            unknown.removeAll(used);
            if (!unknown.isEmpty()) {
                throw new PerennialException("schedule '" + spec + "': unknown parameter '" + unknown.get(0) + "' for " + name
                        + "; it takes " + String.join(", ", used));
            }
        }
    }
}
