package ai.perennial.cli;

import ai.perennial.core.train.ProgressListener;
import java.io.PrintStream;

/**
 * Training progress on stderr: a redrawn bar on an interactive terminal, plain log lines (about every
 * 10%) otherwise, so CI logs and pipes stay readable.
 */
final class Progress implements ProgressListener {
    private final PrintStream out;
    private final boolean terminal;
    private final String label;
    private final long startNanos = System.nanoTime();
    private long nextLogAt;

    Progress(String label) {
        this(label, System.err, System.console() != null && System.getenv("CI") == null);
    }

    Progress(String label, PrintStream out, boolean terminal) {
        this.label = label;
        this.out = out;
        this.terminal = terminal;
    }

    @Override
    public void onProgress(long done, long total, double meanLoss) {
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        double rate = done / Math.max(seconds, 1e-9);
        if (terminal) {
            int width = 30;
            int filled = (int) (width * done / Math.max(total, 1));
            String bar = "=".repeat(filled) + (filled < width ? ">" + " ".repeat(width - filled - 1) : "");
            out.printf("\r%s [%s] %d/%d  loss %.4f  %.0f steps/s ", label, bar, done, total, meanLoss, rate);
            if (done == total) {
                out.println();
            }
        } else if (done >= nextLogAt || done == total) {
            out.printf("%s step %d/%d loss %.4f (%.1f steps/s)%n", label, done, total, meanLoss, rate);
            nextLogAt = done + Math.max(1, total / 10);
        }
        out.flush();
    }
}
