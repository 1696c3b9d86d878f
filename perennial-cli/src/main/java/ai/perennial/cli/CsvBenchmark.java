package ai.perennial.cli;

import ai.perennial.core.PerennialException;
import ai.perennial.core.data.CsvSource;
import ai.perennial.core.data.DataSources;
import ai.perennial.core.data.TableBuilder;
import java.io.BufferedWriter;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code perennial bench csv}: how fast the CSV data source reads a large table, and the memory it takes. Writes a file
 * of random numbers (a label column of 10 classes and {@code --columns} numeric features) to a temporary folder, then
 * reads it as a run would (parse, 20% held out, standardized) and reports rows per second, megabytes per second, the
 * peak Java heap in use and the process's peak resident memory.
 */
@Command(name = CsvSource.NAME, mixinStandardHelpOptions = true, sortOptions = false,
        description = {"CSV reading throughput and memory (rows/s, MB/s, peak heap, peak resident memory).",
            "Generates a table of random numbers in a temporary folder and reads it with the csv data source (20%% held out, standardized)."})
final class CsvBenchmark implements Callable<Integer> {
    @Option(names = "--rows", defaultValue = "1000000", description = "Data rows. Default: ${DEFAULT-VALUE}")
    int rows;

    @Option(names = "--columns", defaultValue = "50", description = "Numeric feature columns (plus one label column). Default: ${DEFAULT-VALUE}")
    int columns;

    @Option(names = "--keep", description = "Keep the generated file (its path is printed)")
    boolean keep;

    @Override
    public Integer call() throws IOException {
        if (rows < 2 || columns < 1) {
            throw new PerennialException("--rows must be at least 2 and --columns at least 1");
        }
        Path dir = Files.createTempDirectory("perennial-bench-csv");
        Path file = dir.resolve("table.csv");
        try {
            long t0 = System.nanoTime();
            write(file, rows, columns);
            double writeSeconds = (System.nanoTime() - t0) / 1e9;
            long bytes = Files.size(file);
            System.out.printf(Locale.ROOT, "wrote %s: %,d rows x %d numeric columns + label, %.1f MB in %.1f s%n", file, rows, columns,
                    bytes / 1e6, writeSeconds);
            System.gc();
            for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                pool.resetPeakUsage();
            }
            long baseline = heapInUse();
            long start = System.nanoTime();
            DataSources.Split split = CsvSource.read(file, null, ',', TableBuilder.Options.classes("label"), 1).split();
            double seconds = (System.nanoTime() - start) / 1e9;
            long peakHeap = peakHeap();
            System.out.printf(Locale.ROOT, "read %,d + %,d rows (%d features) in %.2f s: %,.0f rows/s, %.0f MB/s%n", split.train().size(),
                    split.test().size(), split.train().featureCount(), seconds, rows / seconds, bytes / 1e6 / seconds);
            System.out.printf(Locale.ROOT, "memory: peak Java heap %.0f MiB (%.0f MiB before reading; the data sets hold %.0f MiB of floats), "
                    + "peak resident %s, %d cores%n", peakHeap / 1048576.0, baseline / 1048576.0,
                    4.0 * rows * columns / 1048576.0, peakResident(), Runtime.getRuntime().availableProcessors());
            return 0;
        } finally {
            if (keep) {
                System.out.println("kept " + file);
            } else {
                Files.deleteIfExists(file);
                Files.deleteIfExists(dir);
            }
        }
    }

    /** Rows of a label (0..9) and {@code columns} numbers with four decimals, from a fixed seed. */
    static void write(Path file, int rows, int columns) throws IOException {
        SplittableRandom rng = new SplittableRandom(1);
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            StringBuilder line = new StringBuilder("label");
            for (int c = 0; c < columns; c++) {
                line.append(",x").append(c);
            }
            out.write(line.append('\n').toString());
            for (int r = 0; r < rows; r++) {
                line.setLength(0);
                line.append(rng.nextInt(10));
                for (int c = 0; c < columns; c++) {
                    int v = rng.nextInt(-200_000, 200_000); // -20.0000 .. 19.9999
                    line.append(',');
                    if (v < 0) {
                        line.append('-');
                        v = -v;
                    }
                    line.append(v / 10_000).append('.');
                    String decimals = Integer.toString(v % 10_000);
                    line.append("0000", 0, 4 - decimals.length()).append(decimals);
                }
                out.write(line.append('\n').toString());
            }
        }
    }

    private static long heapInUse() {
        long sum = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                sum += pool.getUsage().getUsed();
            }
        }
        return sum;
    }

    /** The sum of the heap pools' peaks since they were reset (an upper bound: the pools need not peak together). */
    private static long peakHeap() {
        long sum = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                sum += pool.getPeakUsage().getUsed();
            }
        }
        return sum;
    }

    /** VmHWM from /proc/self/status (Linux), or "unknown". */
    private static String peakResident() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    long kib = Long.parseLong(line.replaceAll("[^0-9]", ""));
                    return String.format(Locale.ROOT, "%.0f MiB", kib / 1024.0);
                }
            }
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
        return "unknown";
    }
}
