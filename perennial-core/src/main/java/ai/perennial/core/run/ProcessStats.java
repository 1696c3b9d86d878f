package ai.perennial.core.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resource figures of the running process, for compute accounting. */
public final class ProcessStats {
    private ProcessStats() {
    }

    /** Peak resident set size in bytes (Linux {@code VmHWM}), or -1 where the kernel does not report it. */
    public static long peakRssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
