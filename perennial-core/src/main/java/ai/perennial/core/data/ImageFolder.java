package ai.perennial.core.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.engine.Resources;
import ai.perennial.core.registry.Component;
import ai.perennial.core.registry.Param;
import ai.perennial.core.registry.Registered;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.zip.CRC32C;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Images in one folder per class: {@code root/cat/1.png}, {@code root/dog/7.jpg}, ..., or with {@code root/train/}
 * and {@code root/test/} each laid out that way. Classes are the sorted names of the class folders. Images are decoded
 * with {@code javax.imageio} (PNG, JPEG), made grey or RGB, optionally resized (bilinear), and kept as uint8. The
 * decoded images are cached in one {@code .npz} file keyed by a fingerprint of the file list, sizes and modification
 * times; a cache that is stale or damaged is rebuilt, never trusted.
 */
public final class ImageFolder {
    private static final Logger LOG = LoggerFactory.getLogger(ImageFolder.class);

    /** Raised when the way images are decoded changes, so caches written before are rebuilt. */
    private static final int CACHE_VERSION = 1;

    /** Larger images are refused before decoding: a damaged header can claim any size. */
    static final int MAX_SIDE = 16_384;
    static final long MAX_PIXELS = 1L << 26;

    private static final Param<String> ROOT = Param.path("root", null,
            "folder of class folders, or with train/ and test/ folders each holding class folders").required();
    private static final Param<Double> TEST_FRACTION = Param.number("test_fraction", 0.2,
            "share of the images held out for testing when root has no train/ and test/ folders").inOpen(0, 1);
    private static final Param<String> CHANNELS = Param.choice("channels", "auto",
            "1 (grey) or 3 (RGB); auto: 1 if the first image is grey, else 3", "auto", "1", "3");
    private static final Param<String> SIZE = Param.text("size", null,
            "resize every image to HxW (bilinear), e.g. 32x32; unset: every image must have the first image's size")
            .check(s -> s.matches("[1-9]\\d{0,4}x[1-9]\\d{0,4}"), "HxW, e.g. 32x32");
    private static final Param<Boolean> CACHE = Param.flag("cache", true,
            "keep the decoded images in a .perennial-cache-*.npz file, rebuilt when a file is added, removed or changed");
    private static final Param<String> CACHE_DIR = Param.path("cache_dir", null, "where the cache file goes; unset: root");

    @Registered
    public static final Component<Long, DataSources.Split> IMAGE_FOLDER = Component.of(DataSources.KIND, "image-folder")
            .summary("PNG/JPEG images in one folder per class (root/class/*.png), optionally split into root/train and root/test")
            .params(ROOT, TEST_FRACTION, CHANNELS, SIZE, CACHE, CACHE_DIR)
            .provides(DataSources.IMAGES, DataSources.CLASS_TARGETS)
            .factory((v, seed) -> {
                String size = v.get(SIZE);
                int[] hw = size == null ? new int[] {0, 0} : Arrays.stream(size.split("x")).mapToInt(Integer::parseInt).toArray();
                String channels = v.get(CHANNELS);
                return load(new Options(Path.of(v.get(ROOT)), v.get(TEST_FRACTION), channels.equals("auto") ? 0 : Integer.parseInt(channels),
                        hw[0], hw[1], v.get(CACHE), v.get(CACHE_DIR) == null ? null : Path.of(v.get(CACHE_DIR))), seed).split();
            });

    /**
     * @param channels 1, 3, or 0 for the first image's
     * @param height with {@code width}: the size to resize to, or 0 to keep the images' own (which must agree)
     * @param cacheDir where the cache goes, null for {@code root}
     */
    public record Options(Path root, double testFraction, int channels, int height, int width, boolean cache, Path cacheDir) {
        public Options {
            if (channels != 0 && channels != 1 && channels != 3) {
                throw new IllegalArgumentException("channels must be 1, 3 or 0 (auto), got " + channels);
            }
            if ((height == 0) != (width == 0) || height < 0 || width < 0) {
                throw new IllegalArgumentException("give both or neither of height and width, got " + height + "x" + width);
            }
        }

