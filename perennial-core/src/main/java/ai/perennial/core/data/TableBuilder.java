package ai.perennial.core.data;

import ai.djl.ndarray.types.Shape;
import ai.perennial.core.engine.Resources;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * Turns rows of text cells into a training and a test set: a label (class or numeric target), numeric and categorical
 * features, an optional time column. Rows are fed one at a time and kept only as primitive arrays (a float per numeric
 * cell, an int per categorical cell and label), so a source of any length streams through; the CSV reader feeds it
 * from files, and a program can feed it rows from anywhere:
 *
 * <pre>{@code
 * TableBuilder table = new TableBuilder("sensors", TableBuilder.Options.classes("state"));
 * TableBuilder.Part rows = table.training("sensor feed", List.of("temperature", "valve", "state"));
 * rows.add("21.5", "open", "ok");
 * rows.add("88.0", "shut", "alarm");
 * ...
 * TableBuilder.Result data = table.build(seed);   // data.split(): train and test sets; data.classes(): [alarm, ok]
 * }</pre>
 *
 * Rules: class labels are the label column's distinct values, in numeric order when all are integers and in text
 * order otherwise; categories of a categorical column follow the same order and become one-hot groups or indices;
 * numeric features are standardized with the training rows' mean and standard deviation (a constant column is only
 * centred); empty cells and {@code NA}, {@code N/A}, {@code NaN}, {@code null} (any case) are missing values. Time
 * stamps are numbers as written, or ISO-8601 dates and date-times in days since 1970-01-01 (UTC when no offset is
 * given); both sets are sorted by time, ties keeping the input order.
 */
public final class TableBuilder {
    /** What to do with a missing feature value. */
    public enum Missing {
        /** Fail, naming the row and column. */
        ERROR,
        /** Use 0 (before standardizing); an all-zero one-hot group (index -1) for a categorical column. */
        ZERO,
        /** Use the training rows' mean of the column; categorical columns as for {@link #ZERO}. */
        MEAN
    }

    /**
     * How to read the table.
     *
     * @param label the label column
     * @param numericTarget the label is a number to regress, not a class
     * @param features the feature columns in this order; empty: every column but the label, the time column and
     *     {@code ignore}, in the header's order
     * @param ignore columns to skip
     * @param categorical feature columns whose values are categories, not numbers
     * @param oneHot categories as one-hot groups (true) or as one feature holding the category's index (false)
     * @param missing what a missing feature value becomes
     * @param time the time column, or "" for none
     * @param standardize z-score the numeric features with the training rows' statistics
     * @param testFraction the share of rows held out at random for testing when no test rows are given
     */
    public record Options(String label, boolean numericTarget, List<String> features, List<String> ignore, List<String> categorical,
            boolean oneHot, Missing missing, String time, boolean standardize, double testFraction) {
        public Options {
            features = List.copyOf(features);
            ignore = List.copyOf(ignore);
            categorical = List.copyOf(categorical);
            if (!(testFraction > 0 && testFraction < 1)) {
                throw new IllegalArgumentException("test fraction must lie in (0, 1), got " + testFraction);
            }
        }

        /** Classes in {@code label}, every other column a numeric feature, standardized, 20% held out. */
        public static Options classes(String label) {
            return new Options(label, false, List.of(), List.of(), List.of(), true, Missing.ERROR, "", true, 0.2);
        }
    }

    /** One row's cells, by column index. */
    public interface Cells {
        int size();

        /** The cell as text. */
        String text(int column);

        /** Empty, or NA, N/A, NaN, null in any case. */
        default boolean missing(int column) {
            String s = text(column);
            return isMissing(s.toCharArray(), 0, s.length());
        }

        /** The cell as a decimal number, NaN when it is not one. */
        default double number(int column) {
            return Decimal.parse(text(column));
        }

