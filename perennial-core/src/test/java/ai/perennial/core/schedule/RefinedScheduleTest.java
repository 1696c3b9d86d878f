package ai.perennial.core.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RefinedScheduleTest {
    @TempDir
    Path dir;

    @Test
    void constantGradientNormsRefineToLinearDecay() {
        int blocks = 5;
        double[] norms = {2, 2, 2, 2, 2};
        Schedule s = Schedule.refined(norms, 0.1, 1000, 0);
        for (int b = 0; b < blocks; b++) {
            long center = Math.round((b + 0.5) * 1000 / blocks);
            assertThat(s.at(center)).as("block %d", b).isCloseTo(0.1 * (blocks - 1 - b) / (blocks - 1), within(1e-12));
        }
        assertThat(s.at(0)).isCloseTo(0.1, within(1e-12));
        assertThat(s.at(1000)).isZero();
    }

    @Test
    void growingLateNormsAnnealFasterAtTheEnd() {
        // w_b = Σ_{c>b} n_c / n_b = [6, 5, 4, 0] → scaled by peak/6
        Schedule s = Schedule.refined(new double[] {1, 1, 1, 4}, 0.6, 400, 0);
        assertThat(s.at(50)).isCloseTo(0.6, within(1e-12));
        assertThat(s.at(150)).isCloseTo(0.5, within(1e-12));
        assertThat(s.at(250)).isCloseTo(0.4, within(1e-12));
        assertThat(s.at(200)).isCloseTo(0.45, within(1e-12)); // halfway between the centers of blocks 1 and 2
        assertThat(s.at(350)).isZero();
    }

    @Test
    void medianFilterRemovesAnOutlierBlock() {
        // window of 3 blocks: the tiny first block (an initialization transient) takes its neighbours' median
        double[] norms = {0.01, 1, 1, 1, 1, 1, 1, 1, 1, 1};
        Schedule smoothed = Schedule.refined(norms, 1, 100, 0.3);
        Schedule linear = Schedule.refined(new double[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, 1, 100, 0);
        for (long t = 0; t <= 100; t += 5) {
            assertThat(smoothed.at(t)).isCloseTo(linear.at(t), within(1e-12));
        }
        assertThat(Schedule.refined(norms, 1, 100, 0).at(15)).isLessThan(0.01); // raw: block 0 dominates the scale
    }

    @Test
    void specReadsALogAndExplainsBadOnes() throws IOException {
        Path log = dir.resolve("norms.csv");
        Files.writeString(log, GradientNormRecord.HEADER + "\n" + GradientNormRecord.row(1, 10, 3) + GradientNormRecord.row(11, 20, 3));
        Schedule s = ScheduleSpec.parse("refined:file=" + log + ",peak=0.2,smooth=0", 1e-3, 100);
        assertThat(s.at(25)).isCloseTo(0.2, within(1e-12));
        assertThat(s.at(75)).isZero();
        assertThatThrownBy(() -> ScheduleSpec.parse("refined", 1e-3, 100)).hasMessageContaining("refined.file: required by schedule refined")
                .hasMessageContaining("--log-grad-norms");
        assertThatThrownBy(() -> ScheduleSpec.parse("refined:file=" + dir.resolve("none.csv"), 1e-3, 100))
                .hasMessageContaining("does not exist").hasMessageContaining("--log-grad-norms");
        Files.writeString(log, GradientNormRecord.HEADER + "\n1,10,-1\n11,20,3\n");
        assertThatThrownBy(() -> ScheduleSpec.parse("refined:file=" + log, 1e-3, 100)).hasMessageContaining("line 2");
    }
}
