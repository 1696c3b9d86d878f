package ai.perennial.core.data;

import ai.perennial.core.registry.Component;
import ai.perennial.core.registry.Param;
import ai.perennial.core.registry.Registered;
import ai.perennial.core.registry.Trait;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Tables in CSV or TSV files: one column is the label (a class or a numeric target), the others numeric or
 * categorical features, optionally one a time stamp. The files stream through {@link CsvCursor} into a
 * {@link TableBuilder}; see there for the rules (class order, standardization, missing values, time stamps).
 */
public final class CsvSource {
    private static final Param<String> FILE = Param.path("file", null, "the CSV/TSV file (with a header line)").required();
    private static final Param<String> TEST_FILE = Param.path("test_file", null,
            "a separate test file with the same columns; unset: hold out test_fraction of the rows at random (seeded)");
    private static final Param<Double> TEST_FRACTION = Param.number("test_fraction", 0.2,
            "share of the rows held out for testing when there is no test_file").inOpen(0, 1);
    private static final Param<String> DELIMITER = Param.text("delimiter", "auto",
            "field separator: auto (tab for .tsv/.tab files, else comma), tab, or one character")
            .check(d -> d.equals("auto") || d.equals("tab") || (d.length() == 1 && d.charAt(0) != '"'), "auto, tab, or one character (not a double quote)");
    private static final Param<String> LABEL = Param.text("label", null, "the label column").required();
    private static final Param<String> TARGET = Param.choice("target", "classes",
            "classes: the label's distinct values are the classes; numeric: the label is a number to regress", "classes", "numeric");
    private static final Param<List<String>> FEATURES = columns("features",
            "feature columns in this order; empty: every column but the label, the time column and ignore");
    private static final Param<List<String>> IGNORE = columns("ignore", "columns to skip");
    private static final Param<List<String>> CATEGORICAL = columns("categorical", "feature columns whose values are categories");
    private static final Param<String> ENCODING = Param.choice("encoding", "one-hot",
            "categories as one-hot groups, or as one feature holding the category's index", "one-hot", "index");
    private static final Param<String> MISSING = Param.choice("missing", "error",
            "an empty, NA, N/A, NaN or null feature cell: error, zero (0, or an all-zero one-hot group) or mean (of the training rows)",
            "error", "zero", "mean");
    private static final Param<String> TIME = Param.text("time", null,
            "the time column (numbers, or ISO-8601 dates/date-times read as days since 1970-01-01); rows are sorted by it; unset: none");
    private static final Param<Boolean> STANDARDIZE = Param.flag("standardize", true,
            "z-score the numeric features with the training rows' mean and standard deviation");

    private static final Param<Boolean> STANDARDIZE_TARGET = Param.flag("standardize_target", false,
            "z-score a numeric target with the training rows' mean and standard deviation (RMSE and MAE are then in standard deviations)");

    /** The component's name, as a constant for annotations (the {@code bench csv} command); elsewhere use {@code CSV.name()}. */
    public static final String NAME = "csv";

    @Registered
    public static final Component<Long, DataSources.Split> CSV = Component.of(DataSources.KIND, NAME)
            .summary("a CSV or TSV table: a label column (classes or a numeric target), numeric and categorical features, optional time")
            .params(FILE, TEST_FILE, TEST_FRACTION, DELIMITER, LABEL, TARGET, FEATURES, IGNORE, CATEGORICAL, ENCODING, MISSING, TIME, STANDARDIZE,
                    STANDARDIZE_TARGET)
            .provides(v -> {
                Set<Trait> out = new java.util.HashSet<>(Set.of(DataSources.VECTORS, DataSources.targets(v.get(TARGET).equals("numeric"))));
                if (v.get(TIME) != null && !v.get(TIME).isBlank()) {
                    out.add(DataSources.TIME_ORDERED);
                }
                return out;
            })
            .factory((v, seed) -> {
                Path file = Path.of(v.get(FILE));
                TableBuilder.Options options = new TableBuilder.Options(v.get(LABEL), v.get(TARGET).equals("numeric"), v.get(FEATURES),
                        v.get(IGNORE), v.get(CATEGORICAL), v.get(ENCODING).equals("one-hot"),
                        TableBuilder.Missing.valueOf(v.get(MISSING).toUpperCase(Locale.ROOT)), v.get(TIME, ""), v.get(STANDARDIZE),
                        v.get(TEST_FRACTION));
                Path testFile = v.get(TEST_FILE) == null ? null : Path.of(v.get(TEST_FILE));
                DataSources.Split split = read(file, testFile, delimiter(v.get(DELIMITER), file), options, seed).split();
                return v.get(STANDARDIZE_TARGET) && options.numericTarget() ? DataSources.standardizeTargets(split) : split;
            });

    private CsvSource() {
    }

    /**
     * Reads {@code file} (and {@code testFile}, or null to hold out {@code options.testFraction()} of the rows with
     * {@code seed}).
     */
    public static TableBuilder.Result read(Path file, Path testFile, char delimiter, TableBuilder.Options options, long seed) {
        TableBuilder table = new TableBuilder(String.valueOf(file.getFileName()), options);
        feed(file, delimiter, header -> table.training(file, header, "line"));
        if (testFile != null) {
            feed(testFile, delimiter, header -> table.test(testFile, header, "line"));
        }
        return table.build(seed);
    }

    /** The delimiter a parameter value means: {@code auto} is a tab for .tsv and .tab files, else a comma. */
    public static char delimiter(String param, Path file) {
        if (param.equals("auto")) {
            String n = String.valueOf(file.getFileName()).toLowerCase(Locale.ROOT);
            return n.endsWith(".tsv") || n.endsWith(".tab") ? '\t' : ',';
        }
        return param.equals("tab") ? '\t' : param.charAt(0);
    }

    private static void feed(Path file, char delimiter, java.util.function.Function<List<String>, TableBuilder.Part> start) {
        try (CsvCursor rows = CsvCursor.open(file, delimiter)) {
            if (!rows.next()) {
                throw new DataFileException(file, "", "is empty", "the first line must be a header naming the columns");
            }
            List<String> header = rows.fields();
            if (header.stream().allMatch(h -> !Double.isNaN(Decimal.parse(h)))) {
                throw new DataFileException(file, "line " + rows.line(), "the first line holds only numbers, not column names",
                        "add a header line naming the columns");
            }
            TableBuilder.Part part = start.apply(header);
            while (rows.next()) {
                part.add(rows, rows.line());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e); // closing a file we only read
        }
    }

    /** A list of column names: a YAML list, or on the command line "a,b,c". */
    private static Param<List<String>> columns(String name, String doc) {
        return Param.custom(name, "list of column names", List.of(), doc, raw -> {
            List<String> out = new ArrayList<>();
            if (raw instanceof List<?> list) {
                for (Object o : list) {
                    if (!(o instanceof String || o instanceof Number)) {
                        throw new IllegalArgumentException("expected a list of column names");
                    }
                    out.add(String.valueOf(o).strip());
                }
            } else if (raw instanceof String s) {
                if (!s.isBlank()) {
                    for (String part : s.split(",", -1)) {
                        out.add(part.strip());
                    }
                }
            } else {
                throw new IllegalArgumentException("expected a list of column names");
            }
            if (out.stream().anyMatch(String::isEmpty)) {
                throw new IllegalArgumentException("expected a list of column names without empty ones");
            }
            return List.copyOf(out);
        });
    }
}
