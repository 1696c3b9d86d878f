package ai.perennial.cl.buffer;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.types.Shape;
import ai.perennial.core.data.ByteDataset;
import ai.perennial.core.data.Dataset;
import ai.perennial.core.data.FloatDataset;
import org.junit.jupiter.api.Test;

class ReplayBufferTest {
    static FloatDataset items(int n, int classes) {
        float[] v = new float[n];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            v[i] = i;
            labels[i] = i % classes;
        }
        return new FloatDataset("items", v, labels, new Shape(1), classes);
    }

    @Test
    void reservoirKeepsEveryItemWithEqualProbability() {
        int n = 1000;
        int capacity = 100;
        int repeats = 2000;
        FloatDataset stream = items(n, 10);
        long[] kept = new long[n];
        for (int r = 0; r < repeats; r++) {
            ReplayBuffer buffer = new ReplayBuffer(capacity, ReplayBuffer.Policy.RESERVOIR, r);
            for (int start = 0; start < n; start += 10) {
                int[] batch = new int[10];
                for (int i = 0; i < 10; i++) {
                    batch[i] = start + i;
                }
                buffer.offer(stream, batch, null);
            }
            assertThat(buffer.size()).isEqualTo(capacity);
            FloatDataset stored = (FloatDataset) buffer.view(buffer.sample(capacity));
            for (int i = 0; i < capacity; i++) {
                kept[(int) stored.value(i, 0)]++;
            }
        }
        double expected = repeats * (double) capacity / n;
        double chiSquare = 0;
        for (long k : kept) {
            chiSquare += (k - expected) * (k - expected) / expected;
        }
        // 999 degrees of freedom: the 0.1% critical value is about 1143; an early-biased sampler is far above
        assertThat(chiSquare).isLessThan(1143);
        long firstHalf = 0;
        for (int i = 0; i < n / 2; i++) {
            firstHalf += kept[i];
        }
        assertThat(firstHalf / (double) (repeats * capacity)).isBetween(0.48, 0.52);
    }

    @Test
    void classBalancedEvensOutAnImbalancedStream() {
        // classes 0..3 with 700, 200, 90, 10 samples, arriving class by class
        int[] counts = {700, 200, 90, 10};
        int total = 1000;
        float[] v = new float[total];
        int[] labels = new int[total];
        int at = 0;
        for (int c = 0; c < 4; c++) {
            for (int k = 0; k < counts[c]; k++) {
                v[at] = at;
                labels[at++] = c;
            }
        }
        Dataset stream = new FloatDataset("imbalanced", v, labels, new Shape(1), 4);
        ReplayBuffer buffer = new ReplayBuffer(100, ReplayBuffer.Policy.CLASS_BALANCED, 3);
        int[] all = new int[total];
        for (int i = 0; i < total; i++) {
            all[i] = i;
        }
        buffer.offer(stream, all, null);
        int[] stored = new int[4];
        for (int s = 0; s < buffer.size(); s++) {
            stored[buffer.label(s)]++;
        }
        // the rare class is kept whole; the rest is shared evenly
        assertThat(stored).containsExactly(30, 30, 30, 10);
        // a class with more samples than its share ends at the share
        counts = new int[] {700, 200, 60, 40};
        at = 0;
        for (int c = 0; c < 4; c++) {
            for (int k = 0; k < counts[c]; k++) {
                labels[at++] = c;
            }
        }
        ReplayBuffer even = new ReplayBuffer(100, ReplayBuffer.Policy.CLASS_BALANCED, 3);
        even.offer(new FloatDataset("imbalanced", v, labels, new Shape(1), 4), all, null);
        int[] stored2 = new int[4];
        for (int s = 0; s < even.size(); s++) {
            stored2[even.label(s)]++;
        }
        assertThat(stored2).containsExactly(25, 25, 25, 25);
    }

    @Test
    void storesRawBytesAndLogits() {
        byte[] px = {(byte) 200, 10, 20, 30};
        ByteDataset images = new ByteDataset("b", px, new int[] {1, 0}, new Shape(1, 1, 2), 2, 0.5f, 0.5f);
        ReplayBuffer buffer = new ReplayBuffer(4, ReplayBuffer.Policy.RESERVOIR, 1);
        buffer.offer(images, new int[] {0, 1}, new float[][] {{1, 2}, {3, 4}});
        assertThat(((ByteDataset) buffer.view(new int[] {0})).pixel(0, 0)).isEqualTo(200);
        assertThat(buffer.logits(new int[] {1, 0})).containsExactly(3, 4, 1, 2);
        assertThat(buffer.bytes()).isEqualTo(2 * (2 + 8) + 4 * 4);
    }

    /** Experience k's samples are the values 1000·k .. 1000·k + n − 1 (label k), so a stored value names its experience. */
    static FloatDataset experience(int k, int n) {
        float[] v = new float[n];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            v[i] = 1000 * k + i;
            labels[i] = k;
        }
        return new FloatDataset("experience-" + k, v, labels, new Shape(1), 3);
    }

    static java.util.Map<Integer, java.util.Set<Float>> byExperience(ReplayBuffer buffer) {
        FloatDataset stored = (FloatDataset) buffer.view(java.util.stream.IntStream.range(0, buffer.size()).toArray());
        java.util.Map<Integer, java.util.Set<Float>> out = new java.util.TreeMap<>();
        for (int i = 0; i < stored.size(); i++) {
            out.computeIfAbsent((int) (stored.value(i, 0) / 1000), k -> new java.util.HashSet<>()).add(stored.value(i, 0));
            assertThat(stored.label(i)).isEqualTo((int) (stored.value(i, 0) / 1000));
        }
        return out;
    }

    @Test
    void experienceBalancedMemoriesHoldEqualSharesFilledAtEachEnd() {
        ReplayBuffer buffer = new ReplayBuffer(10, ReplayBuffer.Policy.EXPERIENCE_BALANCED, 3);
        buffer.fillFromExperience(experience(0, 50), 0);
        assertThat(buffer.size()).isEqualTo(10);
        java.util.Map<Integer, java.util.Set<Float>> one = byExperience(buffer);
        buffer.fillFromExperience(experience(1, 50), 1);
        java.util.Map<Integer, java.util.Set<Float>> two = byExperience(buffer);
        assertThat(two.get(0)).hasSize(5).isSubsetOf(one.get(0));
        assertThat(two.get(1)).hasSize(5);
        buffer.fillFromExperience(experience(2, 2), 2); // fewer samples than its share: all of them
        java.util.Map<Integer, java.util.Set<Float>> three = byExperience(buffer);
        assertThat(three.get(0)).hasSize(4).isSubsetOf(two.get(0)); // 10 = 4 + 3 + 3: the first share takes the remainder
        assertThat(three.get(1)).hasSize(3).isSubsetOf(two.get(1));
        assertThat(three.get(2)).containsExactlyInAnyOrder(2000f, 2001f);
        assertThat(buffer.size()).isEqualTo(9);

        // the memory and its random state survive an export: both copies fill the next experience alike
        ai.perennial.core.state.StateDict state = new ai.perennial.core.state.StateDict();
        buffer.exportTo(state, "m.");
        ReplayBuffer restored = new ReplayBuffer(10, ReplayBuffer.Policy.EXPERIENCE_BALANCED, 99);
        restored.importFrom(state, "m.", experience(0, 1));
        buffer.fillFromExperience(experience(1, 50), 3);
        restored.fillFromExperience(experience(1, 50), 3);
        assertThat(byExperience(restored)).isEqualTo(byExperience(buffer));
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> buffer.offer(experience(0, 3), new int[] {0}, null)))
                .isInstanceOf(IllegalStateException.class);
    }
}