        /** Cells given as strings (surrounding spaces are ignored, as in a CSV file). */
        static Cells of(String... cells) {
            return new Cells() {
                @Override
                public int size() {
                    return cells.length;
                }

                @Override
                public String text(int column) {
                    return cells[column].strip();
                }
            };
        }

        static boolean isMissing(char[] c, int from, int to) {
            int n = to - from;
            if (n == 0) {
                return true;
            }
            if (n > 4) {
                return false;
            }
            String s = new String(c, from, n);
            return s.equalsIgnoreCase("na") || s.equalsIgnoreCase("n/a") || s.equalsIgnoreCase("nan") || s.equalsIgnoreCase("null");
        }
    }

    /**
     * The result: {@code split} holds float32 vectors; {@code classes} the class names in label order (empty for a
     * numeric target); {@code inputs} the name of each input feature ({@code column} or {@code column=category}).
     */
    public record Result(DataSources.Split split, List<String> classes, List<String> inputs) {
    }

    private final String name;
    private final Options options;
    private final Map<String, Integer> classCodes = new HashMap<>(); // label value -> code in order of first appearance
    private final List<String> classValues = new ArrayList<>();
    private List<String> featureNames; // feature columns in output order, fixed by the training header
    private boolean[] categoricalFeature;
    private List<Map<String, Integer>> categoryCodes; // per categorical feature
    private List<List<String>> categoryValues;
    private int numericCount;
    private int categoricalCount;
    private Part training;
    private Part test;
    private boolean built;

    /** @param name names the data sets ({@code name/train}, {@code name/test}) */
    public TableBuilder(String name, Options options) {
        this.name = name;
        this.options = options;
    }

    /** The training rows, from {@code source} (named in messages) with these column names; call once, first. */
    public Part training(Object source, List<String> header) {
        return training(source, header, "row");
    }

    /**
     * Test rows, if they come separately (else {@link #build} holds out {@code testFraction} of the training rows).
     * They need every column the training rows use, in any order; a class or category the training rows lack is an
     * error.
     */
    public Part test(Object source, List<String> header) {
        return test(source, header, "row");
    }

    Part training(Object source, List<String> header, String unit) {
        if (training != null) {
            throw new IllegalStateException("the training rows were already started");
        }
        training = new Part(source, header, unit, false);
        return training;
    }

    Part test(Object source, List<String> header, String unit) {
        if (training == null || test != null) {
            throw new IllegalStateException("start the training rows first, and the test rows once");
        }
        test = new Part(source, header, unit, true);
        return test;
    }

    /** Rows of one source, stored as they arrive. */
    public final class Part {
        private final Object source;
        private final String unit; // "line" for files, "row" for fed rows
        private final boolean frozen; // test rows: no new classes or categories
        private final List<String> header;
        private final int labelColumn;
        private final int timeColumn;
        private final int[] numericColumns;
        private final int[] categoricalColumns;
        private final Growing.Floats numeric;
        private final Growing.Ints categories;
        private final Growing.Ints labels;
        private final Growing.Floats targets;
        private final Growing.Doubles times;
        private int timeKind; // 0: not known yet, 1: numbers, 2: dates and date-times
        private int rows;
        private long fed;

        private Part(Object source, List<String> header, String unit, boolean frozen) {
            this.source = source;
            this.unit = unit;
            this.frozen = frozen;
            this.header = List.copyOf(header);
            checkHeader();
            if (!frozen) {
                resolveColumns();
            }
            labelColumn = column(options.label(), "the label");
            timeColumn = options.time().isEmpty() ? -1 : column(options.time(), "the time");
            numericColumns = new int[numericCount];
            categoricalColumns = new int[categoricalCount];
            int n = 0;
            int c = 0;
            for (int f = 0; f < featureNames.size(); f++) {
                int at = column(featureNames.get(f), "a feature");
                if (categoricalFeature[f]) {
                    categoricalColumns[c++] = at;
                } else {
                    numericColumns[n++] = at;
                }
            }
            numeric = new Growing.Floats("the numeric cells of " + source);
            categories = new Growing.Ints("the categorical cells of " + source);
            labels = new Growing.Ints("the labels of " + source);
            targets = new Growing.Floats("the targets of " + source);
            times = new Growing.Doubles("the time stamps of " + source);
        }