        /** Native size, channels from the first image, cached under root, 20% held out when there is no test folder. */
        public static Options of(Path root) {
            return new Options(root, 0.2, 0, 0, 0, true, null);
        }
    }

    /** The sets, the class names in label order, and whether the decoded images came from the cache. */
    public record Result(DataSources.Split split, List<String> classes, boolean fromCache) {
    }

    private ImageFolder() {
    }

    /** One image file and its class. */
    record Entry(Path file, int label, long size, long modified) {
    }

    /** What the folder holds; {@code test} is null when the images are not split into train/ and test/. */
    record Listing(List<String> classes, List<Entry> train, List<Entry> test) {
    }

    /** Decoded images, channel-major, {@code count x channels x height x width}. */
    record Pixels(byte[] data, int count, int channels, int height, int width) {
    }

    public static Result load(Options o, long seed) {
        Listing listing = list(o.root());
        String fingerprint = fingerprint(listing, o);
        Path cacheFile = (o.cacheDir() != null ? o.cacheDir() : o.root()).resolve(".perennial-cache-"
                + (o.channels() == 0 ? "auto" : o.channels()) + "-" + (o.height() == 0 ? "any" : o.height() + "x" + o.width()) + ".npz");
        Pixels train = null;
        Pixels test = null;
        boolean fromCache = false;
        if (o.cache() && Files.exists(cacheFile)) {
            Pixels[] cached = readCache(cacheFile, fingerprint, listing, o);
            if (cached != null) {
                train = cached[0];
                test = cached[1];
                fromCache = true;
            }
        }
        if (train == null) {
            train = decode(listing.train(), o, null);
            test = listing.test() == null ? null : decode(listing.test(), o, train);
            if (o.cache()) {
                writeCache(cacheFile, fingerprint, listing, train, test);
            }
        }
        return new Result(split(o, listing, train, test, seed), listing.classes(), fromCache);
    }

    // ----- listing

    static Listing list(Path root) {
        if (!Files.isDirectory(root)) {
            throw new DataFileException(root, "", Files.exists(root) ? "is not a folder" : "folder does not exist",
                    "give the folder that holds one folder of images per class");
        }
        Path trainDir = root.resolve("train");
        Path testDir = root.resolve("test");
        if (Files.isDirectory(trainDir) && Files.isDirectory(testDir)) {
            List<String> classes = classFolders(trainDir, 2);
            List<Entry> train = images(trainDir, classes, true);
            for (String c : classFolders(testDir, 1)) {
                if (!classes.contains(c)) {
                    throw new DataFileException(testDir.resolve(c), "", "is a test class folder with no training folder of that name",
                            "add " + trainDir.resolve(c) + " with training images, or remove the test folder");
                }
            }
            List<Entry> test = images(testDir, classes, false);
            if (test.isEmpty()) {
                throw new DataFileException(testDir, "", "holds no .png/.jpg/.jpeg images in class folders", "add test images, or remove "
                        + "train/ and test/ to hold out a random share of all images");
            }
            return new Listing(classes, train, test);
        }
        List<String> classes = classFolders(root, 2);
        return new Listing(classes, images(root, classes, true), null);
    }

    private static List<String> classFolders(Path dir, int atLeast) {
        List<String> out = new ArrayList<>();
        for (Path p : children(dir)) {
            String name = String.valueOf(p.getFileName());
            if (Files.isDirectory(p) && !name.startsWith(".")) {
                out.add(name);
            }
        }
        out.sort(null);
        if (out.size() < atLeast) {
            throw new DataFileException(dir, "", "has " + (out.isEmpty() ? "no class folders" : "one class folder, " + TableBuilder.quote(out.get(0))),
                    "put the images in one folder per class (two or more), e.g. " + dir.resolve("cat") + "/1.png");
        }
        return out;
    }

