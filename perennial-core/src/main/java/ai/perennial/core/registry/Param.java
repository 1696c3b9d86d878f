package ai.perennial.core.registry;

import ai.perennial.core.PerennialException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * One declared parameter of a component: its config key, type, default, valid range and a one-line doc. Values
 * arrive from YAML, {@code --set}, command-line flags or Java maps; {@link #parse} turns any of them into a checked
 * {@code T} or fails with one message naming the key path, what was expected and what was given.
 *
 * <p>A {@code null} default means "not set" (the component decides, e.g. a schedule's length defaults to the run's
 * steps); {@link #required()} means the user must give it.
 */
public final class Param<T> {
    private final String name;
    private final String typeName;
    private final T defaultValue;
    private final boolean required;
    private final String doc;
    private final Function<Object, T> convert;
    private final List<Check<T>> checks;

    /** A condition on the value; {@code text} reads like "> 0" or "one of a, b". */
    private record Check<T>(Predicate<T> test, String text) {
    }

    private Param(String name, String typeName, T defaultValue, boolean required, String doc, Function<Object, T> convert,
            List<Check<T>> checks) {
        if (!name.matches("[a-z][a-z0-9_]*")) {
            throw new IllegalArgumentException("parameter names are snake_case, got '" + name + "'");
        }
        this.name = name;
        this.typeName = typeName;
        this.defaultValue = defaultValue;
        this.required = required;
        this.doc = Objects.requireNonNull(doc);
        this.convert = convert;
        this.checks = List.copyOf(checks);
    }

    // ----- declarations

    /** A finite real number. */
    public static Param<Double> number(String name, Double defaultValue, String doc) {
        return new Param<>(name, "number", defaultValue, false, doc, Param::toNumber, List.of());
    }

    /** A whole number in the int range. */
    public static Param<Integer> integer(String name, Integer defaultValue, String doc) {
        return new Param<>(name, "whole number", defaultValue, false, doc, v -> Math.toIntExact(toWhole(v, Integer.MIN_VALUE,
                Integer.MAX_VALUE)), List.of());
    }

    /** A whole number in the long range (step counts, seeds). */
    public static Param<Long> whole(String name, Long defaultValue, String doc) {
        return new Param<>(name, "whole number", defaultValue, false, doc, v -> toWhole(v, Long.MIN_VALUE, Long.MAX_VALUE), List.of());
    }

    public static Param<Boolean> flag(String name, Boolean defaultValue, String doc) {
        return new Param<>(name, "true or false", defaultValue, false, doc, Param::toFlag, List.of());
    }

    public static Param<String> text(String name, String defaultValue, String doc) {
        return new Param<>(name, "text", defaultValue, false, doc, Param::toText, List.of());
    }

    /** The type name of {@link #path} parameters. */
    public static final String PATH = "path";

    /**
     * A file or directory. In a config file a relative path is relative to the file's own directory (so a config and its
     * data travel together); given on the command line, to the working directory.
     */
    public static Param<String> path(String name, String defaultValue, String doc) {
        return new Param<>(name, PATH, defaultValue, false, doc, Param::toText, List.of());
    }

    /** One of a fixed set of words. */
    public static Param<String> choice(String name, String defaultValue, String doc, String... options) {
        List<String> allowed = List.of(options);
        return new Param<>(name, "text", defaultValue, false, doc, Param::toText,
                List.of(new Check<>(allowed::contains, "one of " + String.join(", ", allowed))));
    }

    /** A list of whole numbers; on the command line also "400,400". */
    public static Param<List<Integer>> integers(String name, List<Integer> defaultValue, String doc) {
        return new Param<>(name, "list of whole numbers", defaultValue, false, doc,
                v -> toList(v, x -> Math.toIntExact(toWhole(x, Integer.MIN_VALUE, Integer.MAX_VALUE))), List.of());
    }

    /** A list of finite numbers; on the command line also "0,45,90". */
    public static Param<List<Double>> numbers(String name, List<Double> defaultValue, String doc) {
        return new Param<>(name, "list of numbers", defaultValue, false, doc, v -> toList(v, Param::toNumber), List.of());
    }

    /**
     * Any other type: {@code convert} turns a raw value into a {@code T} or throws {@link IllegalArgumentException}
     * whose message says what is wrong.
     */
    public static <T> Param<T> custom(String name, String typeName, T defaultValue, String doc, Function<Object, T> convert) {
        return new Param<>(name, typeName, defaultValue, false, doc, convert, List.of());
    }

    // ----- refinements (each returns a new declaration)

    /** Must be given; there is no default. */
    public Param<T> required() {
        return new Param<>(name, typeName, null, true, doc, convert, checks);
    }

    /** Adds a condition; {@code text} says what is allowed, e.g. "a power of two". */
    public Param<T> check(Predicate<T> test, String text) {
        List<Check<T>> all = new ArrayList<>(checks);
        all.add(new Check<>(test, text));
        return new Param<>(name, typeName, defaultValue, required, doc, convert, all);
    }

    /** {@code > 0}. */
    public Param<T> positive() {
        return bound(x -> x > 0, "> 0");
    }

    /** {@code >= 0}. */
    public Param<T> nonNegative() {
        return bound(x -> x >= 0, ">= 0");
    }

    public Param<T> atLeast(double min) {
        return bound(x -> x >= min, ">= " + format(min));
    }

    public Param<T> atMost(double max) {
        return bound(x -> x <= max, "<= " + format(max));
    }

    /** {@code min <= x < max}, e.g. a decay rate in [0, 1). */
    public Param<T> inHalfOpen(double min, double max) {
        return bound(x -> x >= min && x < max, "in [" + format(min) + ", " + format(max) + ")");
    }

    /** {@code min <= x <= max}. */
    public Param<T> inClosed(double min, double max) {
        return bound(x -> x >= min && x <= max, "in [" + format(min) + ", " + format(max) + "]");
    }

    /** {@code min < x < max}. */
    public Param<T> inOpen(double min, double max) {
        return bound(x -> x > min && x < max, "in (" + format(min) + ", " + format(max) + ")");
    }

    /** A bound on a number, or on every element of a list of numbers. */
    @SuppressWarnings("unchecked")
    private Param<T> bound(java.util.function.DoublePredicate ok, String text) {
        boolean list = typeName.startsWith("list");
        Predicate<T> test = v -> {
            if (v instanceof List<?> l) {
                return l.stream().allMatch(x -> ok.test(((Number) x).doubleValue()));
            }
            return ok.test(((Number) v).doubleValue());
        };
        return check(test, list ? "each " + text : text);
    }

    // ----- use

    public String name() {
        return name;
    }

    /** "number", "whole number", "list of whole numbers", ... */
    public String typeName() {
        return typeName;
    }

    public T defaultValue() {
        return defaultValue;
    }

    public boolean isRequired() {
        return required;
    }

    public String doc() {
        return doc;
    }

    /** What values are allowed beyond the type, e.g. "> 0, <= 1000000"; empty when any value of the type is. */
    public String rangeText() {
        return String.join(", ", checks.stream().map(Check::text).toList());
    }

    /**
     * The checked value of {@code raw} ({@code null} gives the default). {@code key} is the full key path used in
     * messages, e.g. {@code strategy.lambda}.
     */
    public T parse(Object raw, String key, String owner) {
        if (raw == null) {
            if (required) {
                throw new PerennialException(key + ": required by " + owner + " (" + doc + ")");
            }
            return defaultValue;
        }
        T value;
        try {
            value = convert.apply(raw);
        } catch (IllegalArgumentException | ArithmeticException | ClassCastException e) {
            String detail = e instanceof IllegalArgumentException && e.getMessage() != null && !(e instanceof NumberFormatException)
                    ? e.getMessage() : "expected a " + typeName;
            throw new PerennialException(key + ": " + detail + ", got " + show(raw));
        }
        for (Check<T> c : checks) {
            if (!c.test().test(value)) {
                throw new PerennialException(key + ": must be " + c.text() + ", got " + show(raw));
            }
        }
        return value;
    }

    /** A value as a user would write it back, for messages and listings. */
    public static String show(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof String s) {
            return "'" + (s.length() > 60 ? s.substring(0, 60) + "…" : s) + "'";
        }
        if (value instanceof Double d) {
            return format(d);
        }
        return String.valueOf(value);
    }

    /**
     * A value for listings and docs: numbers with up to 6 significant digits and no trailing zeros ({@code 1e-8},
     * {@code 0.001}, {@code 100}), lists in brackets, text as is.
     */
    public static String display(Object value) {
        if (value instanceof Double d) {
            if (d == Math.rint(d) && Math.abs(d) < 1e15) {
                return Long.toString(d.longValue());
            }
            String s = String.format(Locale.ROOT, "%.6g", d);
            String mantissa = s.contains("e") ? s.substring(0, s.indexOf('e')) : s;
            String exponent = s.contains("e") ? s.substring(s.indexOf('e')) : "";
            if (mantissa.contains(".")) {
                mantissa = mantissa.replaceAll("0+$", "").replaceAll("\\.$", "");
            }
            if (!exponent.isEmpty()) {
                exponent = "e" + Integer.parseInt(exponent.substring(1));
            }
            return mantissa + exponent;
        }
        if (value instanceof List<?> l) {
            return "[" + String.join(", ", l.stream().map(Param::display).toList()) + "]";
        }
        return String.valueOf(value);
    }

    private static String format(double d) {
        if (d == Math.rint(d) && Math.abs(d) < 1e15) {
            return Long.toString((long) d);
        }
        return String.format(Locale.ROOT, "%s", d);
    }

    // ----- conversions from what YAML, JSON, picocli and Java callers give

    private static double toNumber(Object v) {
        double d;
        if (v instanceof Number n) {
            d = n.doubleValue();
        } else if (v instanceof String s) {
            d = parseNumber(s);
        } else {
            throw new IllegalArgumentException("expected a number");
        }
        if (!Double.isFinite(d)) {
            throw new IllegalArgumentException("expected a finite number");
        }
        return d;
    }

    private static double parseNumber(String s) {
        String t = s.trim();
        // YAML spells them .nan / .inf; Java would read "NaN" and "Infinity"
        if (t.matches("(?i)[-+]?\\.?(nan|inf|infinity)")) {
            return Double.NaN;
        }
        try {
            return Double.parseDouble(t);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected a number");
        }
    }

    private static long toWhole(Object v, long min, long max) {
        double d;
        if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
            long l = ((Number) v).longValue();
            if (l < min || l > max) {
                throw new IllegalArgumentException("expected a whole number between " + min + " and " + max);
            }
            return l;
        }
        if (v instanceof java.math.BigInteger) {
            throw new IllegalArgumentException("expected a whole number between " + min + " and " + max);
        }
        if (v instanceof String s) {
            try {
                return toWhole(Long.parseLong(s.trim()), min, max);
            } catch (NumberFormatException e) {
                d = parseNumber(s);
            }
        } else if (v instanceof Number n) {
            d = n.doubleValue();
        } else {
            throw new IllegalArgumentException("expected a whole number");
        }
        if (!Double.isFinite(d) || d != Math.rint(d)) {
            throw new IllegalArgumentException("expected a whole number");
        }
        if (d < min || d > max) {
            throw new IllegalArgumentException("expected a whole number between " + min + " and " + max);
        }
        return (long) d;
    }

    private static boolean toFlag(Object v) {
        if (v instanceof Boolean b) {
            return b;
        }
        if (v instanceof String s && (s.equals("true") || s.equals("false"))) {
            return Boolean.parseBoolean(s);
        }
        throw new IllegalArgumentException("expected true or false");
    }

    private static String toText(Object v) {
        if (v instanceof String s) {
            // terminal escapes, NULs and line breaks in a name or path are never meant, and would reach terminals and reports
            for (int i = 0; i < s.length(); i++) {
                if (Character.isISOControl(s.charAt(i))) {
                    throw new IllegalArgumentException(String.format("contains the control character U+%04X at position %d; remove it",
                            (int) s.charAt(i), i));
                }
            }
            return s;
        }
        if (v instanceof Number || v instanceof Boolean) {
            return String.valueOf(v);
        }
        throw new IllegalArgumentException("expected text");
    }

    private static <E> List<E> toList(Object v, Function<Object, E> element) {
        List<?> raw;
        if (v instanceof List<?> l) {
            raw = l;
        } else if (v instanceof String s) {
            raw = s.isBlank() ? List.of() : List.of(s.split(",", -1));
        } else if (v instanceof int[] a) {
            raw = java.util.Arrays.stream(a).boxed().toList();
        } else if (v instanceof double[] a) {
            raw = java.util.Arrays.stream(a).boxed().toList();
        } else if (v instanceof Number) {
            raw = List.of(v);
        } else {
            throw new IllegalArgumentException("expected a list");
        }
        List<E> out = new ArrayList<>(raw.size());
        for (Object x : raw) {
            if (x == null) {
                throw new IllegalArgumentException("expected a list without empty entries");
            }
            out.add(element.apply(x));
        }
        return List.copyOf(out);
    }
}
