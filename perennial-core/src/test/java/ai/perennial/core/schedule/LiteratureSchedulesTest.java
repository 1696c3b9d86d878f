package ai.perennial.core.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import ai.perennial.core.PerennialException;
import org.junit.jupiter.api.Test;

class LiteratureSchedulesTest {
    static final double E = 1e-12;

    @Test
    void stepAndExponential() {
        Schedule s = Schedule.step(1.0, 0.1, 30);
        assertThat(s.at(29)).isEqualTo(1.0);
        assertThat(s.at(30)).isCloseTo(0.1, offset(E));
        assertThat(s.at(95)).isCloseTo(0.001, offset(E));
        assertThat(Schedule.exponential(2.0, 0.5).at(3)).isCloseTo(0.25, offset(E));
    }

    @Test
    void cosineRestartsRestartAtGrowingPeriods() {
        Schedule s = Schedule.cosineRestarts(1.0, 10, 2, 0);
        assertThat(s.at(0)).isCloseTo(1.0, offset(E));
        assertThat(s.at(5)).isCloseTo(0.5, offset(E));
        assertThat(s.at(10)).isCloseTo(1.0, offset(E));       // second cycle, 20 long
        assertThat(s.at(20)).isCloseTo(0.5, offset(E));
        assertThat(s.at(30)).isCloseTo(1.0, offset(E));       // third cycle, 40 long
        assertThat(s.at(69)).isLessThan(0.01);
    }

    @Test
    void wsdWarmsUpHoldsAndDecays() {
        Schedule linear = Schedule.wsd(1.0, 10, 80, 10, 0.1, "linear");
        assertThat(linear.at(0)).isZero();
        assertThat(linear.at(5)).isCloseTo(0.5, offset(E));
        assertThat(linear.at(10)).isCloseTo(1.0, offset(E));
        assertThat(linear.at(89)).isCloseTo(1.0, offset(E));
        assertThat(linear.at(95)).isCloseTo(0.1 + 0.9 * 0.5, offset(E));
        assertThat(linear.at(100)).isCloseTo(0.1, offset(E));
        Schedule sqrt = Schedule.wsd(1.0, 0, 10, 100, 0, "sqrt");
        assertThat(sqrt.at(10 + 25)).isCloseTo(0.5, offset(E)); // 1 − √0.25
        assertThatThrownBy(() -> Schedule.wsd(1, 1, 1, 1, 0, "cubic")).hasMessageContaining("linear, sqrt or cosine");
    }

    @Test
    void infiniteScheduleHasItsFourPhases() {
        Schedule s = Schedule.infinite(1.0, 0.25, 0.0, 10, 20, 100, 50);
        assertThat(s.at(5)).isCloseTo(0.5, offset(E));                       // warmup
        assertThat(s.at(10)).isCloseTo(1.0, offset(E));                      // peak
        assertThat(s.at(20)).isCloseTo(0.25 + 0.75 * 0.5, offset(E));        // halfway through the cosine cooldown
        assertThat(s.at(30)).isCloseTo(0.25, offset(E));                      // constant phase
        assertThat(s.at(99)).isCloseTo(0.25, offset(E));
        assertThat(s.at(125)).isCloseTo(0.125, offset(E));                    // linear anneal
        assertThat(s.at(150)).isCloseTo(0.0, offset(E));
        assertThat(s.at(10_000)).isCloseTo(0.0, offset(E));
        assertThatThrownBy(() -> Schedule.infinite(1, 0.5, 0, 10, 20, 30, 5)).hasMessageContaining("anneal must start after");
    }

    @Test
    void rexMatchesItsProfileAndDominatesLinear() {
        Schedule rex = Schedule.rex(1.0, 100);
        assertThat(rex.at(0)).isCloseTo(1.0, offset(E));
        assertThat(rex.at(100)).isCloseTo(0.0, offset(E));
        assertThat(rex.at(50)).isCloseTo(0.5 / 0.75, offset(E));
        Schedule linear = Schedule.linear(1.0, 0.0, 100);
        for (long t = 0; t <= 100; t++) {
            assertThat(rex.at(t)).isGreaterThanOrEqualTo(linear.at(t) - E);
        }
    }

    @Test
    void triangularFollowsSmithsFormula() {
        Schedule s = Schedule.triangular(0.1, 1.0, 10);
        assertThat(s.at(0)).isCloseTo(0.1, offset(E));
        assertThat(s.at(5)).isCloseTo(0.55, offset(E));
        assertThat(s.at(10)).isCloseTo(1.0, offset(E));
        assertThat(s.at(15)).isCloseTo(0.55, offset(E));
        assertThat(s.at(20)).isCloseTo(0.1, offset(E));
        assertThat(s.at(30)).isCloseTo(1.0, offset(E));
    }

