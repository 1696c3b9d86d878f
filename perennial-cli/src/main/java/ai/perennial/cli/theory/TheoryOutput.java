package ai.perennial.cli.theory;

import ai.perennial.cli.OutputDir;
import ai.perennial.cli.report.Png;
import ai.perennial.core.observe.RunLog;
import ai.perennial.core.run.Provenance;
import ai.perennial.core.run.ResultWriter;
import ai.perennial.theory.Band;
import java.awt.Color;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Files a theory experiment writes into its output directory: CSV tables, PNG charts, result.json, and metrics.jsonl
 * (with TensorBoard event files when asked), where every column of a table is a scalar {@code theory/COLUMN}, its step
 * the iteration {@code k} in tables over iterations and the row number in the others (sweeps, per-task tables). The
 * tables are computed at once, so they are logged when the experiment is done.
 */
final class TheoryOutput {
    private final Path dir;
    private final Path tensorboard;
    private final List<Map<String, double[]>> tables = new ArrayList<>();

    /** {@code tensorboard}: where event files go, or null for none. */
    TheoryOutput(Path dir, Path tensorboard) {
        this.dir = dir;
        this.tensorboard = tensorboard;
        OutputDir.writable(dir);
    }

    Path dir() {
        return dir;
    }

    /** Writes a CSV with a header row; every column has the same length. */
    void csv(String name, Map<String, double[]> columns) {
        List<String> names = new ArrayList<>(columns.keySet());
        tables.add(columns);
        int rows = columns.get(names.get(0)).length;
        StringBuilder b = new StringBuilder(String.join(",", names)).append('\n');
        for (int i = 0; i < rows; i++) {
            for (int c = 0; c < names.size(); c++) {
                double v = columns.get(names.get(c))[i];
                b.append(c == 0 ? "" : ",").append(v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v)
                        : String.format(Locale.ROOT, "%.8g", v));
            }
            b.append('\n');
        }
        write(name, b.toString());
    }

    /** A line; {@code dashed} lines are reference shapes (bounds), drawn grey; {@code color} null = automatic. */
    record Line(String name, double[] x, double[] y, boolean dashed, java.awt.Color color, boolean inLegend) {
        static Line of(String name, double[] x, double[] y, java.awt.Color color) {
            return new Line(name, x, y, false, color, true);
        }

        static Line bound(String name, double[] x, double[] y, java.awt.Color color) {
            return new Line(name, x, y, true, color, true);
        }

        /** A thin unlabeled line in a lighter shade (edges of a confidence band). */
        static Line edge(String name, double[] x, double[] y, java.awt.Color color) {
            return new Line(name, x, y, false, new java.awt.Color(color.getRed(), color.getGreen(), color.getBlue(), 90), false);
        }
    }

    void chart(String name, String title, String xLabel, String yLabel, boolean logLog, List<Line> lines) {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(900).height(540).title(title).xAxisTitle(xLabel).yAxisTitle(yLabel).build();
        chart.getStyler().setXAxisLogarithmic(logLog).setYAxisLogarithmic(logLog).setMarkerSize(0);
        chart.getStyler().setYAxisDecimalPattern("0.##E0");
        for (Line line : lines) {
            double[][] xy = logLog ? positive(line.x(), line.y()) : new double[][] {line.x(), line.y()};
            if (xy[0].length == 0) {
                continue;
            }
            XYSeries s = chart.addSeries(line.name(), xy[0], xy[1]);
            s.setMarker(SeriesMarkers.NONE);
            if (line.dashed()) {
                s.setLineStyle(SeriesLines.DASH_DASH);
            }
            if (line.color() != null) {
                s.setLineColor(line.color());
            }
            s.setShowInLegend(line.inLegend());
        }
        Png.write(dir.resolve(name), chart);
    }

    /** result.json: the experiment's numbers plus provenance (config, seed, command, versions, git commit). */
    void result(Map<String, Object> config, long seed, List<String> args, Map<String, Object> results) {
        Map<String, Object> out = new LinkedHashMap<>(results);
        out.put("provenance", Provenance.capture(config, seed, "perennial " + String.join(" ", args), false));
        ResultWriter.write(dir, "result.json", out);
        try (RunLog log = RunLog.open(dir, tensorboard)) {
            log.start("theory", results.get("experiment") + ", seed " + seed, config, null);
            for (Map<String, double[]> table : tables) {
                double[] k = table.get("k");
                table.forEach((column, values) -> {
                    for (int i = 0; !column.equals("k") && i < values.length; i++) {
                        log.scalar("theory/" + column, k == null ? i : (long) k[i], values[i]);
                    }
                });
            }
            log.end("finished", null);
        }
    }

    private void write(String name, String text) {
        ResultWriter.writeText(dir.resolve(name), text);
    }

    /**
     * Log axes cannot show values ≤ 0, and values below 1e-13 of the line's maximum are rounding noise around an exact
     * zero (e.g. the forgetting right after the first task): both are left out of log-log charts.
     */
    private static double[][] positive(double[] x, double[] y) {
        double max = 0;
        for (double v : y) {
            max = Math.max(max, v);
        }
        double floor = max * 1e-13;
        int n = 0;
        for (int i = 0; i < x.length; i++) {
            if (x[i] > 0 && y[i] > floor) {
                n++;
            }
        }
        double[][] out = new double[2][n];
        int j = 0;
        for (int i = 0; i < x.length; i++) {
            if (x[i] > 0 && y[i] > floor) {
                out[0][j] = x[i];
                out[1][j++] = y[i];
            }
        }
        return out;
    }

    /** A band as three lines: the mean, and its lower and upper edges in a lighter shade. */
    static void band(List<Line> lines, String name, double[] x, Band band, Color color) {
        lines.add(Line.of(name, x, band.mean(), color));
        lines.add(Line.edge(name + " lower", x, band.lower(), color));
        lines.add(Line.edge(name + " upper", x, band.upper(), color));
    }

    /** Three CSV columns NAME_mean, NAME_lower, NAME_upper. */
    static void put(Map<String, double[]> columns, String name, Band band) {
        columns.put(name + "_mean", band.mean());
        columns.put(name + "_lower", band.lower());
        columns.put(name + "_upper", band.upper());
    }

    static double[] toDouble(long[] k) {
        double[] out = new double[k.length];
        for (int j = 0; j < k.length; j++) {
            out[j] = k[j];
        }
        return out;
    }

    static double[] scale(double[] v, double factor) {
        double[] out = new double[v.length];
        for (int j = 0; j < v.length; j++) {
            out[j] = v[j] * factor;
        }
        return out;
    }
}
