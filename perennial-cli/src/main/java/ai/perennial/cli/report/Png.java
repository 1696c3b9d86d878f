package ai.perennial.cli.report;

import ai.perennial.core.PerennialException;
import ai.perennial.core.run.ResultWriter;
import java.io.IOException;
import java.nio.file.Path;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.internal.chartpart.Chart;

/** Charts as PNG files. */
public final class Png {
    private Png() {
    }

    /** Renders {@code chart} and writes it to {@code file} atomically. */
    public static void write(Path file, Chart<?, ?> chart) {
        byte[] png;
        try {
            png = BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new PerennialException("cannot draw " + file + " (" + e.getMessage() + ")");
        }
        ResultWriter.writeBytes(file, png);
    }
}
