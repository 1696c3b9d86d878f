package ai.perennial.core.run;

import java.io.FileInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The way from the command to the first training step, as a timeline of marks. Code that does a part of the start-up
 * marks its end ({@link #mark}); a phase is the time from the previous mark to its own, so the phases add up to the time
 * to the first step. Each mark counts once per process (its first time), and only marks before the first step count.
 * Work done on another thread while the phases run is recorded apart ({@link #concurrent}): it is not on the way unless
 * a later phase waits for it.
 *
 * <p>The process's own timeline is {@link #process()}; a run reads it at its first step ({@link #firstStep}).
 */
public final class Startup {
    /** Phase names used by the library and the command line, in the order they usually happen. */
    public static final String LAUNCHER = "launcher";
    public static final String JVM = "jvm";
    public static final String CLI = "cli";
    public static final String CONFIG = "config";
    public static final String ENGINE = "engine";
    public static final String DATA = "data";
    public static final String MODEL = "model";
    public static final String BASELINE_EVAL = "baseline_eval";
    public static final String FIRST_STEP = "first_step";

    private static final Startup PROCESS = new Startup();

    private final Map<String, Mark> marks = new LinkedHashMap<>();
    private final Map<String, Double> concurrent = new LinkedHashMap<>();
    private boolean stepped;

    /** A moment on the timeline: when ({@link System#nanoTime}), on which thread, and that thread's CPU time then (-1: unknown). */
    record Mark(long at, long thread, long cpu) {
        static Mark now() {
            return new Mark(System.nanoTime(), Thread.currentThread().getId(), threadCpuNanos());
        }
    }

    /** A timeline of its own (tests); the process's is {@link #process()}. */
    Startup() {
    }

    /** The timeline of this process. */
    public static Startup process() {
        return PROCESS;
    }

    /** Marks the end of {@code phase} now, unless it was marked before in this process. */
    public void mark(String phase) {
        synchronized (this) {
            if (marks.containsKey(phase)) {
                return;
            }
        }
        Mark m = Mark.now();
        synchronized (this) {
            marks.putIfAbsent(phase, m);
        }
    }

    /** Records {@code work} done on another thread, {@code seconds} long (the first time only). */
    public synchronized void concurrent(String work, double seconds) {
        concurrent.putIfAbsent(work, seconds);
    }

    /**
     * Marks the process's first training step as done now and returns the timeline up to it; null when a step was
     * marked before in this process (the start-up was then someone else's).
     */
    public Timeline firstStep() {
        Mark now = Mark.now();
        Map<String, Mark> before;
        Map<String, Double> alongside;
        synchronized (this) {
            if (stepped) {
                return null;
            }
            stepped = true;
            before = new LinkedHashMap<>(marks);
            alongside = new LinkedHashMap<>(concurrent);
        }
        Instant at = Instant.now();
        long nanoToEpoch = at.getEpochSecond() * 1_000_000_000L + at.getNano() - now.at();
        Long jvmStart = jvmStartEpochNanos();
        Long processAge = processAgeNanos();
        Long processStart = processAge == null ? null : System.nanoTime() - processAge;
        return Timeline.of(processStart, jvmStart == null ? null : jvmStart - nanoToEpoch, before, now, alongside, at)
                .withCpuSeconds(processCpuSeconds());
    }

    /**
     * Seconds from the start of the process to its first training step, the phases on the way (seconds each, in order;
     * they add up to the total), the CPU time the thread that ended each phase spent in it ({@code threadCpu}: the
     * work, which a busy machine stretches less than the wall time; a thread's first phase counts from the thread's
     * start) and work done alongside on other threads.
     */
    public record Timeline(double toFirstStepSeconds, Map<String, Double> phases, Map<String, Double> threadCpu,
            Map<String, Double> concurrent, Instant firstStepAt, Double cpuSeconds) {
        /**
         * The timeline from raw clock readings ({@link System#nanoTime} values): the process's start (null: unknown,
         * the JVM's start is used), the JVM's start (null: unknown), the marks, the first step and the concurrent work.
         * A launcher phase (process start to JVM start) appears when both starts are known; marks outside the span are
         * left out.
         */
        static Timeline of(Long processStart, Long jvmStart, Map<String, Mark> marks, Mark firstStep, Map<String, Double> concurrent,
                Instant firstStepAt) {
            List<Map.Entry<String, Mark>> points = new ArrayList<>();
            Long origin = processStart != null && jvmStart != null ? Long.valueOf(Math.min(processStart, jvmStart))
                    : processStart != null ? processStart : jvmStart;
            if (processStart != null && jvmStart != null) {
                points.add(Map.entry(LAUNCHER, new Mark(jvmStart, -1, -1)));
            }
            for (Map.Entry<String, Mark> m : marks.entrySet()) {
                if (m.getValue().at() <= firstStep.at() && (origin == null || m.getValue().at() >= origin)) {
                    points.add(m);
                }
            }
            points.sort(Comparator.comparingLong(e -> e.getValue().at()));
            points.add(Map.entry(FIRST_STEP, firstStep));
            if (origin == null) {
                origin = points.get(0).getValue().at(); // nothing known before the first mark: the timeline starts there
                points.remove(0);
            }
            Map<String, Double> phases = new LinkedHashMap<>();
            Map<String, Double> threadCpu = new LinkedHashMap<>();
            Map<Long, Long> cpuBefore = new HashMap<>();
            long previous = origin;
            for (Map.Entry<String, Mark> p : points) {
                Mark m = p.getValue();
                phases.merge(p.getKey(), (m.at() - previous) / 1e9, Double::sum);
                previous = m.at();
                if (m.cpu() >= 0) {
                    threadCpu.merge(p.getKey(), (m.cpu() - cpuBefore.getOrDefault(m.thread(), 0L)) / 1e9, Double::sum);
                    cpuBefore.put(m.thread(), m.cpu());
                }
            }
            return new Timeline((firstStep.at() - origin) / 1e9, phases, threadCpu, Map.copyOf(concurrent), firstStepAt, null);
        }

        /** The same timeline with the CPU time the process had used by its first step (null: unknown). */
        Timeline withCpuSeconds(Double seconds) {
            return new Timeline(toFirstStepSeconds, phases, threadCpu, concurrent, firstStepAt, seconds);
        }

        /** The {@code startup} section of a result: the phases, the concurrent work and the first step's wall-clock time. */
        public Map<String, Object> toJson() {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("first_step_at", firstStepAt.toString());
            out.put("phases_seconds", phases);
            out.put("thread_cpu_seconds", threadCpu);
            out.put("concurrent_seconds", new java.util.TreeMap<>(concurrent));
            // all threads' user + system time: the work done, which a busy machine stretches less than the wall time
            out.put("cpu_seconds", cpuSeconds);
            return out;
        }
    }

    /**
     * CPU time of the calling thread in nanoseconds, from Linux's {@code /proc/thread-self/schedstat}, or -1 elsewhere.
     * Read with java.io alone: at the first mark (in {@code main}) the management API would cost tens of milliseconds
     * of class loading.
     */
    static long threadCpuNanos() {
        try (FileInputStream in = new FileInputStream("/proc/thread-self/schedstat")) {
            byte[] b = new byte[64];
            int n = in.read(b);
            long v = 0;
            int i = 0;
            for (; i < n && b[i] >= '0' && b[i] <= '9'; i++) {
                v = v * 10 + (b[i] - '0');
            }
            return i > 0 ? v : -1;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** User + system CPU time of the whole process so far, from Linux's {@code /proc} (10 ms resolution), or null elsewhere. */
    static Double processCpuSeconds() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / 100.0; // utime, stime: fields 14 and 15
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** The JVM's start in epoch nanoseconds, or null where the management API is missing. */
    private static Long jvmStartEpochNanos() {
        try {
            return java.lang.management.ManagementFactory.getRuntimeMXBean().getStartTime() * 1_000_000L;
        } catch (LinkageError | RuntimeException e) {
            return null;
        }
    }

    /**
     * How long ago this process started, from Linux's {@code /proc} (10 ms resolution), or null elsewhere. The process
     * began as the launcher script, which then became the JVM (exec), so this includes the launcher. (Java's
     * {@code ProcessHandle} start instant is no help: it counts from the boot time rounded to whole seconds.)
     */
    static Long processAgeNanos() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long startTicks = Long.parseLong(fields[19]); // field 22 of the line, counted after the command name
            double uptime = Double.parseDouble(Files.readString(Path.of("/proc/uptime")).split(" ")[0]);
            long age = (long) (uptime * 1e9) - startTicks * 10_000_000L; // USER_HZ is 100 on Linux
            return age >= 0 ? age : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