        private void checkHeader() {
            Map<String, Integer> seen = new HashMap<>();
            for (int i = 0; i < header.size(); i++) {
                String h = header.get(i);
                if (h.isEmpty()) {
                    throw new DataFileException(source, "header, column " + (i + 1), "has no name", "name every column in the header");
                }
                Integer before = seen.put(h, i);
                if (before != null) {
                    throw new DataFileException(source, "header", "column name " + quote(h) + " appears twice (columns " + (before + 1) + " and "
                            + (i + 1) + ")", "give every column its own name");
                }
            }
        }

        /** The header index of {@code column}, or an error naming what the header has. */
        private int column(String column, String role) {
            int at = header.indexOf(column);
            if (at < 0) {
                String has = String.join(", ", (header.size() > 30 ? header.subList(0, 30) : header).stream().map(TableBuilder::quote).toList()) + (header.size() > 30 ? ", ..." : "");
                throw new DataFileException(source, "header", "has no column " + quote(column) + " (" + role + " column)",
                        (frozen ? "the test rows need every column the training rows use; " : "check the column name; ") + "the header has: "
                                + has);
            }
            return at;
        }

        /** Which columns are features, numeric or categorical, from the options and the training header. */
        private void resolveColumns() {
            String label = options.label();
            String time = options.time();
            if (label.equals(time)) {
                throw new DataFileException(source, "header", "column '" + label + "' is given as both the label and the time",
                        "choose another time column");
            }
            column(label, "the label");
            if (!time.isEmpty()) {
                column(time, "the time");
            }
            Set<String> ignored = new HashSet<>();
            for (String c : options.ignore()) {
                column(c, "an ignored");
                if (c.equals(label) || c.equals(time)) {
                    throw new DataFileException(source, "header", "column '" + c + "' is both ignored and the label or time column",
                            "remove it from ignore");
                }
                ignored.add(c);
            }
            List<String> features = new ArrayList<>();
            if (options.features().isEmpty()) {
                for (String h : header) {
                    if (!h.equals(label) && !h.equals(time) && !ignored.contains(h)) {
                        features.add(h);
                    }
                }
            } else {
                for (String f : options.features()) {
                    column(f, "a feature");
                    if (f.equals(label) || f.equals(time) || ignored.contains(f) || features.contains(f)) {
                        throw new DataFileException(source, "header", "feature column '" + f + "' is also the label, the time, ignored, or "
                                + "listed twice", "list each feature once, apart from the label and time columns");
                    }
                    features.add(f);
                }
            }
            if (features.isEmpty()) {
                throw new DataFileException(source, "header", "no feature columns are left besides the label, time and ignored columns",
                        "keep at least one feature column");
            }
            for (String c : options.categorical()) {
                column(c, "a categorical");
                if (!features.contains(c)) {
                    throw new DataFileException(source, "header", "categorical column '" + c + "' is not among the features",
                            "add it to features, or remove it from categorical");
                }
            }
            featureNames = List.copyOf(features);
            categoricalFeature = new boolean[features.size()];
            categoryCodes = new ArrayList<>();
            categoryValues = new ArrayList<>();
            for (int f = 0; f < features.size(); f++) {
                categoricalFeature[f] = options.categorical().contains(features.get(f));
                if (categoricalFeature[f]) {
                    categoricalCount++;
                    categoryCodes.add(new HashMap<>());
                    categoryValues.add(new ArrayList<>());
                } else {
                    numericCount++;
                }
            }
        }

        /** Adds the next row; its position in messages is "row N". */
        public void add(String... cells) {
            add(Cells.of(cells), fed + 1);
        }

