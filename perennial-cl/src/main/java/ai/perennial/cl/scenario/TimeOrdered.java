package ai.perennial.cl.scenario;

import ai.perennial.core.PerennialException;
import ai.perennial.core.data.DataSources;
import ai.perennial.core.registry.Component;
import ai.perennial.core.registry.Param;
import ai.perennial.core.registry.Registered;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleToLongFunction;

/**
 * A stream cut from time-stamped data in time order: the production case of a model that must keep up with data whose
 * distribution drifts. Experience k holds the rows of the k-th time window, training and test rows alike, so the
 * accuracy matrix says how well the model of each moment does on every period, and the online score of each training
 * round (the model's score on every incoming batch before it learns from it) is the prequential, test-then-train score
 * of that period. Windows are cut by a fixed period of the time stamps, or into a number of windows holding equal
 * numbers of training rows.
 */
public final class TimeOrdered {
    private static final Param<String> BY = Param.choice("by", "count",
            "count: windows with equal numbers of training rows; period: windows of a fixed length of time", "count", "period");
    private static final Param<Integer> EXPERIENCES = Param.integer("experiences", 10, "number of windows when cutting by count")
            .atLeast(1).atMost(100_000);
    private static final Param<Double> PERIOD = Param.number("period", null,
            "window length when cutting by period, in the time stamps' unit (days for dates)").positive();

    @Registered
    public static final Component<Scenario.Context, Scenario> TIME_ORDERED = Component.of(Scenario.KIND, "time-ordered")
            .summary("time-stamped data in time order, cut into windows by count or by period; prequential (test-then-train) scores")
            .source("e.g. Gama et al. 2013 (prequential evaluation)")
            .params(BY, EXPERIENCES, PERIOD)
            .requires(DataSources.TIME_ORDERED)
            .provides(Scenario.DOMAIN_INCREMENTAL)
            .factory((v, c) -> v.text("by").equals("period") ? byPeriod(c.data(), period(v.get(PERIOD))) : byCount(c.data(),
                    v.get(EXPERIENCES)));

    /** More windows than this is a mistake (a period far too short for the data), not a stream. */
    private static final int MAX_WINDOWS = 100_000;

    private TimeOrdered() {
    }

    private static double period(Double period) {
        if (period == null) {
            throw new PerennialException("scenario.period: cutting by period needs the window length, e.g. period: 7 (days for dates)");
        }
        return period;
    }

    /**
     * {@code experiences} windows, window k starting at the time stamp of training row ⌊k·n / experiences⌋; rows with one
     * time stamp stay in one window, so there may be fewer.
     */
    public static Scenario byCount(DataSources.Split data, int experiences) {
        double[] times = times(data);
        int n = times.length;
        if (experiences > n) {
            throw new PerennialException("scenario.experiences: " + experiences + " windows for " + n + " training rows; use at most " + n);
        }
        double[] starts = new double[experiences];
        for (int k = 0; k < experiences; k++) {
            starts[k] = times[(int) ((long) k * n / experiences)];
        }
        double[] distinct = Arrays.stream(starts).distinct().toArray();
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("type", TIME_ORDERED.name());
        settings.put("by", "count");
        settings.put("experiences_asked", experiences);
        // the window of t: the last start at or before it (rows before the first start belong to the first window)
        return cut(data, t -> {
            int at = Arrays.binarySearch(distinct, t);
            return at >= 0 ? at : Math.max(0, -at - 2);
        }, settings);
    }

    /**
     * Windows {@code [t0 + k·period, t0 + (k+1)·period)} from the first training time stamp t0; windows without training
     * rows are skipped (their test rows join the window before).
     */
    public static Scenario byPeriod(DataSources.Split data, double period) {
        double t0 = times(data)[0];
        double last = data.trainTimes()[data.trainTimes().length - 1];
        if ((last - t0) / period >= MAX_WINDOWS) {
            throw new PerennialException("scenario.period: " + period + " cuts the data into more than " + MAX_WINDOWS
                    + " windows; use a longer period");
        }
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("type", TIME_ORDERED.name());
        settings.put("by", "period");
        settings.put("period", period);
        return cut(data, t -> Math.max(0, (long) Math.floor((t - t0) / period)), settings);
    }

    private static double[] times(DataSources.Split data) {
        if (!data.timeOrdered()) {
            throw new PerennialException("scenario time-ordered needs time stamps, but " + data.train().name()
                    + " has none; give the data set its time column");
        }
        if (data.train().size() == 0) {
            throw new PerennialException("scenario time-ordered: the training set " + data.train().name() + " is empty");
        }
        return data.trainTimes();
    }

    /**
     * Experience k: the windows' rows in time order. Every row's window is {@code windowOf(time)}, computed once per row
     * (so rounding cannot put a row on both sides of a boundary); a window is an experience when it has training rows,
     * and test rows of a window without any join the experience before (the first one when there is none before).
     */
    private static Scenario cut(DataSources.Split data, DoubleToLongFunction windowOf, Map<String, Object> settings) {
        long[] trainWindow = Arrays.stream(data.trainTimes()).mapToLong(windowOf::applyAsLong).toArray();
        long[] keys = Arrays.stream(trainWindow).distinct().toArray(); // ascending: the times are
        int[][] train = group(trainWindow, keys);
        int[][] test = group(Arrays.stream(data.testTimes()).mapToLong(windowOf::applyAsLong).toArray(), keys);
        int classes = data.train().numClasses();
        int[] allClasses = new int[classes];
        Arrays.setAll(allClasses, i -> i);
        List<Experience> experiences = new ArrayList<>();
        for (int k = 0; k < keys.length; k++) {
            if (test[k].length == 0) {
                throw new PerennialException("scenario time-ordered: window " + (k + 1) + " of " + keys.length + " (from time "
                        + data.trainTimes()[train[k][0]] + ") has training rows but no test rows to measure it on; hold out test "
                        + "rows from every period (the data set's test_fraction rather than a later test file), or cut fewer windows");
            }
            String name = "window-" + k;
            experiences.add(new Experience(k, data.train().select(train[k]).named(name), data.test().select(test[k]).named(name), k,
                    allClasses));
        }
        settings.put("windows", keys.length);
        settings.put("window_starts", Arrays.stream(train).mapToDouble(rows -> data.trainTimes()[rows[0]]).toArray());
        return new Scenario(TIME_ORDERED.name(), experiences, classes, 1, Scenario.DOMAIN_INCREMENTAL, settings);
    }

    /** For each key, the rows whose window is the last key at or before theirs (the first key for earlier ones). */
    static int[][] group(long[] windowOfRow, long[] keys) {
        List<List<Integer>> rows = new ArrayList<>();
        for (int k = 0; k < keys.length; k++) {
            rows.add(new ArrayList<>());
        }
        for (int i = 0; i < windowOfRow.length; i++) {
            int at = Arrays.binarySearch(keys, windowOfRow[i]);
            rows.get(at >= 0 ? at : Math.max(0, -at - 2)).add(i);
        }
        return rows.stream().map(r -> r.stream().mapToInt(Integer::intValue).toArray()).toArray(int[][]::new);
    }
}
