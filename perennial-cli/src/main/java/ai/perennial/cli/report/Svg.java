package ai.perennial.cli.report;

import ai.perennial.cli.Text;
import java.util.List;
import java.util.Locale;

/** Small hand-made SVG charts for self-contained HTML reports (no scripts, no external resources). */
public final class Svg {
    static final String[] PALETTE = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
        "#7f7f7f", "#bcbd22", "#17becf"};
    private static final int W = 720;
    private static final int H = 320;
    private static final int LEFT = 60;
    private static final int RIGHT = 150;
    private static final int TOP = 30;
    private static final int BOTTOM = 45;

    private Svg() {
    }

    /** A line series; {@code x} and {@code y} have equal length. */
    public record Series(String name, double[] x, double[] y) {
    }

    public static String color(int i) {
        return PALETTE[i % PALETTE.length];
    }

    /** Lines over a shared x axis with dashed vertical markers (e.g. task boundaries) at {@code marks}. */
    public static String lineChart(String title, List<Series> series, long[] marks, String xLabel, String yLabel,
            double yMin, double yMax) {
        double xMax = 1;
        for (Series s : series) {
            for (double x : s.x()) {
                xMax = Math.max(xMax, x);
            }
        }
        StringBuilder b = open(title);
        axes(b, 0, xMax, yMin, yMax, xLabel, yLabel);
        for (long m : marks) {
            double x = sx(m, xMax);
            b.append(f("<line x1='%.1f' y1='%d' x2='%.1f' y2='%d' stroke='#999' stroke-dasharray='4 3'/>", x, TOP, x, H - BOTTOM));
        }
        for (int i = 0; i < series.size(); i++) {
            Series s = series.get(i);
            StringBuilder pts = new StringBuilder();
            for (int k = 0; k < s.x().length; k++) {
                if (!Double.isNaN(s.y()[k])) {
                    pts.append(f("%.1f,%.1f ", sx(s.x()[k], xMax), sy(s.y()[k], yMin, yMax)));
                }
            }
            b.append(f("<polyline fill='none' stroke='%s' stroke-width='1.8' points='%s'/>", color(i), pts.toString().trim()));
            legend(b, i, s.name());
        }
        return b.append("</svg>").toString();
    }

    /** Bars with optional ± error whiskers; the y range covers 0 and all values. */
    public static String barChart(String title, List<String> labels, double[] values, double[] errors, String yLabel) {
        double lo = 0;
        double hi = 0;
        for (int i = 0; i < values.length; i++) {
            double e = errors == null || Double.isNaN(errors[i]) ? 0 : errors[i];
            if (!Double.isNaN(values[i])) {
                lo = Math.min(lo, values[i] - e);
                hi = Math.max(hi, values[i] + e);
            }
        }
        if (hi - lo < 1e-9) {
            hi = lo + 1;
        }
        double pad = 0.05 * (hi - lo);
        lo = lo < 0 ? lo - pad : 0;
        hi += pad;
        StringBuilder b = open(title);
        axes(b, Double.NaN, Double.NaN, lo, hi, "", yLabel);
        int n = values.length;
        double slot = (W - LEFT - RIGHT) / (double) Math.max(n, 1);
        double zero = sy(0, lo, hi);
        for (int i = 0; i < n; i++) {
            double x = LEFT + slot * i + slot * 0.15;
            double w = slot * 0.7;
            if (!Double.isNaN(values[i])) {
                double y = sy(values[i], lo, hi);
                b.append(f("<rect x='%.1f' y='%.1f' width='%.1f' height='%.1f' fill='%s'><title>%s: %s</title></rect>",
                        x, Math.min(y, zero), w, Math.abs(zero - y), color(i), esc(labels.get(i)), f("%.4f", values[i])));
                if (errors != null && !Double.isNaN(errors[i]) && errors[i] > 0) {
                    double cx = x + w / 2;
                    double y1 = sy(values[i] - errors[i], lo, hi);
                    double y2 = sy(values[i] + errors[i], lo, hi);
                    b.append(f("<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' stroke='#222'/>", cx, y1, cx, y2));
                    b.append(f("<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' stroke='#222'/>", cx - 5, y1, cx + 5, y1));
                    b.append(f("<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' stroke='#222'/>", cx - 5, y2, cx + 5, y2));
                }
            } else {
                b.append(f("<text x='%.1f' y='%.1f' font-size='11' text-anchor='middle' fill='#777'>n/a</text>", x + w / 2, zero - 4));
            }
            b.append(f("<text x='%.1f' y='%d' font-size='11' text-anchor='middle'>%s</text>", x + w / 2, H - BOTTOM + 16,
                    esc(labels.get(i))));
        }
        return b.append("</svg>").toString();
    }

    /** A matrix of values in [0, 1] as coloured cells with the value printed; NaN cells stay blank. */
    public static String heatmap(String title, double[][] values, List<String> rowLabels, List<String> colLabels) {
        return heatmap(title, values, rowLabels, colLabels, true);
    }

    /**
     * Cells coloured from light (worst) to dark (best) over 0..1 widened to the matrix's own range (accuracy stays on
     * 0..1; R² below 0 and errors above 1 widen it), reversed when lower is better (errors).
     */
    public static String heatmap(String title, double[][] values, List<String> rowLabels, List<String> colLabels,
            boolean higherIsBetter) {
        double lo = 0;
        double hi = 1;
        for (double[] row : values) {
            for (double v : row) {
                if (Double.isFinite(v)) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
        }
        double low = lo;
        double span = hi - lo;
        int rows = values.length;
        int cols = colLabels.size();
        int cell = Math.max(18, Math.min(56, 480 / Math.max(rows, cols)));
        int left = 110;
        int top = 50;
        int width = left + cols * cell + 20;
        int height = top + rows * cell + 20;
        StringBuilder b = new StringBuilder(f("<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' viewBox='0 0 %d %d'>",
                width, height, width, height));
        b.append(f("<text x='%d' y='18' font-size='14' font-weight='bold'>%s</text>", left, esc(title)));
        boolean numbers = cell >= 34;
        for (int j = 0; j < cols; j++) {
            b.append(f("<text x='%d' y='%d' font-size='11' text-anchor='middle'>%s</text>", left + j * cell + cell / 2, top - 6,
                    esc(colLabels.get(j))));
        }
        for (int i = 0; i < rows; i++) {
            b.append(f("<text x='%d' y='%d' font-size='11' text-anchor='end'>%s</text>", left - 6, top + i * cell + cell / 2 + 4,
                    esc(rowLabels.get(i))));
            for (int j = 0; j < cols; j++) {
                double v = values[i][j];
                if (Double.isNaN(v)) {
                    b.append(f("<rect x='%d' y='%d' width='%d' height='%d' fill='#f4f4f4' stroke='#fff'/>", left + j * cell,
                            top + i * cell, cell, cell));
                    continue;
                }
                double t = Math.max(0, Math.min(1, (v - low) / span));
                t = higherIsBetter ? t : 1 - t;
                int r = (int) Math.round(247 - t * (247 - 8));
                int g = (int) Math.round(251 - t * (251 - 81));
                int bl = (int) Math.round(255 - t * (255 - 156));
                b.append(f("<rect x='%d' y='%d' width='%d' height='%d' fill='rgb(%d,%d,%d)' stroke='#fff'><title>%.4f</title></rect>",
                        left + j * cell, top + i * cell, cell, cell, r, g, bl, v));
                if (numbers) {
                    b.append(f("<text x='%d' y='%d' font-size='11' text-anchor='middle' fill='%s'>%.2f</text>", left + j * cell + cell / 2,
                            top + i * cell + cell / 2 + 4, t > 0.55 ? "#fff" : "#000", v));
                }
            }
        }
        return b.append("</svg>").toString();
    }

    private static StringBuilder open(String title) {
        StringBuilder b = new StringBuilder(f("<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' viewBox='0 0 %d %d'>",
                W, H, W, H));
        b.append(f("<text x='%d' y='18' font-size='14' font-weight='bold'>%s</text>", LEFT, esc(title)));
        return b;
    }

    private static void axes(StringBuilder b, double xMin, double xMax, double yMin, double yMax, String xLabel, String yLabel) {
        b.append(f("<line x1='%d' y1='%d' x2='%d' y2='%d' stroke='#333'/>", LEFT, H - BOTTOM, W - RIGHT, H - BOTTOM));
        b.append(f("<line x1='%d' y1='%d' x2='%d' y2='%d' stroke='#333'/>", LEFT, TOP, LEFT, H - BOTTOM));
        for (int k = 0; k <= 4; k++) {
            double v = yMin + (yMax - yMin) * k / 4;
            double y = sy(v, yMin, yMax);
            b.append(f("<line x1='%d' y1='%.1f' x2='%d' y2='%.1f' stroke='#eee'/>", LEFT + 1, y, W - RIGHT, y));
            b.append(f("<text x='%d' y='%.1f' font-size='11' text-anchor='end'>%s</text>", LEFT - 6, y + 4, tick(v)));
        }
        if (!Double.isNaN(xMax)) {
            for (int k = 0; k <= 4; k++) {
                double v = xMin + (xMax - xMin) * k / 4;
                b.append(f("<text x='%.1f' y='%d' font-size='11' text-anchor='middle'>%s</text>", sx(v, xMax), H - BOTTOM + 16, tick(v)));
            }
        }
        b.append(f("<text x='%d' y='%d' font-size='12' text-anchor='middle'>%s</text>", (LEFT + W - RIGHT) / 2, H - 8, esc(xLabel)));
        b.append(f("<text x='14' y='%d' font-size='12' text-anchor='middle' transform='rotate(-90 14 %d)'>%s</text>",
                (TOP + H - BOTTOM) / 2, (TOP + H - BOTTOM) / 2, esc(yLabel)));
    }

    private static void legend(StringBuilder b, int i, String name) {
        int y = TOP + 10 + 18 * i;
        b.append(f("<line x1='%d' y1='%d' x2='%d' y2='%d' stroke='%s' stroke-width='3'/>", W - RIGHT + 12, y, W - RIGHT + 30, y, color(i)));
        b.append(f("<text x='%d' y='%d' font-size='11'>%s</text>", W - RIGHT + 36, y + 4, esc(name)));
    }

    private static double sx(double x, double xMax) {
        return LEFT + (W - LEFT - RIGHT) * x / xMax;
    }

    private static double sy(double y, double yMin, double yMax) {
        return H - BOTTOM - (H - TOP - BOTTOM) * (y - yMin) / (yMax - yMin);
    }

    private static String tick(double v) {
        if (Math.abs(v) >= 100 || v == Math.rint(v)) {
            return f("%.0f", v);
        }
        return f("%.2f", v);
    }

    public static String esc(String s) {
        return Text.html(s);
    }

    static String f(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
