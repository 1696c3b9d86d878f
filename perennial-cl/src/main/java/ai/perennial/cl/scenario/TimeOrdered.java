package ai.perennial.cl.scenario;

import ai.perennial.core.PerennialException;
import ai.perennial.core.data.DataSources;
import ai.perennial.core.data.Dataset;
import ai.perennial.core.registry.Component;
import ai.perennial.core.registry.Param;
import ai.perennial.core.registry.Registered;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
            "window length when cutting by period, in the time stamps' unit (days for dates)").inOpen(0, Double.MAX_VALUE);

    @Registered
    public static final Component<Scenario.Context, Scenario> TIME_ORDERED = Component.of(Scenario.KIND, "time-ordered")
            .summary("time-stamped data in time order, cut into windows by count or by period; prequential (test-then-train) scores")
            .source("e.g. Gama et al. 2013 (prequential evaluation)")
            .params(BY, EXPERIENCES, PERIOD)
            .requires(DataSources.TIME_ORDERED)
            .provides(Scenario.DOMAIN_INCREMENTAL)
            .factory((v, c) -> v.text("by").equals("period") ? byPeriod(c.data(), period(v.get(PERIOD))) : byCount(c.data(),
                    v.get(EXPERIENCES)));

    private TimeOrdered() {
    }

    private static double period(Double period) {
        if (period == null) {
            throw new PerennialException("scenario.period: cutting by period needs the window length, e.g. period: 7 (days for dates)");
        }
        return period;
    }

    /** {@code experiences} windows, each starting at the time stamp of an equal share of the training rows. */
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
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("type", TIME_ORDERED.name());
        settings.put("by", "count");
        settings.put("experiences", experiences);
        return cut(data, distinct(starts), settings);
    }

    /** Windows {@code [t0 + k·period, t0 + (k+1)·period)} from the first training time stamp t0; empty windows are skipped. */
    public static Scenario byPeriod(DataSources.Split data, double period) {
        double[] times = times(data);
        double t0 = times[0];
        List<Double> starts = new ArrayList<>();
        long last = -1;
        for (double t : times) {
            long k = (long) Math.floor((t - t0) / period);
            if (k != last) {
                starts.add(t0 + k * period);
                last = k;
            }
            if (starts.size() > 100_000) {
                throw new PerennialException("scenario.period: " + period + " cuts the data into more than 100000 windows; use a longer period");
            }
        }
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("type", TIME_ORDERED.name());
        settings.put("by", "period");
        settings.put("period", period);
        return cut(data, starts.stream().mapToDouble(Double::doubleValue).toArray(), settings);
    }

    private static double[] times(DataSources.Split data) {
        if (!data.timeOrdered()) {
            throw new PerennialException("scenario time-ordered needs time stamps, but " + data.train().name()
                    + " has none; give the data set its time column (e.g. csv's time: COLUMN)");
        }
        if (data.train().size() == 0) {
            throw new PerennialException("scenario time-ordered: the training set " + data.train().name() + " is empty");
        }
        return data.trainTimes();
    }

    /** Start times with repeats removed (equal time stamps cannot be told apart, so they stay in one window). */
    private static double[] distinct(double[] starts) {
        return Arrays.stream(starts).distinct().toArray();
    }

    /**
     * Experience k: the rows with {@code starts[k] <= time < starts[k+1]}; the first window also takes earlier test rows,
     * the last every later one.
     */
    private static Scenario cut(DataSources.Split data, double[] starts, Map<String, Object> settings) {
        int[][] train = windows(data.trainTimes(), starts);
        int[][] test = windows(data.testTimes(), starts);
        int classes = data.train().numClasses();
        int[] allClasses = new int[classes];
        Arrays.setAll(allClasses, i -> i);
        List<Experience> experiences = new ArrayList<>();
        double[] windowStarts = new double[starts.length];
        int k = 0;
        for (int w = 0; w < starts.length; w++) {
            if (train[w].length == 0) {
                continue;
            }
            String name = "window-" + k;
            experiences.add(new Experience(k, data.train().select(train[w]).named(name), data.test().select(test[w]).named(name), k,
                    allClasses));
            windowStarts[k] = starts[w];
            k++;
        }
        settings.put("window_starts", Arrays.copyOf(windowStarts, k));
        return new Scenario(TIME_ORDERED.name(), experiences, classes, 1, Scenario.DOMAIN_INCREMENTAL, settings);
    }

    /** For each window, the indices of the (time-sorted) rows that fall in it. */
    static int[][] windows(double[] times, double[] starts) {
        int[][] out = new int[starts.length][];
        int at = 0;
        for (int w = 0; w < starts.length; w++) {
            int from = at;
            double end = w + 1 < starts.length ? starts[w + 1] : Double.POSITIVE_INFINITY;
            while (at < times.length && times[at] < end) {
                at++;
            }
            out[w] = new int[at - from];
            Arrays.setAll(out[w], i -> from + i);
        }
        return out;
    }
}