        /** Adds a row; {@code position} is its line (files) or row number, for messages. */
        public void add(Cells row, long position) {
            if (built) {
                throw new IllegalStateException("the table was already built");
            }
            fed++;
            if (row.size() != header.size()) {
                throw new DataFileException(source, unit + " " + position, "has " + row.size() + " fields but the header has " + header.size()
                        + " columns", "give every row one value per column (quote values that contain the delimiter)");
            }
            if (row.missing(labelColumn)) {
                throw new DataFileException(source, at(position, labelColumn), "the label is missing",
                        "every row needs a label: fill it in or remove the row");
            }
            if (options.numericTarget()) {
                targets.add(toFloat(row, labelColumn, position, "set target: classes if the labels are classes"));
            } else {
                labels.add(code(row.text(labelColumn), classCodes, classValues, position, labelColumn, "class"));
            }
            if (timeColumn >= 0) {
                times.add(time(row, position));
            }
            for (int k = 0; k < numericColumns.length; k++) {
                int c = numericColumns[k];
                if (row.missing(c)) {
                    missingValue(position, c);
                    numeric.add(Float.NaN);
                } else {
                    numeric.add(toFloat(row, c, position, "list the column under categorical if its values are categories, or under ignore"));
                }
            }
            for (int k = 0; k < categoricalColumns.length; k++) {
                int c = categoricalColumns[k];
                if (row.missing(c)) {
                    missingValue(position, c);
                    categories.add(-1);
                } else {
                    categories.add(code(row.text(c), categoryCodes.get(k), categoryValues.get(k), position, c, "category"));
                }
            }
            rows++;
        }

        /** Rows added so far. */
        public int rows() {
            return rows;
        }

        private String at(long position, int column) {
            return unit + " " + position + ", column " + quote(header.get(column));
        }

        private void missingValue(long position, int column) {
            if (options.missing() == Missing.ERROR) {
                throw new DataFileException(source, at(position, column), "the value is missing",
                        "fill it in, or set missing: zero or missing: mean");
            }
        }

        private float toFloat(TableBuilder.Cells row, int column, long position, String fix) {
            double v = row.number(column);
            if (Double.isNaN(v)) {
                throw new DataFileException(source, at(position, column), quote(row.text(column)) + " is not a number", fix);
            }
            if (Math.abs(v) > Float.MAX_VALUE) {
                throw new DataFileException(source, at(position, column), quote(row.text(column)) + " is beyond the float32 range",
                        "rescale the column");
            }
            return (float) v;
        }

        private int code(String value, Map<String, Integer> codes, List<String> values, long position, int column, String what) {
            Integer code = codes.get(value);
            if (code == null) {
                if (frozen) {
                    throw new DataFileException(source, at(position, column), what + " " + quote(value)
                            + " does not occur in the training rows", "add training rows with it, or remove these test rows");
                }
                code = values.size();
                codes.put(value, code);
                values.add(value);
            }
            return code;
        }

        private double time(TableBuilder.Cells row, long position) {
            if (row.missing(timeColumn)) {
                throw new DataFileException(source, at(position, timeColumn), "the time is missing", "every row needs a time stamp");
            }
            double number = row.number(timeColumn);
            int kind = Double.isNaN(number) ? 2 : 1;
            Part first = this == test ? training : this;
            if (first.timeKind == 0) {
                first.timeKind = kind;
            } else if (first.timeKind != kind) {
                throw new DataFileException(source, at(position, timeColumn), "time " + quote(row.text(timeColumn)) + " is "
                        + (kind == 1 ? "a number but earlier time stamps are dates" : "not a number but earlier time stamps are numbers"),
                        "write every time stamp the same way: numbers, or ISO-8601 dates (2024-03-01) or date-times (2024-03-01T12:00:00)");
            }
            if (kind == 1) {
                if (Double.isInfinite(number)) {
                    throw new DataFileException(source, at(position, timeColumn), "time " + quote(row.text(timeColumn))
                            + " is not finite", "fix the time stamp");
                }
                return number;
            }
            String text = row.text(timeColumn);
            double days = epochDays(text);
            if (Double.isNaN(days)) {
                throw new DataFileException(source, at(position, timeColumn), "time " + quote(text)
                        + " is neither a number nor an ISO-8601 date or date-time", "write times as numbers, as 2024-03-01, or as "
                                + "2024-03-01T12:00:00 (optionally with an offset such as Z or +02:00)");
            }
            return days;
        }
    }

