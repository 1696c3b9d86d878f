package ai.perennial.cl.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.types.Shape;
import ai.perennial.core.PerennialException;
import ai.perennial.core.data.DataSources;
import ai.perennial.core.data.FloatDataset;
import java.util.List;
import org.junit.jupiter.api.Test;

class TimeOrderedTest {
    /** Rows whose single feature and target are their own index, so a window's rows can be read back. */
    static FloatDataset rows(String name, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = i;
        }
        return FloatDataset.withTargets(name, x, x.clone(), new Shape(1));
    }

    static DataSources.Split split(double[] trainTimes, double[] testTimes) {
        return new DataSources.Split(rows("train", trainTimes.length), rows("test", testTimes.length), trainTimes, testTimes);
    }

    static float[] targets(ai.perennial.core.data.Dataset d) {
        float[] out = new float[d.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = d.target(i);
        }
        return out;
    }

    @Test
    void windowsTakeTheRowsBetweenConsecutiveStarts() {
        int[][] w = TimeOrdered.windows(new double[] {0, 1, 1, 2, 5, 6}, new double[] {0, 2, 5});
        assertThat(w).isDeepEqualTo(new int[][] {{0, 1, 2}, {3}, {4, 5}});
    }

    @Test
    void byCountCutsEqualShares_andTestRowsFollowTheTrainingWindows() {
        Scenario s = TimeOrdered.byCount(split(new double[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, new double[] {-1, 3.5, 5.9, 9.5}), 3);
        List<Experience> e = s.experiences();
        assertThat(e).hasSize(3);
        assertThat(targets(e.get(0).train())).containsExactly(0, 1, 2);
        assertThat(targets(e.get(1).train())).containsExactly(3, 4, 5);
        assertThat(targets(e.get(2).train())).containsExactly(6, 7, 8, 9);
        assertThat(targets(e.get(0).test())).containsExactly(0); // time -1: before the first window, goes to it
        assertThat(targets(e.get(1).test())).containsExactly(1, 2);
        assertThat(targets(e.get(2).test())).containsExactly(3);
        assertThat(s.outputs()).isEqualTo(1);
        assertThat(s.setting()).isEqualTo(Scenario.DOMAIN_INCREMENTAL);
        assertThat((double[]) s.settings().get("window_starts")).containsExactly(0, 3, 6);
    }

    @Test
    void byPeriodSkipsEmptyWindows_andEqualTimesStayTogether() {
        Scenario s = TimeOrdered.byPeriod(split(new double[] {10, 11, 13.9, 14, 30, 31}, new double[] {12, 29}), 4);
        List<Experience> e = s.experiences();
        // windows [10,14), [14,18), [30,34): 18..30 has no training rows
        assertThat(e).hasSize(3);
        assertThat(targets(e.get(0).train())).containsExactly(0, 1, 2);
        assertThat(targets(e.get(1).train())).containsExactly(3);
        assertThat(targets(e.get(2).train())).containsExactly(4, 5);
        assertThat(targets(e.get(0).test())).containsExactly(0);
        assertThat(targets(e.get(1).test())).containsExactly(1); // time 29 falls in [14, 30): the window before the gap
        assertThat(e.get(2).test().size()).isZero();

        Scenario ties = TimeOrdered.byCount(split(new double[] {5, 5, 5, 5}, new double[] {5}), 3);
        assertThat(ties.experiences()).hasSize(1);
    }

    @Test
    void dataWithoutTimeStampsIsRejectedWithTheFix() {
        DataSources.Split plain = new DataSources.Split(rows("train", 4), rows("test", 2));
        assertThatThrownBy(() -> TimeOrdered.byCount(plain, 2)).isInstanceOf(PerennialException.class)
                .hasMessageContaining("needs time stamps").hasMessageContaining("time column");
        assertThatThrownBy(() -> TimeOrdered.byCount(split(new double[] {0, 1}, new double[] {0}), 3))
                .hasMessageContaining("scenario.experiences: 3 windows for 2 training rows");
    }
}
