package ai.perennial.cl.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The plasticity diagnostics and metrics on hand-built inputs with known answers. */
class PlasticityDiagnosticsTest {

    /** 4 samples × 5 units: unit 0 dead, unit 1 active on one sample, unit 4 barely active, the others busy. */
    static final float[][] ACTIVITY = {
        {0, 0, 1, 2, 0.01f},
        {0, 0, 1, 2, 0.01f},
        {0, 0, 1, 2, 0.01f},
        {0, 4, 1, 2, 0.01f},
    };

    @Test
    void deadDormantAndSaturatedUnitsAreCountedPerDefinition() {
        assertThat(PlasticityDiagnostics.deadFraction(ACTIVITY)).isEqualTo(1 / 5.0);
        // unit 1 is zero on 3 of 4 samples (75% < 99%): not saturated; only the dead unit is
        assertThat(PlasticityDiagnostics.saturatedFraction(ACTIVITY)).isEqualTo(1 / 5.0);
        // mean activities 0, 1, 1, 2, 0.01; layer mean 0.802: scores 0, 1.25, 1.25, 2.49, 0.0125
        assertThat(PlasticityDiagnostics.dormantFraction(ACTIVITY, 0.1)).isEqualTo(2 / 5.0);
        assertThat(PlasticityDiagnostics.dormantFraction(ACTIVITY, 0.01)).isEqualTo(1 / 5.0);
        assertThat(PlasticityDiagnostics.dormantFraction(ACTIVITY, 1.3)).isEqualTo(4 / 5.0);
        float[][] silent = new float[3][4];
        assertThat(PlasticityDiagnostics.dormantFraction(silent, 0.1)).isEqualTo(1.0);
        float[][] mostlyZero = new float[200][1];
        mostlyZero[0][0] = 1; // zero on 199 of 200 samples = 99.5%
        assertThat(PlasticityDiagnostics.saturatedFraction(mostlyZero)).isEqualTo(1.0);
        assertThat(PlasticityDiagnostics.deadFraction(mostlyZero)).isZero();
    }

    @Test
    void ranksOfMatricesWithKnownSingularValues() {
        // diag(3, 1, 0) padded to 4×3: singular values 3, 1, 0
        float[][] a = {{3, 0, 0}, {0, 1, 0}, {0, 0, 0}, {0, 0, 0}};
        double[] sv = PlasticityDiagnostics.singularValues(a);
        assertThat(sv).containsExactly(new double[] {3, 1, 0}, offset(1e-12));
        double expected = Math.exp(-(0.75 * Math.log(0.75) + 0.25 * Math.log(0.25)));
        assertThat(PlasticityDiagnostics.effectiveRank(sv)).isCloseTo(expected, offset(1e-12));
        assertThat(PlasticityDiagnostics.srank(sv, 0.01)).isEqualTo(2);
        assertThat(PlasticityDiagnostics.srank(sv, 0.3)).isEqualTo(1);
        // a rank-one matrix u vᵀ
        float[][] outer = new float[6][5];
        for (int i = 0; i < 6; i++) {
            for (int j = 0; j < 5; j++) {
                outer[i][j] = (i + 1) * (j - 2.5f);
            }
        }
        double[] one = PlasticityDiagnostics.singularValues(outer);
        assertThat(PlasticityDiagnostics.effectiveRank(one)).isCloseTo(1, offset(1e-6));
        assertThat(PlasticityDiagnostics.srank(one, 0.01)).isEqualTo(1);
        // the identity: every direction equal
        float[][] identity = new float[4][4];
        for (int i = 0; i < 4; i++) {
            identity[i][i] = 2;
        }
        assertThat(PlasticityDiagnostics.effectiveRank(PlasticityDiagnostics.singularValues(identity))).isCloseTo(4, offset(1e-9));
        assertThat(PlasticityDiagnostics.effectiveRank(new double[] {0, 0})).isZero();
        assertThat(PlasticityDiagnostics.srank(new double[] {0, 0}, 0.01)).isZero();
    }

    @Test
    void singularValuesFromTheGramMatrixAgreeWithTheSvd() {
        SplittableRandom rng = new SplittableRandom(4);
        int rows = 7;
        int cols = 12;
        float[] m = new float[rows * cols];
        for (int i = 0; i < m.length; i++) {
            m[i] = (float) rng.nextGaussian();
        }
        float[] gram = new float[rows * rows];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < rows; j++) {
                double s = 0;
                for (int k = 0; k < cols; k++) {
                    s += m[i * cols + k] * m[j * cols + k];
                }
                gram[i * rows + j] = (float) s;
            }
        }
        assertThat(PlasticityDiagnostics.singularValuesFromGram(gram, rows))
                .containsExactly(PlasticityDiagnostics.singularValues(m, rows, cols), offset(1e-4));
    }

    @Test
    void firstLastDropSlopeAndBootstrapInterval() {
        double[] line = new double[30];
        for (int t = 0; t < line.length; t++) {
            line[t] = 0.9 - 0.01 * t;
        }
        assertThat(PlasticityMetrics.slope(line)).isCloseTo(-0.01, offset(1e-12));
        // first ten average 0.855, last ten 0.655
        assertThat(PlasticityMetrics.firstLastDrop(line, 10)).isCloseTo(0.2, offset(1e-12));
        assertThat(PlasticityMetrics.firstLastDrop(new double[] {1, 0, 0.5, 0.2}, 10)).isCloseTo(0.5 - 0.35, offset(1e-12));
        assertThat(PlasticityMetrics.firstLastDrop(new double[] {1}, 10)).isNaN();

        PlasticityMetrics.Interval constant = PlasticityMetrics.bootstrapMean(new double[] {0.2, 0.2, 0.2}, 0.95, 2000, 1);
        assertThat(constant.low()).isCloseTo(0.2, offset(1e-12));
        assertThat(constant.high()).isCloseTo(0.2, offset(1e-12));
        assertThat(constant.excludesZero()).isTrue();
        PlasticityMetrics.Interval spread = PlasticityMetrics.bootstrapMean(new double[] {-0.1, 0.05, 0.2}, 0.95, 2000, 1);
        assertThat(spread.estimate()).isCloseTo(0.05, offset(1e-12));
        // with three values, each resample is all-minimum (or all-maximum) with probability 1/27 > 2.5%
        assertThat(spread.low()).isCloseTo(-0.1, offset(1e-12));
        assertThat(spread.high()).isCloseTo(0.2, offset(1e-12));
        assertThat(spread.excludesZero()).isFalse();
    }
}
