package ai.perennial.core.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StartupTest {
    private static final long MS = 1_000_000L;
    private static final Instant AT = Instant.parse("2025-01-01T00:00:00Z");

    private static Map<String, Startup.Mark> marks(Object... nameAndMillis) {
        Map<String, Startup.Mark> out = new LinkedHashMap<>();
        for (int i = 0; i < nameAndMillis.length; i += 2) {
            out.put((String) nameAndMillis[i], at(((Number) nameAndMillis[i + 1]).longValue()));
        }
        return out;
    }

    /** A mark at {@code millis} on thread 1, its CPU time unknown. */
    private static Startup.Mark at(long millis) {
        return new Startup.Mark(millis * MS, 1, -1);
    }

    @Test
    void phasesRunFromMarkToMarkInTimeOrderAndAddUpToTheTotal() {
        // recorded out of order (a mark from another thread can come late), and one after the first step
        Startup.Timeline t = Startup.Timeline.of(1000 * MS, 1100 * MS, marks("jvm", 1200, "engine", 1900, "cli", 1500, "late", 3000),
                at(2500), Map.of("data_load", 0.4), AT);
        assertThat(t.phases().keySet()).containsExactly("launcher", "jvm", "cli", "engine", "first_step");
        assertThat(t.phases().values()).containsExactly(0.1, 0.1, 0.3, 0.4, 0.6);
        assertThat(t.toFirstStepSeconds()).isEqualTo(1.5);
        assertThat(t.phases().values().stream().mapToDouble(Double::doubleValue).sum()).isCloseTo(t.toFirstStepSeconds(), within(1e-9));
        assertThat(t.concurrent()).containsEntry("data_load", 0.4);
        Map<String, Object> json = t.toJson();
        assertThat(json).containsKeys("first_step_at", "phases_seconds", "thread_cpu_seconds", "concurrent_seconds", "cpu_seconds");
        assertThat(t.threadCpu()).as("no CPU times known").isEmpty();
        assertThat(json.get("first_step_at")).isEqualTo("2025-01-01T00:00:00Z");
    }

    /** Each phase's CPU time is its marking thread's since that thread's previous mark (or its start). */
    @Test
    void eachPhaseGetsTheCpuTimeOfTheThreadThatEndedIt() {
        Map<String, Startup.Mark> marks = new LinkedHashMap<>();
        marks.put("jvm", new Startup.Mark(1200 * MS, 1, 50 * MS));
        marks.put("cli", new Startup.Mark(1500 * MS, 1, 150 * MS));
        marks.put("data", new Startup.Mark(1700 * MS, 2, 70 * MS)); // another thread's first mark
        marks.put("engine", new Startup.Mark(1900 * MS, 1, 300 * MS));
        Startup.Timeline t = Startup.Timeline.of(1000 * MS, 1100 * MS, marks, new Startup.Mark(2500 * MS, 1, 500 * MS), Map.of(), AT);
        assertThat(t.threadCpu().keySet()).containsExactly("jvm", "cli", "data", "engine", "first_step");
        assertThat(t.threadCpu().values()).containsExactly(0.05, 0.1, 0.07, 0.15, 0.2);
    }

    @Test
    void withoutTheProcessStartTheTimelineBeginsAtTheJvmStart() {
        Startup.Timeline t = Startup.Timeline.of(null, 1000 * MS, marks("jvm", 1200), at(1700), Map.of(), AT);
        assertThat(t.phases().keySet()).containsExactly("jvm", "first_step");
        assertThat(t.toFirstStepSeconds()).isEqualTo(0.7);
    }

    @Test
    void withNeitherStartTheTimelineBeginsAtTheFirstMark() {
        Startup.Timeline t = Startup.Timeline.of(null, null, marks("engine", 1000, "data", 1300), at(1500), Map.of(), AT);
        assertThat(t.phases().keySet()).containsExactly("data", "first_step");
        assertThat(t.toFirstStepSeconds()).isCloseTo(0.5, within(1e-9));
    }

    /** /proc's start time is rounded to 10 ms: a JVM start slightly before it still gives a timeline from the earlier one. */
    @Test
    void aJvmStartBeforeTheRoundedProcessStartGivesAnEmptyLauncherPhase() {
        Startup.Timeline t = Startup.Timeline.of(1005 * MS, 1000 * MS, marks("jvm", 1200), at(1300), Map.of(), AT);
        assertThat(t.phases()).containsEntry("launcher", 0.0);
        assertThat(t.toFirstStepSeconds()).isCloseTo(0.3, within(1e-9));
    }

    @Test
    void marksCountOnceAndOnlyTheFirstStepOfTheProcessGetsTheTimeline() {
        Startup s = new Startup();
        s.mark("engine");
        Startup.Timeline first = s.firstStep();
        s.mark("engine");
        assertThat(first).isNotNull();
        assertThat(first.phases()).containsKeys("engine", "first_step");
        assertThat(first.toFirstStepSeconds()).isPositive();
        if (first.cpuSeconds() != null) { // Linux
            assertThat(first.cpuSeconds()).isPositive();
            assertThat(first.threadCpu()).containsKeys("engine", "first_step");
            assertThat(first.threadCpu().values()).allMatch(v -> v >= 0);
        }
        assertThat(s.firstStep()).isNull();
    }

    @Test
    void theProcessIsAtLeastAsOldAsItsJvm() {
        Long age = Startup.processAgeNanos();
        if (age == null) { // not Linux: nothing to compare
            return;
        }
        long jvmUptime = ManagementFactory.getRuntimeMXBean().getUptime() * MS;
        // both clocks tick in 10 ms (process start) and 1 ms (JVM start); the JVM starts after its process
        assertThat(age).isGreaterThanOrEqualTo(jvmUptime - 50 * MS);
        assertThat(age).isLessThan(jvmUptime + 10_000 * MS);
    }
}
