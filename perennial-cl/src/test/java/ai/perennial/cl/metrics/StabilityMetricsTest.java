package ai.perennial.cl.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import ai.perennial.cl.metrics.StabilityMetrics.EvalPoint;
import java.util.List;
import org.junit.jupiter.api.Test;

class StabilityMetricsTest {
    // Two experiences of 100 steps each, evaluated every 25 steps. Experience 0 reaches 0.9 at its end
    // (step 100), dips to 0.3 right after the switch (step 125), recovers to 0.6 by step 200.
    static final List<EvalPoint> CURVE = List.of(
            new EvalPoint(0, -1, new double[] {0.10, 0.10}),
            new EvalPoint(50, 0, new double[] {0.70, 0.10}),
            new EvalPoint(100, 0, new double[] {0.90, 0.10}),
            new EvalPoint(125, 1, new double[] {0.30, 0.60}),
            new EvalPoint(150, 1, new double[] {0.40, 0.80}),
            new EvalPoint(200, 1, new double[] {0.60, 0.95}));
    static final long[] END = {100, 200};

    @Test
    void minAccuracyIsTheWorstPointAfterTheExperienceEnded() {
        assertThat(StabilityMetrics.minAccuracy(CURVE, END)).isCloseTo(0.30, offset(1e-12));
    }

    @Test
    void worstCaseAccuracyWeighsTheLastExperienceByOneOverT() {
        // (1/2) * 0.95 + (1/2) * 0.30
        assertThat(StabilityMetrics.worstCaseAccuracy(CURVE, END)).isCloseTo(0.625, offset(1e-12));
    }

    @Test
    void windowedForgettingIsTheLargestDropWithinTheWindow() {
        // window 25: 0.90 (100) -> 0.30 (125) = 0.60 ; window 10 sees no pair of points
        assertThat(StabilityMetrics.windowedForgetting(CURVE, END, 25)).isCloseTo(0.60, offset(1e-12));
        assertThat(StabilityMetrics.windowedForgetting(CURVE, END, 10)).isZero();
        // points before the experience ended do not count: 0.70 at step 50 is not a drop source
        assertThat(StabilityMetrics.windowedForgetting(CURVE, END, 1000)).isCloseTo(0.60, offset(1e-12));
    }

    @Test
    void singleExperienceHasNoPreviousTasks() {
        long[] end = {200};
        assertThat(StabilityMetrics.minAccuracy(CURVE, end)).isNaN();
        assertThat(StabilityMetrics.windowedForgetting(CURVE, end, 100)).isNaN();
        // joint training: every experience ends at the last step, nothing follows
        long[] joint = {200, 200};
        assertThat(StabilityMetrics.minAccuracy(CURVE, joint)).isNaN();
        assertThat(StabilityMetrics.windowedForgetting(CURVE, joint, 100)).isNaN();
        assertThat(StabilityMetrics.worstCaseAccuracy(CURVE, end)).isCloseTo(0.60, offset(1e-12));
    }
}
