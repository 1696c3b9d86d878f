package ai.perennial.core.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import org.junit.jupiter.api.Test;

class ScheduleTest {
    @Test
    void constantAndLinear() {
        assertThat(Schedule.constant(0.3).at(12345)).isEqualTo(0.3);
        Schedule l = Schedule.linear(1, 0, 4);
        assertThat(l.at(0)).isEqualTo(1.0);
        assertThat(l.at(1)).isEqualTo(0.75);
        assertThat(l.at(4)).isEqualTo(0.0);
        assertThat(l.at(100)).isEqualTo(0.0);
    }

    @Test
    void jaggedReWarmsFromZeroAfterEveryRestart() {
        Schedule base = Schedule.linear(1.0, 0.0, 100);
        Schedule j = Schedule.jagged(base, 10, 4);
        for (int t = 0; t < 10; t++) {
            assertThat(j.at(t)).as("before the first restart, step %d", t).isEqualTo(base.at(t));
        }
        assertThat(j.at(10)).isEqualTo(0.0);
        assertThat(j.at(11)).isCloseTo(0.89 * 0.25, offset(1e-12));
        assertThat(j.at(13)).isCloseTo(0.87 * 0.75, offset(1e-12));
        assertThat(j.at(14)).isEqualTo(base.at(14));
        assertThat(j.at(19)).isEqualTo(base.at(19));
        assertThat(j.at(20)).isEqualTo(0.0);
        assertThat(j.at(22)).isCloseTo(0.78 * 0.5, offset(1e-12));
        assertThat(Schedule.jagged(base, 10, 0).at(10)).isEqualTo(base.at(10));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Schedule.jagged(base, 10, 11))
                .hasMessageContaining("re-warm after a restart takes 0 to 10 steps");
    }

    @Test
    void cosineKeyPoints() {
        Schedule c = Schedule.cosine(1.0, 100, 0.1);
        assertThat(c.at(0)).isCloseTo(1.0, offset(1e-12));
        assertThat(c.at(50)).isCloseTo(0.55, offset(1e-12));         // midpoint: (peak + end) / 2
        assertThat(c.at(25)).isCloseTo(0.1 + 0.9 * (1 + Math.sqrt(0.5)) / 2, offset(1e-12));
        assertThat(c.at(100)).isCloseTo(0.1, offset(1e-12));
        assertThat(c.at(1000)).isCloseTo(0.1, offset(1e-12));
    }

    @Test
    void warmupIsLinearAndJoinsContinuously() {
        Schedule w = Schedule.warmup(10, Schedule.cosine(2.0, 90, 0));
        assertThat(w.at(0)).isEqualTo(0.0);
        assertThat(w.at(5)).isCloseTo(1.0, offset(1e-12));
        assertThat(w.at(9)).isCloseTo(1.8, offset(1e-12));
        assertThat(w.at(10)).isCloseTo(2.0, offset(1e-12));
        assertThat(w.at(55)).isCloseTo(1.0, offset(1e-12));
        assertThat(w.at(100)).isCloseTo(0.0, offset(1e-12));
        // continuity at the boundary: the last warmup increments approach the peak
        assertThat(w.at(10) - w.at(9)).isCloseTo(w.at(9) - w.at(8), offset(1e-9));
        assertThat(Schedule.warmup(0, Schedule.constant(3)).at(0)).isEqualTo(3.0);
    }

    @Test
    void joinRestartsEachPiece() {
        Schedule j = Schedule.join(new Schedule[] {Schedule.constant(1), Schedule.linear(5, 0, 5), Schedule.constant(7)},
                new long[] {3, 8});
        assertThat(j.at(2)).isEqualTo(1.0);
        assertThat(j.at(3)).isEqualTo(5.0);
        assertThat(j.at(4)).isEqualTo(4.0);
        assertThat(j.at(8)).isEqualTo(7.0);
        assertThatThrownBy(() -> Schedule.join(new Schedule[] {Schedule.constant(1)}, new long[] {3}))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Schedule.join(new Schedule[] {Schedule.constant(1), Schedule.constant(2), Schedule.constant(3)},
                new long[] {5, 5})).hasMessageContaining("strictly increasing");
    }
}
