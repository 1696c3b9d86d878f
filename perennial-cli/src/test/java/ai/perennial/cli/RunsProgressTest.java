package ai.perennial.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RunsProgressTest {

    @Test
    void estimatesTheTimeLeftFromTheRunsTrainedNow() {
        RunsProgress p = new RunsProgress(6, 0);
        p.kept(); // kept runs count as done, not as speed
        assertThat(p.trained(30_000_000_000L)).isEqualTo("[2/6 runs, 0:30 elapsed, about 2:00 left]");
        assertThat(p.trained(90_000_000_000L)).isEqualTo("[3/6 runs, 1:30 elapsed, about 2:15 left]");
        p.trained(100_000_000_000L);
        p.trained(110_000_000_000L);
        assertThat(p.trained(4_000_000_000_000L)).isEqualTo("[6/6 runs, 1:06:40 elapsed]");
    }

    @Test
    void clockReadsMinutesAndHours() {
        assertThat(RunsProgress.clock(59.6)).isEqualTo("1:00");
        assertThat(RunsProgress.clock(3599)).isEqualTo("59:59");
        assertThat(RunsProgress.clock(3600)).isEqualTo("1:00:00");
    }
}