    /** Days since 1970-01-01 (fractional for date-times; UTC unless an offset is given), or NaN when {@code text} is neither. */
    static double epochDays(String text) {
        try {
            if (text.length() <= 10) {
                return LocalDate.parse(text).toEpochDay();
            }
            String t = text.length() > 10 && text.charAt(10) == ' ' ? text.substring(0, 10) + 'T' + text.substring(11) : text;
            Instant instant;
            if (t.endsWith("Z") || t.matches(".*[+-]\\d\\d:?\\d\\d$")) {
                instant = OffsetDateTime.parse(t).toInstant();
            } else {
                instant = LocalDateTime.parse(t).toInstant(ZoneOffset.UTC);
            }
            return instant.getEpochSecond() / 86400.0 + instant.getNano() / 86400e9;
        } catch (DateTimeException e) {
            return Double.NaN;
        }
    }

    /** A cell value or column name in a message: cut when long, control characters (line breaks) shown as '?'. */
    static String quote(String s) {
        String cut = s.length() > 40 ? s.substring(0, 40) + "…" : s;
        return "'" + cut.replaceAll("\\p{Cntrl}", "?") + "'";
    }

    // ----- building

    /** The two sets. Without test rows, {@code testFraction} of the training rows are held out, drawn with {@code seed}. */
    public Result build(long seed) {
        if (training == null) {
            throw new IllegalStateException("no training rows were started");
        }
        if (built) {
            throw new IllegalStateException("the table was already built");
        }
        built = true;
        if (training.rows == 0) {
            throw new DataFileException(training.source, "", "has no data rows", "add rows below the header");
        }
        Part testPart = test != null ? test : training;
        int[] trainRows;
        int[] testRows;
        if (test != null) {
            if (test.rows == 0) {
                throw new DataFileException(test.source, "", "has no data rows", "add rows below the header");
            }
            trainRows = IntStream.range(0, training.rows).toArray();
            testRows = IntStream.range(0, test.rows).toArray();
        } else {
            int n = training.rows;
            if (n < 2) {
                throw new DataFileException(training.source, "", "has 1 data row, too few to hold out a test set",
                        "add rows, or give a separate test file");
            }
            int[][] rows = Splits.holdOut(n, options.testFraction(), seed);
            trainRows = rows[0];
            testRows = rows[1];
        }
        List<String> classes = List.of();
        int[] classRank = null;
        if (!options.numericTarget()) {
            classRank = ranks(classValues);
            classes = sortedValues(classValues, classRank);
            if (classes.size() < 2) {
                throw new DataFileException(training.source, "column '" + options.label() + "'", "has only one class, "
                        + quote(classes.get(0)), "a classifier needs two or more classes; set target: numeric for a numeric target");
            }
            if (test == null) {
                checkTestClassesTrained(trainRows, testRows);
            }
        }
        int[][] categoryRank = new int[categoricalCount][];
        for (int k = 0; k < categoricalCount; k++) {
            categoryRank[k] = ranks(categoryValues.get(k));
        }
        normalize(trainRows, testPart == training ? null : testPart);
        if (training.timeColumn >= 0) {
            trainRows = byTime(training, trainRows);
            testRows = byTime(testPart, testRows);
        }
        List<String> inputs = inputNames(categoryRank);
        Dataset trainSet = emit(name + "/train", training, trainRows, classRank, categoryRank, inputs.size());
        Dataset testSet = emit(name + "/test", testPart, testRows, classRank, categoryRank, inputs.size());
        DataSources.Split split = training.timeColumn < 0 ? new DataSources.Split(trainSet, testSet)
                : new DataSources.Split(trainSet, testSet, timesOf(training, trainRows), timesOf(testPart, testRows));
        return new Result(split, classes, inputs);
    }