    private static List<Entry> images(Path dir, List<String> classes, boolean everyClass) {
        List<Entry> out = new ArrayList<>();
        for (int label = 0; label < classes.size(); label++) {
            Path folder = dir.resolve(classes.get(label));
            if (!Files.isDirectory(folder)) {
                continue;
            }
            int before = out.size();
            for (Path p : children(folder)) {
                String name = String.valueOf(p.getFileName()).toLowerCase(Locale.ROOT);
                if (!name.startsWith(".") && (name.endsWith(".png") || name.endsWith(".jpg") || name.endsWith(".jpeg"))) {
                    try {
                        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                        if (a.isRegularFile()) {
                            out.add(new Entry(p, label, a.size(), a.lastModifiedTime().toMillis()));
                        }
                    } catch (IOException e) {
                        throw new DataFileException(p, "", "cannot be read (" + e + ")", "check the file and its permissions");
                    }
                }
            }
            if (everyClass && out.size() == before) {
                throw new DataFileException(folder, "", "holds no .png/.jpg/.jpeg images", "add images of the class, or remove the folder");
            }
        }
        return out;
    }

    /** The entries of {@code dir}, sorted by name so every listing (and so every fingerprint) has one order. */
    private static List<Path> children(Path dir) {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            s.forEach(out::add);
        } catch (IOException e) {
            throw new DataFileException(dir, "", "cannot be listed (" + e + ")", "check the folder and its permissions");
        }
        out.sort(null);
        return out;
    }

    // ----- decoding

    /**
     * Decodes {@code entries} into one array. The first image decides the channel count (if not given) and the size (if
     * not resizing); with {@code like}, the training images', which test images must match.
     */
    private static Pixels decode(List<Entry> entries, Options o, Pixels like) {
        int channels = like != null ? like.channels() : o.channels();
        int height = like != null ? like.height() : o.height();
        int width = like != null ? like.width() : o.width();
        Path first = null;
        byte[] data = null;
        for (int i = 0; i < entries.size(); i++) {
            Path file = entries.get(i).file();
            BufferedImage image = read(file);
            boolean grey = isGrey(image);
            if (channels == 0) {
                channels = grey ? 1 : 3;
            }
            if (height == 0) {
                height = image.getHeight();
                width = image.getWidth();
                first = file;
            }
            if (data == null) {
                long values = (long) entries.size() * channels * height * width;
                Resources.requireHeap(values, values, entries.size() + " images of " + channels + "x" + height + "x" + width,
                        "resize them smaller with the size parameter, or use fewer images");
                data = new byte[(int) values];
            }
            int[][] planes = planes(image, channels);
            if (o.height() == 0 && (image.getHeight() != height || image.getWidth() != width)) {
                throw new DataFileException(file, "", "is " + image.getHeight() + "x" + image.getWidth() + " (HxW) but "
                        + (first != null ? "the first image, " + first + "," : "the training images") + " is " + height + "x" + width,
                        "resize the images to one size, or set size: " + height + "x" + width + " to resize them while loading");
            }
            int plane = height * width;
            for (int c = 0; c < channels; c++) {
                int[] p = planes[c];
                if (image.getHeight() != height || image.getWidth() != width) {
                    p = resize(p, image.getHeight(), image.getWidth(), height, width);
                }
                int base = (i * channels + c) * plane;
                for (int k = 0; k < plane; k++) {
                    data[base + k] = (byte) p[k];
                }
            }
        }
        return new Pixels(data, entries.size(), channels, height, width);
    }

    /** Decodes one image, refusing absurd sizes before any pixel is allocated; every failure names the file. */
    static BufferedImage read(Path file) {
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            if (in == null) {
                throw new DataFileException(file, "", "cannot be opened", "check the file and its permissions");
            }
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new DataFileException(file, "", "is not a PNG or JPEG image (no decoder recognizes its content)",
                        "save it as PNG or JPEG, or remove it");
            }
            ImageReader reader = readers.next();
            String format = reader.getFormatName().toLowerCase(Locale.ROOT);
            if (!format.equals("png") && !format.equals("jpeg")) {
                reader.dispose();
                throw new DataFileException(file, "", "holds a " + format.toUpperCase(Locale.ROOT) + " image; PNG and JPEG are read",
                        "convert it to PNG");
            }
            try {
                reader.setInput(in, true, true);
                int width = reader.getWidth(0);
                int height = reader.getHeight(0);
                if (width <= 0 || height <= 0 || width > MAX_SIDE || height > MAX_SIDE || (long) width * height > MAX_PIXELS) {
                    throw new DataFileException(file, "", "claims a size of " + height + "x" + width + " (HxW), beyond the " + MAX_SIDE
                            + " pixels per side and 2^26 pixels this reader decodes", "shrink the image, or remove it if it is damaged");
                }
                BufferedImage image = reader.read(0);
                if (image == null) {
                    throw new DataFileException(file, "", "decodes to no image", "save it again, or remove it");
                }
                return image;
            } finally {
                reader.dispose();
            }
        } catch (DataFileException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // decoders report damaged data as IIOException, but also as IndexOutOfBounds-, IllegalArgument- or similar
            // runtime exceptions
            throw new DataFileException(file, "", "is damaged or not a supported image (" + e + ")", "save it again, or remove it", e);
        }
    }

    /** Grey images: a grey colour space, or a palette of greys only. */
    private static boolean isGrey(BufferedImage image) {
        if (image.getColorModel() instanceof IndexColorModel palette) {
            for (int i = 0; i < palette.getMapSize(); i++) {
                if (palette.getRed(i) != palette.getGreen(i) || palette.getRed(i) != palette.getBlue(i)) {
                    return false;
                }
            }
            return true;
        }
        return greySamples(image);
    }

    /** Grey samples to read as they are: through the sRGB conversion of getRGB a linear grey colour space would change them. */
    private static boolean greySamples(BufferedImage image) {
        return image.getColorModel() instanceof ComponentColorModel
                && image.getColorModel().getColorSpace().getType() == ColorSpace.TYPE_GRAY;
    }

    /** The image's planes as 0..255 values: one grey plane, or R, G, B; grey is replicated, colour made grey by luma. */
    private static int[][] planes(BufferedImage image, int channels) {
        int h = image.getHeight();
        int w = image.getWidth();
        int[][] out = new int[channels][h * w];
        if (greySamples(image)) {
            Raster raster = image.getRaster();
            int max = (1 << image.getColorModel().getComponentSize(0)) - 1;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int v = (int) ((raster.getSample(x, y, 0) * 255L + max / 2) / max);
                    for (int c = 0; c < channels; c++) {
                        out[c][y * w + x] = v;
                    }
                }
            }
            return out;
        }
        int[] rgb = image.getRGB(0, 0, w, h, null, 0, w);
        for (int i = 0; i < rgb.length; i++) {
            int r = rgb[i] >> 16 & 0xff;
            int g = rgb[i] >> 8 & 0xff;
            int b = rgb[i] & 0xff;
            if (channels == 1) {
                out[0][i] = (int) Math.round(0.299 * r + 0.587 * g + 0.114 * b);
            } else {
                out[0][i] = r;
                out[1][i] = g;
                out[2][i] = b;
            }
        }
        return out;
    }

    /** Bilinear resampling of one plane, pixel centres aligned (as most image libraries do it). */
    static int[] resize(int[] plane, int h, int w, int outH, int outW) {
        int[] out = new int[outH * outW];
        double sy = (double) h / outH;
        double sx = (double) w / outW;
        for (int y = 0; y < outH; y++) {
            double fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), h - 1);
            int y0 = (int) fy;
            int y1 = Math.min(y0 + 1, h - 1);
            double dy = fy - y0;
            for (int x = 0; x < outW; x++) {
                double fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), w - 1);
                int x0 = (int) fx;
                int x1 = Math.min(x0 + 1, w - 1);
                double dx = fx - x0;
                double top = plane[y0 * w + x0] * (1 - dx) + plane[y0 * w + x1] * dx;
                double bottom = plane[y1 * w + x0] * (1 - dx) + plane[y1 * w + x1] * dx;
                out[y * outW + x] = (int) Math.round(top * (1 - dy) + bottom * dy);
            }
        }
        return out;
    }

    // ----- the sets

    private static DataSources.Split split(Options o, Listing listing, Pixels train, Pixels test, long seed) {
        String name = String.valueOf(o.root().toAbsolutePath().normalize().getFileName());
        Shape shape = new Shape(train.channels(), train.height(), train.width());
        int classes = listing.classes().size();
        int[] trainLabels = listing.train().stream().mapToInt(Entry::label).toArray();
        byte[] trainData = train.data();
        byte[] testData;
        int[] testLabels;
        if (test != null) {
            testData = test.data();
            testLabels = listing.test().stream().mapToInt(Entry::label).toArray();
        } else {
            int[][] rows = Splits.holdOut(train.count(), o.testFraction(), seed);
            int sample = train.channels() * train.height() * train.width();
            testData = rows(trainData, rows[1], sample);
            testLabels = Arrays.stream(rows[1]).map(i -> trainLabels[i]).toArray();
            trainData = rows(trainData, rows[0], sample);
            int[] all = trainLabels;
            int[] kept = Arrays.stream(rows[0]).map(i -> all[i]).toArray();
            Splits.requireTrained(kept, testLabels, classes, o.root(), c -> TableBuilder.quote(listing.classes().get(c)),
                    "the random split drew all its images into the test set; add images of that class, or split into train/ and test/");
            return ByteDataset.split(name, shape, trainData, kept, testData, testLabels, classes);
        }
        return ByteDataset.split(name, shape, trainData, trainLabels, testData, testLabels, classes);
    }

    private static byte[] rows(byte[] data, int[] indices, int sample) {
        byte[] out = new byte[indices.length * sample];
        for (int i = 0; i < indices.length; i++) {
            System.arraycopy(data, indices[i] * sample, out, i * sample, sample);
        }
        return out;
    }

    // ----- the cache

    /** SHA-256 over the settings and every image's path, size and modification time. */
    static String fingerprint(Listing listing, Options o) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            StringBuilder text = new StringBuilder();
            text.append("perennial image-folder cache ").append(CACHE_VERSION).append('\n').append(o.channels()).append(' ')
                    .append(o.height()).append('x').append(o.width()).append(' ').append(listing.test() != null).append('\n');
            for (List<Entry> part : listing.test() == null ? List.of(listing.train()) : List.of(listing.train(), listing.test())) {
                text.append("part\n");
                for (Entry e : part) {
                    text.append(o.root().relativize(e.file())).append('\0').append(e.label()).append(' ').append(e.size()).append(' ')
                            .append(e.modified()).append('\n');
                }
            }
            return HexFormat.of().formatHex(sha.digest(text.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /** The cached images, or null (with a log line) when the cache is stale or damaged. */
    private static Pixels[] readCache(Path cacheFile, String fingerprint, Listing listing, Options o) {
        try {
            Npy.Array stored = Npy.read(cacheFile, "fingerprint");
            if (!(stored.data() instanceof byte[] b) || !new String(b, StandardCharsets.US_ASCII).equals(fingerprint)) {
                LOG.info("{} is out of date (images were added, removed or changed); decoding the images again", cacheFile);
                return null;
            }
            Pixels train = cachedPart(cacheFile, "train", listing.train(), o, null);
            Pixels test = listing.test() == null ? null : cachedPart(cacheFile, "test", listing.test(), o, train);
            Npy.Array sum = Npy.read(cacheFile, "checksum");
            if (!(sum.data() instanceof byte[] sb) || !checksum(train, test).equals(new String(sb, StandardCharsets.US_ASCII))) {
                throw new DataFileException(cacheFile, "", "its pixels do not match their checksum", "it is rebuilt");
            }
            return new Pixels[] {train, test};
        } catch (RuntimeException e) { // whatever is wrong with it, a cache is only a shortcut
            LOG.warn("ignoring the damaged image cache ({}); decoding the images again", e.getMessage());
            return null;
        }
    }

    private static Pixels cachedPart(Path cacheFile, String part, List<Entry> entries, Options o, Pixels like) {
        Npy.Array x = Npy.read(cacheFile, part);
        Npy.Array y = Npy.read(cacheFile, part + "_labels");
        long[] s = x.shape();
        boolean fits = x.data() instanceof byte[] && s.length == 4 && s[0] == entries.size() && (s[1] == 1 || s[1] == 3)
                && (o.channels() == 0 || s[1] == o.channels()) && (o.height() == 0 || (s[2] == o.height() && s[3] == o.width()))
                && (like == null || (s[1] == like.channels() && s[2] == like.height() && s[3] == like.width()))
                && y.data() instanceof int[] labels && Arrays.equals(labels, entries.stream().mapToInt(Entry::label).toArray());
        if (!fits) {
            throw new DataFileException(Npy.where(cacheFile, part), "", "does not match the image folder's listing", "it is rebuilt");
        }
        return new Pixels((byte[]) x.data(), (int) s[0], (int) s[1], (int) s[2], (int) s[3]);
    }

    /** Writes the cache through DJL's NPZ encoder, atomically; a cache that cannot be written is only logged. */
    private static void writeCache(Path cacheFile, String fingerprint, Listing listing, Pixels train, Pixels test) {
        Path temp = null;
        try {
            Engines.pytorch();
            try (NDManager manager = NDManager.newBaseManager(Engines.ENGINE)) {
                NDList arrays = new NDList();
                arrays.add(named(manager.create(ByteBuffer.wrap(fingerprint.getBytes(StandardCharsets.US_ASCII)), new Shape(fingerprint.length()),
                        DataType.UINT8), "fingerprint"));
                addPart(manager, arrays, "train", train, listing.train());
                if (test != null) {
                    addPart(manager, arrays, "test", test, listing.test());
                }
                String sum = checksum(train, test);
                arrays.add(named(manager.create(ByteBuffer.wrap(sum.getBytes(StandardCharsets.US_ASCII)), new Shape(sum.length()), DataType.UINT8),
                        "checksum"));
                Files.createDirectories(cacheFile.getParent());
                temp = Files.createTempFile(cacheFile.getParent(), ".perennial-cache-", ".tmp");
                try (OutputStream out = Files.newOutputStream(temp)) {
                    arrays.encode(out, NDList.Encoding.NPZ);
                }
            }
            try {
                Files.move(temp, cacheFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, cacheFile, StandardCopyOption.REPLACE_EXISTING);
            }
            LOG.info("decoded {} images; cached them in {}", train.count() + (test == null ? 0 : test.count()), cacheFile);
        } catch (IOException | RuntimeException e) {
            LOG.warn("cannot write the image cache {} ({}); the images will be decoded again next time; set cache_dir to a writable "
                    + "folder, or cache: false", cacheFile, e.toString());
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // the failure was logged; a stray temporary file is harmless
                }
            }
        }
    }

    /** CRC-32C of the pixels, so a cache damaged inside its arrays is caught too (zip entries are not verified on reading). */
    private static String checksum(Pixels train, Pixels test) {
        CRC32C crc = new CRC32C();
        crc.update(train.data());
        if (test != null) {
            crc.update(test.data());
        }
        return Long.toHexString(crc.getValue());
    }

    private static void addPart(NDManager manager, NDList arrays, String part, Pixels pixels, List<Entry> entries) {
        arrays.add(named(manager.create(ByteBuffer.wrap(pixels.data()), new Shape(pixels.count(), pixels.channels(), pixels.height(),
                pixels.width()), DataType.UINT8), part));
        arrays.add(named(manager.create(entries.stream().mapToInt(Entry::label).toArray()), part + "_labels"));
    }

    private static NDArray named(NDArray array, String name) {
        array.setName(name);
        return array;
    }
}