    @Test
    void oneCycleRisesThenFallsWithMomentumOpposite() {
        Schedule lr = Schedule.oneCycle(1.0, 100, 0.3, 25, 1e4);
        Schedule momentum = Schedule.oneCycleMomentum(100, 0.3, 0.95, 0.85);
        assertThat(lr.at(0)).isCloseTo(1.0 / 25, offset(E));
        assertThat(lr.at(30)).isCloseTo(1.0, offset(E));
        assertThat(lr.at(100)).isCloseTo(1.0 / 25 / 1e4, offset(1e-12));
        assertThat(momentum.at(0)).isCloseTo(0.95, offset(E));
        assertThat(momentum.at(30)).isCloseTo(0.85, offset(E));
        assertThat(momentum.at(100)).isCloseTo(0.95, offset(E));
        for (long t = 1; t < 30; t++) {
            assertThat(lr.at(t)).isGreaterThan(lr.at(t - 1));
            assertThat(momentum.at(t)).isLessThan(momentum.at(t - 1));
        }
    }

    @Test
    void rewarmRestartsTheScheduleAtEveryExperience() {
        Schedule perExperience = Schedule.warmup(10, Schedule.cosine(1.0, 90, 0));
        Schedule s = Schedule.rewarmEachExperience(perExperience, new long[] {100, 200});
        for (long t : new long[] {0, 5, 10, 50, 99}) {
            assertThat(s.at(t + 100)).isEqualTo(perExperience.at(t));
            assertThat(s.at(t + 200)).isEqualTo(perExperience.at(t));
        }
    }

    @Test
    void joinsAreContinuousWhereTheFormulasMeet() {
        // phases long enough that every legitimate per-step change is <= 0.03; a jump at a join would be larger
        Schedule[] all = {Schedule.wsd(1.0, 40, 80, 100, 0.1, "cosine"), Schedule.infinite(1.0, 0.25, 0.0, 40, 60, 150, 50),
            Schedule.warmup(50, Schedule.rex(1.0, 100)), Schedule.oneCycle(1.0, 400, 0.3, 25, 1e4)};
        for (Schedule s : all) {
            for (long t = 1; t < 400; t++) {
                assertThat(Math.abs(s.at(t) - s.at(t - 1))).as("step %d", t).isLessThan(0.03);
            }
        }
        // and a deliberate discontinuity is caught by the same check
        Schedule jump = Schedule.join(new Schedule[] {Schedule.constant(1.0), Schedule.constant(0.5)}, new long[] {100});
        assertThat(Math.abs(jump.at(100) - jump.at(99))).isGreaterThan(0.03);
    }

    @Test
    void specsParseWithDefaultsFromTheOptimizer() {
        Schedule cosine = ScheduleSpec.parse("cosine", 0.5, 100);
        assertThat(cosine.at(0)).isCloseTo(0.5, offset(E));
        assertThat(cosine.at(100)).isCloseTo(0.0, offset(E));
        Schedule joined = ScheduleSpec.parse("constant:value=0.1@50+linear:from=0.1,to=0,steps=50", 1, 100);
        assertThat(joined.at(49)).isCloseTo(0.1, offset(E));
        assertThat(joined.at(75)).isCloseTo(0.05, offset(E));
        Schedule warm = ScheduleSpec.parse("rex:warmup=10", 1.0, 110);
        assertThat(warm.at(5)).isCloseTo(0.5, offset(E));
        assertThat(warm.at(10)).isCloseTo(1.0, offset(E));
        assertThat(warm.at(110)).isCloseTo(0.0, offset(E));
        assertThat(ScheduleSpec.parse("wsd:warmup=0,stable=10,decay=10,shape=sqrt", 2.0, 20).at(15)).isCloseTo(2 * (1 - Math.sqrt(0.5)), offset(E));
    }

    @Test
    void badSpecsNameTheProblem() {
        assertThatThrownBy(() -> ScheduleSpec.parse("cosin", 1, 10)).isInstanceOf(PerennialException.class).hasMessageContaining("unknown schedule 'cosin'");
        assertThatThrownBy(() -> ScheduleSpec.parse("cosine:peek=1", 1, 10)).hasMessageContaining("cosine.peek: unknown parameter of schedule cosine; it takes peak, steps, end");
        assertThatThrownBy(() -> ScheduleSpec.parse("cosine:peak=high", 1, 10)).hasMessageContaining("cosine.peak: expected a number, got 'high'");
        assertThatThrownBy(() -> ScheduleSpec.parse("constant+cosine", 1, 10)).hasMessageContaining("needs @LENGTH");
        assertThatThrownBy(() -> ScheduleSpec.parse("cosine@10", 1, 10)).hasMessageContaining("takes no @length");
        assertThatThrownBy(() -> ScheduleSpec.parse("step:every=0", 1, 10)).hasMessageContaining("step.every: must be >= 1, got '0'");
    }
}