    private void checkTestClassesTrained(int[] trainRows, int[] testRows) {
        int[] trainLabels = Arrays.stream(trainRows).map(training.labels::get).toArray();
        int[] testLabels = Arrays.stream(testRows).map(training.labels::get).toArray();
        Splits.requireTrained(trainLabels, testLabels, classValues.size(), training.source + ": column " + quote(options.label()),
                code -> quote(classValues.get(code)), "the random split drew all its rows into the test set; add rows of that class, "
                        + "remove them, or give a separate test file");
    }

    /** The rank of each value (by first appearance) in the sorted order: numeric if all are integers, else text. */
    private static int[] ranks(List<String> values) {
        Integer[] order = new Integer[values.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        boolean integers = values.stream().allMatch(v -> v.matches("[+-]?\\d{1,18}"));
        Comparator<Integer> byText = Comparator.comparing(values::get);
        Arrays.sort(order, integers ? Comparator.<Integer>comparingLong(i -> Long.parseLong(values.get(i))).thenComparing(byText) : byText);
        int[] rank = new int[order.length];
        for (int r = 0; r < order.length; r++) {
            rank[order[r]] = r;
        }
        return rank;
    }

    private static List<String> sortedValues(List<String> values, int[] rank) {
        String[] out = new String[values.size()];
        for (int i = 0; i < rank.length; i++) {
            out[rank[i]] = values.get(i);
        }
        return List.of(out);
    }

    private List<String> inputNames(int[][] categoryRank) {
        List<String> out = new ArrayList<>();
        int c = 0;
        for (int f = 0; f < featureNames.size(); f++) {
            if (!categoricalFeature[f]) {
                out.add(featureNames.get(f));
            } else {
                List<String> sorted = sortedValues(categoryValues.get(c), categoryRank[c]);
                if (options.oneHot()) {
                    for (String value : sorted) {
                        out.add(featureNames.get(f) + "=" + value);
                    }
                } else {
                    out.add(featureNames.get(f));
                }
                c++;
            }
        }
        return out;
    }

    /**
     * Fills missing numeric values and standardizes, in place, with statistics of the training rows. Every pass walks
     * the rows in memory order (all columns of a row at once): column by column would stride through the whole table.
     */
    private void normalize(int[] trainRows, Part separateTest) {
        int width = numericCount;
        if (width == 0) {
            return;
        }
        float[] x = training.numeric.array();
        double[] sum = new double[width];
        long[] count = new long[width];
        for (int r : trainRows) {
            for (int k = 0, i = r * width; k < width; k++, i++) {
                float v = x[i];
                if (!Float.isNaN(v)) {
                    sum[k] += v;
                    count[k]++;
                }
            }
        }
        float[] fill = new float[width];
        double[] mean = new double[width];
        for (int k = 0; k < width; k++) {
            if (options.missing() == Missing.MEAN) {
                if (count[k] == 0) {
                    throw new DataFileException(training.source, "column " + quote(featureNames.get(numericFeature(k))),
                            "has no values in the training rows to take a mean of", "ignore the column, or set missing: zero");
                }
                fill[k] = (float) (sum[k] / count[k]);
            }
            // the mean after filling: the filled cells add fill[k] each
            mean[k] = (sum[k] + (double) fill[k] * (trainRows.length - count[k])) / trainRows.length;
        }
        fillMissing(training, fill);
        if (separateTest != null) {
            fillMissing(separateTest, fill);
        }
        if (!options.standardize()) {
            return;
        }
        double[] squares = new double[width];
        for (int r : trainRows) {
            for (int k = 0, i = r * width; k < width; k++, i++) {
                double d = x[i] - mean[k];
                squares[k] += d * d;
            }
        }
        double[] scale = new double[width];
        for (int k = 0; k < width; k++) {
            double std = Math.sqrt(squares[k] / trainRows.length);
            scale[k] = std > 1e-12 * Math.max(1, Math.abs(mean[k])) ? 1 / std : 1; // a constant column is only centred
        }
        standardize(training, mean, scale);
        if (separateTest != null) {
            standardize(separateTest, mean, scale);
        }
    }

    private int numericFeature(int k) {
        for (int f = 0, n = 0; f < featureNames.size(); f++) {
            if (!categoricalFeature[f] && n++ == k) {
                return f;
            }
        }
        throw new IllegalArgumentException("no numeric feature " + k);
    }

    private void fillMissing(Part part, float[] fill) {
        float[] x = part.numeric.array();
        int n = part.rows * numericCount;
        for (int i = 0; i < n; i++) {
            if (Float.isNaN(x[i])) {
                x[i] = fill[i % numericCount];
            }
        }
    }

    private void standardize(Part part, double[] mean, double[] scale) {
        float[] x = part.numeric.array();
        int width = numericCount;
        for (int r = 0, i = 0; r < part.rows; r++) {
            for (int k = 0; k < width; k++, i++) {
                x[i] = (float) ((x[i] - mean[k]) * scale[k]);
            }
        }
    }

    /** {@code rows} sorted by time, ties in their given order. */
    private static int[] byTime(Part part, int[] rows) {
        Integer[] boxed = new Integer[rows.length];
        for (int i = 0; i < rows.length; i++) {
            boxed[i] = rows[i];
        }
        Arrays.sort(boxed, Comparator.comparingDouble(part.times::get)); // a stable merge sort
        return Arrays.stream(boxed).mapToInt(Integer::intValue).toArray();
    }

    private static double[] timesOf(Part part, int[] rows) {
        double[] out = new double[rows.length];
        for (int i = 0; i < rows.length; i++) {
            out[i] = part.times.get(rows[i]);
        }
        return out;
    }

    private Dataset emit(String setName, Part part, int[] rows, int[] classRank, int[][] categoryRank, int width) {
        Resources.requireHeap((long) rows.length * width, 4L * rows.length * width, rows.length + " rows of " + width + " input features",
                "use fewer rows or columns, or index encoding for categories with many values");
        float[] x = new float[rows.length * width];
        float[] numeric = part.numeric.array();
        int features = featureNames.size();
        for (int i = 0; i < rows.length; i++) {
            int r = rows[i];
            int out = i * width;
            int n = 0;
            int c = 0;
            for (int f = 0; f < features; f++) {
                if (!categoricalFeature[f]) {
                    x[out++] = numeric[r * numericCount + n++];
                    continue;
                }
                int code = part.categories.get(r * categoricalCount + c);
                int rank = code < 0 ? -1 : categoryRank[c][code];
                if (options.oneHot()) {
                    if (rank >= 0) {
                        x[out + rank] = 1;
                    }
                    out += categoryRank[c].length;
                } else {
                    x[out++] = rank;
                }
                c++;
            }
        }
        Shape shape = new Shape(width);
        if (options.numericTarget()) {
            float[] y = new float[rows.length];
            for (int i = 0; i < rows.length; i++) {
                y[i] = part.targets.get(rows[i]);
            }
            return FloatDataset.withTargets(setName, x, y, shape);
        }
        int[] y = new int[rows.length];
        for (int i = 0; i < rows.length; i++) {
            y[i] = classRank[part.labels.get(rows[i])];
        }
        return new FloatDataset(setName, x, y, shape, classRank.length);
    }
}
