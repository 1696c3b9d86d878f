package ai.perennial.cl.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.types.Shape;
import ai.perennial.core.data.ByteDataset;
import ai.perennial.core.data.Dataset;
import ai.perennial.core.data.FloatDataset;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ScenariosTest {
    /** 10 samples per class of 6 classes, 2x2 images whose first pixel encodes the sample index. */
    static ByteDataset data(int perClass) {
        int n = 6 * perClass;
        byte[] px = new byte[n * 4];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 6;
            px[i * 4] = (byte) i;
        }
        return new ByteDataset("toy", px, labels, new Shape(1, 2, 2), 6, 0, 1);
    }

    @Test
    void classIncrementalKeepsLabelsAndOneHead() {
        Scenario s = Scenarios.split(data(10), data(3), 2, new int[] {5, 4, 3, 2, 1, 0}, false);
        assertThat(s.size()).isEqualTo(3);
        assertThat(s.heads()).isEqualTo(1);
        assertThat(s.outputs()).isEqualTo(6);
        Experience first = s.experiences().get(0);
        assertThat(first.classes()).containsExactly(5, 4);
        assertThat(first.train().size()).isEqualTo(20);
        assertThat(first.test().size()).isEqualTo(6);
        assertThat(Arrays.stream(first.train().labels()).distinct().sorted().toArray()).containsExactly(4, 5);
        assertThat(first.train().tasks(new int[] {0, 1})).containsExactly(0, 0);
    }

    @Test
    void taskIncrementalRenumbersLabelsAndTagsTasks() {
        Scenario s = Scenarios.split(data(10), data(3), 3, null, true);
        assertThat(s.heads()).isEqualTo(2);
        assertThat(s.outputs()).isEqualTo(3);
        Experience second = s.experiences().get(1);
        assertThat(second.classes()).containsExactly(3, 4, 5);
        assertThat(Arrays.stream(second.train().labels()).distinct().sorted().toArray()).containsExactly(0, 1, 2);
        for (int i = 0; i < second.train().size(); i++) {
            assertThat(second.train().task(i)).isEqualTo(1);
            // local label + 3 is the original class, recoverable from the sample index in pixel 0
            int original = ((ByteDataset) second.train()).pixel(i, 0) % 6;
            assertThat(second.train().label(i) + 3).isEqualTo(original);
        }
    }

    @Test
    void badClassOrderAndGroupSizeNameTheKey() {
        assertThatThrownBy(() -> Scenarios.split(data(2), data(1), 2, new int[] {0, 1, 2, 3, 4, 4}, false))
                .hasMessageContaining("scenario.class_order");
        assertThatThrownBy(() -> Scenarios.split(data(2), data(1), 4, null, false))
                .hasMessageContaining("scenario.classes_per_experience");
    }

    @Test
    void randomClassOrderIsSeeded() {
        assertThat(Scenarios.randomClassOrder(10, 3)).containsExactly(Scenarios.randomClassOrder(10, 3));
        assertThat(Scenarios.randomClassOrder(10, 3)).isNotEqualTo(Scenarios.randomClassOrder(10, 4));
        assertThat(Scenarios.randomClassOrder(10, 3)).containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    }

    @Test
    void permutedFirstTaskIsOriginalOthersArePermutedConsistently() {
        FloatDataset train = new FloatDataset("f", new float[] {0, 1, 2, 3, 10, 11, 12, 13}, new int[] {0, 1}, new Shape(4), 2);
        Scenario s = Scenarios.permuted(train, train, 3, 7);
        assertThat(s.heads()).isEqualTo(1);
        FloatDataset t0 = (FloatDataset) s.experiences().get(0).train();
        assertThat(t0.value(1, 2)).isEqualTo(12f);
        FloatDataset t1 = (FloatDataset) s.experiences().get(1).train();
        FloatDataset t1test = (FloatDataset) s.experiences().get(1).test();
        Set<Float> row = new HashSet<>();
        for (int f = 0; f < 4; f++) {
            row.add(t1.value(0, f));
            assertThat(t1.value(1, f)).isEqualTo(t1.value(0, f) + 10); // same permutation for every sample
            assertThat(t1test.value(0, f)).isEqualTo(t1.value(0, f));   // and for the test set
        }
        assertThat(row).containsExactlyInAnyOrder(0f, 1f, 2f, 3f);
    }

    @Test
    void blurryMovesTheRequestedFractionAcrossBoundaries() {
        Scenario base = Scenarios.split(data(100), data(3), 2, null, false);
        Scenario blurry = Scenarios.blurry(base, 0.2, 1);
        int total = 0;
        for (Experience e : blurry.experiences()) {
            total += e.train().size();
            long foreign = Arrays.stream(e.train().labels()).filter(l -> l != e.classes()[0] && l != e.classes()[1]).count();
            // 40 of each experience's 200 samples leave; about 40 arrive from the two others
            assertThat(e.train().size() - foreign).isEqualTo(160);
            assertThat(foreign).isBetween(20L, 60L);
        }
        assertThat(total).isEqualTo(600);
        assertThat(blurry.settings()).containsEntry("overlap", 0.2);
        assertThatThrownBy(() -> Scenarios.blurry(base, 1.5, 1)).hasMessageContaining("scenario.overlap");
    }

    @Test
    void longStreamsOfPermutedAndRandomLabelTasks() {
        ByteDataset d = data(20);
        Scenario permuted = Scenarios.longStream(d, d, "permuted", 50, 30, 2);
        assertThat(permuted.size()).isEqualTo(50);
        assertThat(permuted.experiences().get(49).train().size()).isEqualTo(30);
        Scenario random = Scenarios.longStream(d, d, "random-label", 20, 30, 2);
        Dataset t = random.experiences().get(3).train();
        assertThat(random.experiences().get(3).test()).isSameAs(t);
        assertThat(Arrays.stream(t.labels()).distinct().count()).isGreaterThan(2);
        assertThatThrownBy(() -> Scenarios.longStream(d, d, "shuffled", 2, 3, 1)).hasMessageContaining("scenario.kind");
    }

    /** Label-permuted tasks: one class permutation per task, applied alike to its training and test samples, inputs unchanged. */
    @Test
    void labelPermutedTasksRelabelTrainAndTestConsistently() {
        // one feature: the sample's index, so its original label (index % 6) can be recovered
        int n = 120;
        float[] x = new float[n];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            x[i] = i;
            y[i] = i % 6;
        }
        FloatDataset d = new FloatDataset("f", x, y, new Shape(1), 6);
        Scenario s = Scenarios.longStream(d, d, "label-permuted", 8, 60, 3);
        Set<List<Integer>> permutations = new HashSet<>();
        for (Experience e : s.experiences()) {
            int[] map = new int[6];
            Arrays.fill(map, -1);
            for (Dataset part : List.of(e.train(), e.test())) {
                FloatDataset f = (FloatDataset) part;
                for (int i = 0; i < f.size(); i++) {
                    int original = (int) f.value(i, 0) % 6;
                    assertThat(map[original] == -1 || map[original] == f.label(i)).as("one relabelling per task").isTrue();
                    map[original] = f.label(i);
                }
            }
            assertThat(Arrays.stream(map).boxed().toList()).containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5);
            permutations.add(Arrays.stream(map).boxed().toList());
        }
        assertThat(permutations).as("fresh permutations").hasSizeGreaterThan(4);
    }

    static ByteDataset images(int n, long seed) {
        byte[] px = new byte[n * 784];
        new java.util.SplittableRandom(seed).nextBytes(px);
        return new ByteDataset("img", px, new java.util.SplittableRandom(seed).ints(n, 0, 10).toArray(), new Shape(1, 28, 28), 10, 0.3f,
                0.3f);
    }

    /**
     * A stream of transformed inputs keeps one copy of the data: the retained heap of a 100-task permuted, rotated or long
     * stream is that of a 5-task one plus a gather index or sampling map per task (copies would add the data every task).
     */
    @Test
    void transformedStreamsKeepOneCopyOfTheDataWhateverTheirLength() {
        ByteDataset train = images(2000, 1);
        ByteDataset test = images(500, 2);
        long data = RetainedSize.of(List.of(train, test));
        long copy = 2500L * 784; // what one more task would cost as a copy
        long[] permuted = {RetainedSize.of(Scenarios.permuted(train, test, 5, 3)), RetainedSize.of(Scenarios.permuted(train, test, 100, 3))};
        long[] rotated = {RetainedSize.of(Scenarios.rotated(train, test, Scenarios.evenAngles(5, 180))),
            RetainedSize.of(Scenarios.rotated(train, test, Scenarios.evenAngles(100, 180)))};
        long[] longStream = {RetainedSize.of(Scenarios.longStream(train, test, "permuted", 5, 300, 3)),
            RetainedSize.of(Scenarios.longStream(train, test, "permuted", 100, 300, 3))};
        for (long[] sizes : List.of(permuted, rotated, longStream)) {
            assertThat(sizes[0]).isLessThan(data + copy / 10); // 5 tasks: the data once
            long perTask = (sizes[1] - sizes[0]) / 95;
            assertThat(perTask).as("bytes per added task").isLessThan(copy / 50);
        }
        assertThat((permuted[1] - permuted[0]) / 95).isLessThan(2 * (4 * 784 + 16) + 2048); // a permutation for train and test
        // the experiences' inputs are still the permuted ones
        Experience second = Scenarios.permuted(train, test, 3, 3).experiences().get(1);
        ByteDataset view = (ByteDataset) second.train();
        assertThat(view.isView()).isTrue();
        assertThat(java.util.stream.IntStream.range(0, 784).map(f -> view.pixel(0, f)).sorted().toArray())
                .isEqualTo(java.util.stream.IntStream.range(0, 784).map(f -> train.pixel(0, f)).sorted().toArray());
    }
}
