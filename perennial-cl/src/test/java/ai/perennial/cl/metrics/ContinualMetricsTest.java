package ai.perennial.cl.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import org.junit.jupiter.api.Test;

/** Each metric on small matrices whose values are worked out by hand in the comments. */
class ContinualMetricsTest {
    // R[i][j]: accuracy on experience j after training experience i
    static final double[][] R = {
        {0.90, 0.10, 0.20},
        {0.60, 0.80, 0.30},
        {0.50, 0.70, 0.95},
    };
    static final double[] B = {0.10, 0.12, 0.08};

    @Test
    void averageAccuracyIsTheLastRowMean() {
        assertThat(ContinualMetrics.averageAccuracy(R)).isCloseTo((0.50 + 0.70 + 0.95) / 3, offset(1e-12));
    }

    @Test
    void backwardTransfer() {
        // ((0.50 - 0.90) + (0.70 - 0.80)) / 2 = -0.25
        assertThat(ContinualMetrics.backwardTransfer(R)).isCloseTo(-0.25, offset(1e-12));
    }

    @Test
    void forwardTransferAgainstRandomInit() {
        // ((R[0][1] - b1) + (R[1][2] - b2)) / 2 = ((0.10 - 0.12) + (0.30 - 0.08)) / 2 = 0.10
        assertThat(ContinualMetrics.forwardTransfer(R, B)).isCloseTo(0.10, offset(1e-12));
    }

    @Test
    void forgettingUsesTheBestEarlierAccuracy() {
        // f0 = max(0.90, 0.60) - 0.50 = 0.40 ; f1 = 0.80 - 0.70 = 0.10
        assertThat(ContinualMetrics.forgettingPerExperience(R)).containsExactly(new double[] {0.40, 0.10}, offset(1e-12));
        assertThat(ContinualMetrics.averageForgetting(R)).isCloseTo(0.25, offset(1e-12));
        // an accuracy that peaks after the experience's own round counts as its best
        double[][] late = {{0.5, 0.0}, {0.4, 0.9}};
        assertThat(ContinualMetrics.forgettingPerExperience(late)).containsExactly(new double[] {0.1}, offset(1e-12));
    }

    @Test
    void learningAccuracyIsTheDiagonalMean() {
        assertThat(ContinualMetrics.learningAccuracy(R)).isCloseTo((0.90 + 0.80 + 0.95) / 3, offset(1e-12));
    }

    @Test
    void noForgettingMatrixAndUndefinedCases() {
        double[][] perfect = {{1, 0}, {1, 1}};
        assertThat(ContinualMetrics.backwardTransfer(perfect)).isZero();
        assertThat(ContinualMetrics.averageForgetting(perfect)).isZero();
        double[][] single = {{0.8, 0.9, 0.7}}; // joint training: one row
        assertThat(ContinualMetrics.averageAccuracy(single)).isCloseTo(0.8, offset(1e-12));
        assertThat(ContinualMetrics.backwardTransfer(single)).isNaN();
        assertThat(ContinualMetrics.forwardTransfer(single, B)).isNaN();
        assertThat(ContinualMetrics.averageForgetting(single)).isNaN();
        double[][] unmeasured = {{0.9, Double.NaN}, {Double.NaN, 0.8}};
        assertThat(ContinualMetrics.backwardTransfer(unmeasured)).isNaN();
        assertThat(ContinualMetrics.learningAccuracy(unmeasured)).isCloseTo(0.85, offset(1e-12));
    }
}
