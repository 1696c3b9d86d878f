package ai.perennial.core.data;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.state.StateDict;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Views (selected, permuted, rotated inputs read through a gather index or a sampling map per batch) give exactly the
 * inputs the materialized copies they replace gave: the same bytes, the same float32 batches bit for bit, the same rows
 * in a memory and in a checkpoint. The references below are the copying implementations views replaced.
 */
class DatasetViewTest {
    static final Shape IMAGE = new Shape(1, 28, 28);
    static final int FEATURES = 784;

    @BeforeAll
    static void engine() {
        Engines.pytorch();
    }

    static ByteDataset images(int n, long seed) {
        byte[] pixels = new byte[n * FEATURES];
        new SplittableRandom(seed).nextBytes(pixels);
        int[] labels = new SplittableRandom(seed + 1).ints(n, 0, 10).toArray();
        return new ByteDataset("rnd", pixels, labels, IMAGE, 10, 0.286f, 0.353f);
    }

    /** The copy {@code permuteFeatures} used to make. */
    static byte[] referencePermute(byte[] src, int[] perm) {
        byte[] out = new byte[src.length];
        for (int base = 0; base < src.length; base += perm.length) {
            for (int i = 0; i < perm.length; i++) {
                out[base + i] = src[base + perm[i]];
            }
        }
        return out;
    }

