package ai.perennial.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.perennial.core.PerennialException;
import ai.perennial.core.data.ByteDataset;
import ai.perennial.core.data.Dataset;
import ai.perennial.core.run.Seeds;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Training-time image augmentation: the standard CIFAR recipe of a random crop from the image zero-padded by
 * {@code padding} pixels on every side (each offset 0..2·padding equally likely) and a horizontal flip with probability
 * 1/2, drawn per sample. Only training batches are augmented — the step's batch with any samples a strategy mixed into
 * it, and replayed batches a strategy reads itself ({@link TrainingContext#augment}) — never evaluation.
 *
 * <p>The draws depend only on the run's seed, the global step and which batch of the step it is ({@code stream}), so a
 * run resumed from a checkpoint sees the same augmented batches as one that never stopped, and a second evaluation of
 * the loss in the same step (SAM) sees the same images. On the device it is one pad and one gather: the crop offsets
 * and the flip become the gather's indices.
 */
public final class Augmentation {
    public static final String NONE = "none";
    public static final String CROP_FLIP = "crop-flip";
    public static final List<String> CHOICES = List.of(NONE, CROP_FLIP);
    /** The padding of the CIFAR recipe (32×32 images cropped from 40×40). */
    public static final int PADDING = 4;

    private final boolean enabled;
    private final long seed;
    private final int padding;

    private Augmentation(boolean enabled, long seed, int padding) {
        this.enabled = enabled;
        this.seed = seed;
        this.padding = padding;
    }

    /** No augmentation. */
    public static Augmentation none() {
        return new Augmentation(false, 0, 0);
    }

    /** Random crop with {@code padding} and horizontal flip, drawn from {@code seed}. */
    public static Augmentation cropFlip(long seed, int padding) {
        if (padding < 0) {
            throw new PerennialException("augmentation padding must be at least 0, got " + padding);
        }
        return new Augmentation(true, seed, padding);
    }

    /** {@code choice} (one of {@link #CHOICES}) for a run with seed {@code runSeed}. */
    public static Augmentation of(String choice, long runSeed) {
        return switch (choice) {
            case NONE -> none();
            case CROP_FLIP -> cropFlip(Seeds.derive(runSeed, "augment"), PADDING);
            default -> throw new PerennialException("training.augment: unknown augmentation '" + choice + "'; choose one of "
                    + String.join(", ", CHOICES));
        };
    }

    public boolean enabled() {
        return enabled;
    }

    /** Fails unless samples of {@code shape} are images (channels, height, width), which a crop needs. */
    public void checkInputs(Shape sampleShape, String what) {
        if (enabled && sampleShape.dimension() != 3) {
            throw new PerennialException("training.augment: " + CROP_FLIP + " crops images, but " + what + " has samples of shape "
                    + sampleShape + "; use augment: " + NONE + " for vector inputs");
        }
    }

    /** The normalized value of a zero pixel in {@code data}'s inputs: what the padding holds. */
    public static float zeroPixel(Dataset data) {
        return data instanceof ByteDataset b ? -b.mean() / b.std() : 0f;
    }

    /**
     * {@code images} {@code (batch, channels, height, width)} augmented with the draws of global step {@code step} and
     * batch {@code stream} of that step; unchanged when augmentation is off. {@code padValue} is a zero pixel
     * ({@link #zeroPixel}).
     */
    public NDArray apply(NDArray images, float padValue, long step, int stream) {
        if (!enabled) {
            return images;
        }
        int n = (int) images.getShape().get(0);
        SplittableRandom rng = new SplittableRandom(Seeds.derive(seed, step + "/" + stream));
        int[] dy = new int[n];
        int[] dx = new int[n];
        boolean[] flip = new boolean[n];
        for (int i = 0; i < n; i++) {
            dy[i] = rng.nextInt(2 * padding + 1);
            dx[i] = rng.nextInt(2 * padding + 1);
            flip[i] = rng.nextBoolean();
        }
        return cropFlip(images, dy, dx, flip, padding, padValue);
    }

    /**
     * Sample {@code i} of the result is the {@code (height, width)} window at rows {@code dy[i]..}, columns
     * {@code dx[i]..} of the image padded by {@code padding} with {@code padValue}, mirrored left to right when
     * {@code flip[i]}. One pad, then one gather over the flattened padded batch with indices built from small
     * per-sample row and column tables.
     */
    public static NDArray cropFlip(NDArray images, int[] dy, int[] dx, boolean[] flip, int padding, float padValue) {
        Shape s = images.getShape();
        if (s.dimension() != 4) {
            throw new IllegalArgumentException("crop-flip needs (batch, channels, height, width), got " + s);
        }
        int n = (int) s.get(0);
        long channels = s.get(1);
        int height = (int) s.get(2);
        int width = (int) s.get(3);
        long paddedHeight = height + 2L * padding;
        long paddedWidth = width + 2L * padding;
        long plane = paddedHeight * paddedWidth;
        long[] rows = new long[n * height];
        long[] columns = new long[n * width];
        for (int i = 0; i < n; i++) {
            for (int r = 0; r < height; r++) {
                rows[i * height + r] = i * channels * plane + (dy[i] + r) * paddedWidth;
            }
            for (int c = 0; c < width; c++) {
                columns[i * width + c] = dx[i] + (flip[i] ? width - 1 - c : c);
            }
        }
        long[] planes = new long[(int) channels];
        for (int c = 0; c < channels; c++) {
            planes[c] = c * plane;
        }
        NDManager m = images.getManager();
        NDArray padded = padding == 0 ? images : images.pad(new Shape(padding, padding, padding, padding), padValue);
        NDArray index = m.create(rows, new Shape(n, 1, height, 1)).add(m.create(planes, new Shape(1, channels, 1, 1)))
                .add(m.create(columns, new Shape(n, 1, 1, width)));
        return padded.flatten().take(index);
    }
}
