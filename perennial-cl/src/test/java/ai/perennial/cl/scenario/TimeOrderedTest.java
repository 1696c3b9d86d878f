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
    void rowsJoinTheLastWindowAtOrBeforeTheirs() {
        int[][] w = TimeOrdered.group(new long[] {-1, 0, 0, 1, 3, 4, 7}, new long[] {0, 3, 4});
        assertThat(w).isDeepEqualTo(new int[][] {{0, 1, 2, 3}, {4}, {5, 6}});
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
        Scenario s = TimeOrdered.byPeriod(split(new double[] {10, 11, 13.9, 14, 30, 31}, new double[] {12, 29, 33}), 4);
        List<Experience> e = s.experiences();
        // windows [10,14), [14,18), [30,34): 18..30 has no training rows
        assertThat(e).hasSize(3);
        assertThat(targets(e.get(0).train())).containsExactly(0, 1, 2);
        assertThat(targets(e.get(1).train())).containsExactly(3);
        assertThat(targets(e.get(2).train())).containsExactly(4, 5);
        assertThat(targets(e.get(0).test())).containsExactly(0);
        assertThat(targets(e.get(1).test())).containsExactly(1); // time 29: in [26,30), a window without training rows
        assertThat(targets(e.get(2).test())).containsExactly(2);
        // day counts of dates are large, and a row near a boundary may round to either side of it; but a training row and a
        // test row with one time stamp always land in one window, and every row in exactly one
        double t0 = 20089.1;
        double[] stamps = {t0, t0 + 0.7, t0 + 0.7 * 2, t0 + 0.7 * 3};
        Scenario dates = TimeOrdered.byPeriod(split(stamps, stamps.clone()), 0.7);
        assertThat(dates.experiences().stream().mapToInt(x -> x.train().size()).sum()).isEqualTo(4);
        for (Experience x : dates.experiences()) {
            assertThat(targets(x.test())).containsExactly(targets(x.train()));
        }

        Scenario ties = TimeOrdered.byCount(split(new double[] {5, 5, 5, 5}, new double[] {5}), 3);
        assertThat(ties.experiences()).hasSize(1);
    }

    @Test
    void aWindowWithoutTestRowsIsAnError_soAreUnorderedTimeStamps() {
        assertThatThrownBy(() -> TimeOrdered.byCount(split(new double[] {0, 1, 2, 3}, new double[] {3}), 2))
                .isInstanceOf(PerennialException.class).hasMessageContaining("window 1 of 2 (from time 0.0) has training rows but no test rows");
        assertThatThrownBy(() -> split(new double[] {0, 2, 1}, new double[] {0}))
                .hasMessage("train: time stamp 2 (1.0) comes before the one ahead of it (2.0); give the samples in time order, each with a "
                        + "time stamp");
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