    /** The copy {@code ByteDataset.rotate} used to make (bilinear, rounded, zero outside). */
    static byte[] referenceRotate(byte[] pixels, int h, int w, double degrees) {
        double rad = Math.toRadians(degrees);
        double cos = StrictMath.cos(rad);
        double sin = StrictMath.sin(rad);
        double cy = (h - 1) / 2.0;
        double cx = (w - 1) / 2.0;
        int[] srcX = new int[h * w];
        int[] srcY = new int[h * w];
        float[] fx = new float[h * w];
        float[] fy = new float[h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double dx = x - cx;
                double dy = y - cy;
                double sx = cos * dx - sin * dy + cx;
                double sy = sin * dx + cos * dy + cy;
                srcX[y * w + x] = (int) Math.floor(sx);
                srcY[y * w + x] = (int) Math.floor(sy);
                fx[y * w + x] = (float) (sx - Math.floor(sx));
                fy[y * w + x] = (float) (sy - Math.floor(sy));
            }
        }
        byte[] out = new byte[pixels.length];
        int plane = h * w;
        for (int base = 0; base < pixels.length; base += plane) {
            for (int p = 0; p < plane; p++) {
                int x0 = srcX[p];
                int y0 = srcY[p];
                float v00 = at(pixels, base, x0, y0, w, h);
                float v01 = at(pixels, base, x0 + 1, y0, w, h);
                float v10 = at(pixels, base, x0, y0 + 1, w, h);
                float v11 = at(pixels, base, x0 + 1, y0 + 1, w, h);
                float top = v00 + (v01 - v00) * fx[p];
                float bottom = v10 + (v11 - v10) * fx[p];
                out[base + p] = (byte) Math.round(top + (bottom - top) * fy[p]);
            }
        }
        return out;
    }

    private static float at(byte[] pixels, int base, int x, int y, int w, int h) {
        return x < 0 || y < 0 || x >= w || y >= h ? 0f : pixels[base + y * w + x] & 0xff;
    }

    static byte[] referenceSelect(byte[] src, int[] indices, int features) {
        byte[] out = new byte[indices.length * features];
        for (int i = 0; i < indices.length; i++) {
            System.arraycopy(src, indices[i] * features, out, i * features, features);
        }
        return out;
    }

    static byte[] bytesOf(ByteDataset d) {
        return (byte[]) d.materialize().storage();
    }

    /** The view's float32 batches (training-size and evaluation-size) equal the materialized copy's, bit for bit. */
    static void assertSameBatches(ByteDataset view, byte[] reference) {
        ByteDataset copy = new ByteDataset("copy", reference, view.labels(), IMAGE, 10, view.mean(), view.std());
        int[] order = Shuffle.permutation(view.size(), new SplittableRandom(5));
        try (NDManager m = NDManager.newBaseManager()) {
            for (int start = 0; start < order.length; start += 128) {
                int[] idx = java.util.Arrays.copyOfRange(order, start, Math.min(order.length, start + 128));
                assertThat(view.inputs(m, idx).toFloatArray()).isEqualTo(copy.inputs(m, idx).toFloatArray());
            }
            int[] all = Shuffle.range(view.size());
            assertThat(view.inputs(m, all).toFloatArray()).isEqualTo(copy.inputs(m, all).toFloatArray());
        }
        assertThat(bytesOf(view)).isEqualTo(reference);
        byte[] row = new byte[FEATURES];
        view.copyRow(3, row, 0);
        assertThat(row).isEqualTo(java.util.Arrays.copyOfRange(reference, 3 * FEATURES, 4 * FEATURES));
        assertThat(view.pixel(2, 400)).isEqualTo(reference[2 * FEATURES + 400] & 0xff);
    }

    @Test
    void permutedViewGivesTheMaterializedPermutationsBatches() {
        ByteDataset base = images(300, 1);
        byte[] raw = (byte[]) base.storage();
        int[] perm = Shuffle.shuffled(Shuffle.range(FEATURES), new SplittableRandom(2));
        ByteDataset view = (ByteDataset) base.permuteFeatures(perm);
        assertThat(view.isView()).isTrue();
        assertThat(view.storage()).isSameAs(raw); // one copy of the data
        assertSameBatches(view, referencePermute(raw, perm));
        // two permutations compose into one gather index
        int[] second = Shuffle.shuffled(Shuffle.range(FEATURES), new SplittableRandom(3));
        ByteDataset twice = (ByteDataset) view.permuteFeatures(second);
        assertThat(twice.transform()).isInstanceOf(RowTransform.Permutation.class);
        assertSameBatches(twice, referencePermute(referencePermute(raw, perm), second));
        // the identity permutation is no transform at all
        assertThat(base.permuteFeatures(Shuffle.range(FEATURES)).isView()).isFalse();
    }

    @Test
    void rotatedViewGivesTheMaterializedRotationsBatches() {
        ByteDataset base = images(200, 7);
        byte[] raw = (byte[]) base.storage();
        for (double degrees : new double[] {0, 30, 45, 90, 137.5, 180, 360}) {
            ByteDataset view = base.rotate(degrees);
            assertThat(view.storage()).isSameAs(raw);
            assertSameBatches(view, referenceRotate(raw, 28, 28, degrees));
        }
        // a multi-channel image rotates each channel
        byte[] rgb = new byte[4 * 3 * 8 * 8];
        new SplittableRandom(9).nextBytes(rgb);
        ByteDataset colour = new ByteDataset("rgb", rgb, new int[4], new Shape(3, 8, 8), 1, 0.5f, 0.25f);
        assertThat(bytesOf(colour.rotate(60))).isEqualTo(referenceRotate(rgb, 8, 8, 60));
    }

    @Test
    void selectedPermutedAndRotatedViewsCompose() {
        ByteDataset base = images(400, 11);
        byte[] raw = (byte[]) base.storage();
        int[] pick = java.util.Arrays.copyOf(Shuffle.shuffled(Shuffle.range(400), new SplittableRandom(12)), 150);
        int[] perm = Shuffle.shuffled(Shuffle.range(FEATURES), new SplittableRandom(13));
        // the long stream's task: a random subset under a fresh permutation
        ByteDataset task = (ByteDataset) base.select(pick).permuteFeatures(perm);
        assertThat(task.storage()).isSameAs(raw);
        assertThat(task.labels()).isEqualTo(java.util.Arrays.stream(pick).map(base::label).toArray());
        assertSameBatches(task, referencePermute(referenceSelect(raw, pick, FEATURES), perm));
        // a subset of a permuted view (continual-evaluation subsets), relabelled and tagged like a split
        int[] sub = {5, 0, 149, 77};
        ByteDataset subset = (ByteDataset) task.select(sub).withLabels(new int[] {1, 2, 3, 4}, 10).withTask(2);
        assertThat(subset.task(0)).isEqualTo(2);
        assertSameBatches(subset, referenceSelect(referencePermute(referenceSelect(raw, pick, FEATURES), perm), sub, FEATURES));
        // rotated, then permuted: a chain
        ByteDataset both = (ByteDataset) base.rotate(45).permuteFeatures(perm);
        assertSameBatches(both, referencePermute(referenceRotate(raw, 28, 28, 45), perm));
    }

    @Test
    void concatCheckpointAndFloatViewsReadTheTransformedRows() {
        ByteDataset base = images(50, 21);
        byte[] raw = (byte[]) base.storage();
        int[] perm = Shuffle.shuffled(Shuffle.range(FEATURES), new SplittableRandom(22));
        ByteDataset view = (ByteDataset) base.permuteFeatures(perm);
        byte[] permuted = referencePermute(raw, perm);
        // concatenation (joint, cumulative, blurry streams) copies the transformed rows
        HostDataset both = HostDataset.concat("both", List.of(base, view));
        assertThat(both.isView()).isFalse();
        byte[] expected = new byte[2 * raw.length];
        System.arraycopy(raw, 0, expected, 0, raw.length);
        System.arraycopy(permuted, 0, expected, raw.length, raw.length);
        assertThat((byte[]) both.storage()).isEqualTo(expected);
        // a memory's checkpoint holds the rows the samples are read as
        StateDict out = new StateDict();
        view.select(new int[] {4, 9}).exportTo(out, "m.");
        assertThat(out.bytes("m.rows")).isEqualTo(referenceSelect(permuted, new int[] {4, 9}, FEATURES));
        HostDataset back = HostDataset.importFrom(out, "m.", view);
        assertThat(back.isView()).isFalse();
        assertThat((byte[]) back.storage()).isEqualTo(referenceSelect(permuted, new int[] {4, 9}, FEATURES));
        // float inputs
        FloatDataset f = new FloatDataset("f", new float[] {1, 2, 3, 4, 5, 6}, new int[] {0, 1}, new Shape(3), 2);
        FloatDataset fp = (FloatDataset) f.select(new int[] {1, 0}).permuteFeatures(new int[] {2, 0, 1});
        assertThat(fp.value(0, 0)).isEqualTo(6f);
        assertThat((float[]) fp.materialize().storage()).containsExactly(6, 4, 5, 3, 1, 2);
        try (NDManager m = NDManager.newBaseManager()) {
            assertThat(fp.inputs(m, new int[] {1, 0}).toFloatArray()).containsExactly(3, 1, 2, 6, 4, 5);
        }
    }

    @Test
    void viewsShareOneCopyOfTheRows() {
        ByteDataset base = images(1000, 31);
        List<Dataset> tasks = new java.util.ArrayList<>();
        SplittableRandom rng = new SplittableRandom(32);
        for (int t = 0; t < 50; t++) {
            tasks.add(base.permuteFeatures(Shuffle.shuffled(Shuffle.range(FEATURES), rng)));
        }
        long one = HostDataset.heapBytes(List.of(base));
        long fifty = HostDataset.heapBytes(tasks);
        // the rows and labels once, plus a 784-entry gather index per task
        assertThat(fifty - one).isLessThan(50L * (4 * FEATURES + 64));
        assertThat(HostDataset.heapBytes(List.of(base.permuteFeatures(Shuffle.shuffled(Shuffle.range(FEATURES), rng)).materialize())))
                .isGreaterThanOrEqualTo(1000L * FEATURES);
    }
}
