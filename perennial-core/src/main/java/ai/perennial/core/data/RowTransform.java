package ai.perennial.core.data;

import ai.djl.ndarray.types.Shape;

/**
 * A fixed rewrite of every input row, applied when rows are read (a batch is built, a sample is copied into a memory or
 * a checkpoint), so a stream of transformed inputs keeps one copy of the data: a feature permutation is a gather index
 * of {@code features} ints, a rotation a sampling map of the image plane. Rows of {@code uint8} and {@code float32} values
 * are supported where the transform defines them; the result of {@link #apply} is exactly the row a materialized copy
 * would hold.
 */
public abstract sealed class RowTransform permits RowTransform.Permutation, RowTransform.Rotation, RowTransform.Chain {

    private RowTransform() {
    }

    /** Features of the rows this transform reads and writes. */
    public abstract int features();

    /** Writes the transformed row {@code src[srcOff .. srcOff+features)} to {@code dst[dstOff ..]}. */
    public abstract void apply(byte[] src, int srcOff, byte[] dst, int dstOff);

    /** Writes the transformed row {@code src[srcOff .. srcOff+features)} to {@code dst[dstOff ..]}. */
    public abstract void apply(float[] src, int srcOff, float[] dst, int dstOff);

    /** Bytes the transform itself holds (its index or map). */
    public abstract long bytes();

    /** This transform, then {@code next} on its output. Two permutations compose into one. */
    public RowTransform then(RowTransform next) {
        if (next.features() != features()) {
            throw new IllegalArgumentException("cannot chain a transform of " + features() + " features with one of " + next.features());
        }
        if (this instanceof Permutation a && next instanceof Permutation b) {
            // (b after a)[i] = a's output at b[i] = src[a[b[i]]]
            int[] composed = new int[b.index.length];
            for (int i = 0; i < composed.length; i++) {
                composed[i] = a.index[b.index[i]];
            }
            return new Permutation(composed);
        }
        return new Chain(this, next);
    }

    /** Applies {@code transform} ({@code null}: none) to a whole row array of either element type. */
    static void applyRow(RowTransform transform, Object src, int srcOff, Object dst, int dstOff, int features) {
        if (transform == null) {
            System.arraycopy(src, srcOff, dst, dstOff, features);
        } else if (src instanceof byte[] b) {
            transform.apply(b, srcOff, (byte[]) dst, dstOff);
        } else {
            transform.apply((float[]) src, srcOff, (float[]) dst, dstOff);
        }
    }

    /** Feature {@code i} of the result is feature {@code index[i]} of the source. */
    public static RowTransform permutation(int[] index) {
        boolean[] seen = new boolean[index.length];
        for (int source : index) {
            if (source < 0 || source >= index.length || seen[source]) {
                throw new IllegalArgumentException("not a permutation of 0.." + (index.length - 1) + ": " + source + " repeats or is out of range");
            }
            seen[source] = true;
        }
        return new Permutation(index.clone());
    }

    /**
     * Every {@code (channels, height, width)} image rotated by {@code degrees} counter-clockwise about its centre, per
     * channel, with bilinear interpolation of the {@code uint8} values rounded to the nearest integer; pixels that come
     * from outside the image are 0.
     */
    public static RowTransform rotation(Shape shape, double degrees) {
        if (shape.dimension() != 3) {
            throw new IllegalArgumentException("rotation needs (channels, height, width) images, got " + shape);
        }
        return new Rotation((int) shape.get(0), (int) shape.get(1), (int) shape.get(2), degrees);
    }

    static final class Permutation extends RowTransform {
        private final int[] index;

        private Permutation(int[] index) {
            this.index = index;
        }

        @Override
        public int features() {
            return index.length;
        }

        @Override
        public void apply(byte[] src, int srcOff, byte[] dst, int dstOff) {
            int[] p = index;
            for (int i = 0; i < p.length; i++) {
                dst[dstOff + i] = src[srcOff + p[i]];
            }
        }

        @Override
        public void apply(float[] src, int srcOff, float[] dst, int dstOff) {
            int[] p = index;
            for (int i = 0; i < p.length; i++) {
                dst[dstOff + i] = src[srcOff + p[i]];
            }
        }

        @Override
        public long bytes() {
            return 16 + 4L * index.length;
        }

        @Override
        public String toString() {
            return "permutation of " + index.length + " features";
        }
    }

    static final class Rotation extends RowTransform {
        private final int channels;
        private final int h;
        private final int w;
        private final double degrees;
        // for each output pixel: the top-left source pixel of the inverse rotation and the bilinear weights
        private final int[] srcX;
        private final int[] srcY;
        private final float[] fx;
        private final float[] fy;

        private Rotation(int channels, int h, int w, double degrees) {
            this.channels = channels;
            this.h = h;
            this.w = w;
            this.degrees = degrees;
            double rad = Math.toRadians(degrees);
            double cos = StrictMath.cos(rad);
            double sin = StrictMath.sin(rad);
            double cy = (h - 1) / 2.0;
            double cx = (w - 1) / 2.0;
            srcX = new int[h * w];
            srcY = new int[h * w];
            fx = new float[h * w];
            fy = new float[h * w];
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
        }

        @Override
        public int features() {
            return channels * h * w;
        }

        @Override
        public void apply(byte[] src, int srcOff, byte[] dst, int dstOff) {
            int plane = h * w;
            for (int c = 0; c < channels; c++) {
                int base = srcOff + c * plane;
                int out = dstOff + c * plane;
                for (int p = 0; p < plane; p++) {
                    int x0 = srcX[p];
                    int y0 = srcY[p];
                    float v00 = at(src, base, x0, y0);
                    float v01 = at(src, base, x0 + 1, y0);
                    float v10 = at(src, base, x0, y0 + 1);
                    float v11 = at(src, base, x0 + 1, y0 + 1);
                    float top = v00 + (v01 - v00) * fx[p];
                    float bottom = v10 + (v11 - v10) * fx[p];
                    dst[out + p] = (byte) Math.round(top + (bottom - top) * fy[p]);
                }
            }
        }

        private float at(byte[] src, int base, int x, int y) {
            return x < 0 || y < 0 || x >= w || y >= h ? 0f : src[base + y * w + x] & 0xff;
        }

        @Override
        public void apply(float[] src, int srcOff, float[] dst, int dstOff) {
            throw new UnsupportedOperationException("rotation is defined for uint8 images");
        }

        @Override
        public long bytes() {
            return 64 + 16L * h * w;
        }

        @Override
        public String toString() {
            return "rotation by " + degrees + " degrees";
        }
    }

    static final class Chain extends RowTransform {
        private final RowTransform first;
        private final RowTransform second;

        private Chain(RowTransform first, RowTransform second) {
            this.first = first;
            this.second = second;
        }

        @Override
        public int features() {
            return first.features();
        }

        @Override
        public void apply(byte[] src, int srcOff, byte[] dst, int dstOff) {
            byte[] middle = new byte[features()];
            first.apply(src, srcOff, middle, 0);
            second.apply(middle, 0, dst, dstOff);
        }

        @Override
        public void apply(float[] src, int srcOff, float[] dst, int dstOff) {
            float[] middle = new float[features()];
            first.apply(src, srcOff, middle, 0);
            second.apply(middle, 0, dst, dstOff);
        }

        @Override
        public long bytes() {
            return 16 + first.bytes() + second.bytes();
        }

        @Override
        public String toString() {
            return first + ", then " + second;
        }
    }
}
