package ai.perennial.cli.report;

import ai.perennial.core.run.ResultWriter;
import java.nio.file.Path;

/** The page frame shared by all reports: inline styles, no scripts, nothing fetched. */
final class Html {
    private static final String STYLE = "body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#222;"
            + "max-width:1100px}h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd;padding-bottom:4px}"
            + "table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ddd;padding:4px 8px;text-align:right}"
            + "th{background:#f6f6f6}td.l,th.l{text-align:left}pre{background:#f7f7f7;padding:10px;font-size:12px;overflow:auto;"
            + "max-height:420px}.note{color:#555;font-size:13px}svg{display:block;margin:8px 0}";

    private Html() {
    }

    static String page(String title, String body) {
        return "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'><title>" + Svg.esc(title)
                + "</title><style>" + STYLE + "</style></head><body>\n<h1>" + Svg.esc(title) + "</h1>\n" + body + "\n</body></html>\n";
    }

    static void write(Path file, String html) {
        ResultWriter.writeText(file, html);
    }

    static String fmt(Object v) {
        if (v == null) {
            return "n/a";
        }
        if (v instanceof Double d) {
            return Double.isNaN(d) ? "n/a" : Svg.f("%.4f", d);
        }
        return Svg.esc(String.valueOf(v));
    }
}
