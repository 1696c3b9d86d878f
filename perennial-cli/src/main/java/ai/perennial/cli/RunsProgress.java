package ai.perennial.cli;

/**
 * Overall progress of a command that performs many runs (compare): runs done of the total, time spent, and the time
 * left estimated from the runs trained so far in this invocation (runs kept from an earlier invocation count as done
 * but say nothing about speed). One plain line per run, the same on a terminal and in a log.
 */
final class RunsProgress {
    private final int total;
    private final long startNanos;
    private int done;
    private int trained;

    RunsProgress(int total, long startNanos) {
        this.total = total;
        this.startNanos = startNanos;
    }

    /** Counts a run kept from an earlier invocation. */
    void kept() {
        done++;
    }

    /** Counts a run trained now, finished at {@code nowNanos}; returns the line to print. */
    String trained(long nowNanos) {
        done++;
        trained++;
        double elapsed = (nowNanos - startNanos) / 1e9;
        String line = "[" + done + "/" + total + " runs, " + clock(elapsed) + " elapsed";
        if (done < total) {
            line += ", about " + clock(elapsed / trained * (total - done)) + " left";
        }
        return line + "]";
    }

    /** Seconds as m:ss, or h:mm:ss from an hour on. */
    static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String.format("%d:%02d", s / 60, s % 60);
    }
}
