package ai.perennial.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFolderTest {
    @TempDir
    Path dir;

    /** A grey image whose pixel (x, y) is {@code base + 10 * y + x}. */
    static BufferedImage grey(int h, int w, int base) {
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                image.getRaster().setSample(x, y, 0, base + 10 * y + x);
            }
        }
        return image;
    }

    /** A colour image whose pixel (x, y) is (base + x, base + 10 y, 200). */
    static BufferedImage colour(int h, int w, int base) {
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                image.setRGB(x, y, (base + x) << 16 | (base + 10 * y) << 8 | 200);
            }
        }
        return image;
    }

    static Path save(BufferedImage image, Path file) throws IOException {
        Files.createDirectories(file.getParent());
        String format = file.toString().endsWith(".png") ? "png" : "jpg";
        assertThat(ImageIO.write(image, format, file.toFile())).isTrue();
        return file;
    }

    static byte[] encode(BufferedImage image, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, format, out);
        return out.toByteArray();
    }

    static ImageFolder.Options options(Path root, boolean cache) {
        return new ImageFolder.Options(root, 0.25, 0, 0, 0, cache, null);
    }

    static int[] sample(ByteDataset d, int i) {
        int[] out = new int[d.featureCount()];
        for (int f = 0; f < out.length; f++) {
            out[f] = d.pixel(i, f);
        }
        return out;
    }

    @Test
    void readsClassFoldersInSortedOrderWithASeededSplit() throws IOException {
        Path root = dir.resolve("flat");
        String[] classes = {"zebra", "ant", "moth"};
        for (int c = 0; c < classes.length; c++) {
            for (int i = 0; i < 4; i++) {
                // the first pixel tells class and image apart: 10 * sorted class index + image index
                int sorted = Arrays.asList("ant", "moth", "zebra").indexOf(classes[c]);
                BufferedImage image = grey(2, 3, 0);
                image.getRaster().setSample(0, 0, 0, 100 + 10 * sorted + i);
                save(image, root.resolve(classes[c] + "/img" + i + ".png"));
            }
        }
        Files.writeString(root.resolve("ant/notes.txt"), "not an image");
        ImageFolder.Result r = ImageFolder.load(options(root, false), 5);
        assertThat(r.classes()).containsExactly("ant", "moth", "zebra");
        ByteDataset train = (ByteDataset) r.split().train();
        ByteDataset test = (ByteDataset) r.split().test();
        assertThat(train.size()).isEqualTo(9);
        assertThat(test.size()).isEqualTo(3);
        assertThat(train.sampleShape().getShape()).containsExactly(1, 2, 3);
        List<Integer> seen = new ArrayList<>();
        for (ByteDataset d : List.of(train, test)) {
            for (int i = 0; i < d.size(); i++) {
                int first = d.pixel(i, 0);
                assertThat((first - 100) / 10).isEqualTo(d.label(i));
                assertThat(Arrays.copyOfRange(sample(d, i), 1, 6)).containsExactly(1, 2, 10, 11, 12);
                seen.add(first);
            }
        }
        assertThat(seen).doesNotHaveDuplicates().hasSize(12);
        assertThat(ImageFolder.load(options(root, false), 5).split().test().labels()).isEqualTo(test.labels());
        float[] stats = ByteDataset.normalization(allPixels(train)); // normalized with the training pixels' statistics
        assertThat((double) train.mean()).isCloseTo(stats[0], within(1e-6));
        assertThat((double) train.std()).isCloseTo(stats[1], within(1e-6));
    }

    static byte[] allPixels(ByteDataset d) {
        byte[] out = new byte[d.size() * d.featureCount()];
        for (int i = 0; i < d.size(); i++) {
            for (int f = 0; f < d.featureCount(); f++) {
                out[i * d.featureCount() + f] = (byte) d.pixel(i, f);
            }
        }
        return out;
    }

    @Test
    void readsTrainAndTestFoldersChannelMajorAndConvertsChannels() throws IOException {
        Path root = dir.resolve("split");
        save(colour(2, 2, 10), root.resolve("train/b/1.png"));
        save(colour(2, 2, 20), root.resolve("train/a/1.png"));
        save(grey(2, 2, 7), root.resolve("train/a/2.png"));
        save(colour(2, 2, 30), root.resolve("test/b/x.png"));
        ImageFolder.Result r = ImageFolder.load(options(root, false), 1);
        ByteDataset train = (ByteDataset) r.split().train();
        assertThat(train.sampleShape().getShape()).containsExactly(3, 2, 2); // the first image is in colour
        assertThat(train.labels()).containsExactly(0, 0, 1);
        assertThat(sample(train, 0)).containsExactly(20, 21, 20, 21, /* green */ 20, 20, 30, 30, /* blue */ 200, 200, 200, 200);
        assertThat(sample(train, 1)).containsExactly(7, 8, 17, 18, 7, 8, 17, 18, 7, 8, 17, 18); // grey replicated
        assertThat(r.split().test().labels()).containsExactly(1);
        assertThat(sample((ByteDataset) r.split().test(), 0)[4]).isEqualTo(30);

        ImageFolder.Options grey = new ImageFolder.Options(root, 0.2, 1, 0, 0, false, null);
        ByteDataset g = (ByteDataset) ImageFolder.load(grey, 1).split().train();
        assertThat(g.sampleShape().getShape()).containsExactly(1, 2, 2);
        assertThat(g.pixel(0, 0)).isEqualTo((int) Math.round(0.299 * 20 + 0.587 * 20 + 0.114 * 200)); // luma
        assertThat(sample(g, 1)).containsExactly(7, 8, 17, 18);
        assertThat(ImageFolder.IMAGE_FOLDER.provides(ImageFolder.IMAGE_FOLDER.resolve(Map.of("root", "x"), "dataset")))
                .containsExactlyInAnyOrder(DataSources.IMAGES, DataSources.CLASS_TARGETS);
    }

    @Test
    void resizesBilinearlyAndReadsJpeg() throws IOException {
        Path root = dir.resolve("sizes");
        BufferedImage big = new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 4; x++) {
                big.getRaster().setSample(x, y, 0, x < 2 ? 40 : 80);
            }
        }
        save(big, root.resolve("a/big.png"));
        save(big, root.resolve("a/big2.png"));
        save(grey(2, 2, 50), root.resolve("b/small.jpg"));
        save(grey(2, 2, 60), root.resolve("b/other.jpeg"));
        Map<String, Object> params = new HashMap<>(Map.of("root", root.toString(), "size", "2x2", "cache", false, "test_fraction", 0.25));
        DataSources.Split s = DataSources.load(ImageFolder.IMAGE_FOLDER.name(), params, 1);
        ByteDataset all = (ByteDataset) HostDataset.concat("all", List.of(s.train(), s.test()));
        assertThat(all.sampleShape().getShape()).containsExactly(1, 2, 2);
        for (int i = 0; i < all.size(); i++) {
            if (all.label(i) == 0) {
                assertThat(sample(all, i)).containsExactly(40, 80, 40, 80); // each output pixel averages a 2x2 block
            } else {
                assertThat(Math.abs(sample(all, i)[0] - sample(all, i)[3] + 11)).isLessThanOrEqualTo(4); // JPEG is lossy
            }
        }
        assertThat(ImageFolder.resize(new int[] {0, 100}, 1, 2, 1, 4)).containsExactly(0, 25, 75, 100);
        params.remove("size");
        assertThatThrownBy(() -> DataSources.load(ImageFolder.IMAGE_FOLDER.name(), params, 1)).isInstanceOf(DataFileException.class)
                .hasMessageMatching(".*/sizes/b/(other\\.jpeg|small\\.jpg): is 2x2 \\(HxW\\) but the first image, .*/sizes/a/big\\.png, is 4x4; "
                        + "resize the images to one size, or set size: 4x4 to resize them while loading");
    }

    @Test
    void theCacheIsUsedWhileCurrentAndRebuiltWhenStaleOrDamaged() throws IOException {
        Path root = dir.resolve("cached");
        save(grey(3, 3, 1), root.resolve("a/1.png"));
        save(grey(3, 3, 2), root.resolve("a/2.png"));
        save(grey(3, 3, 3), root.resolve("b/1.png"));
        save(grey(3, 3, 4), root.resolve("b/2.png"));
        ImageFolder.Result first = ImageFolder.load(options(root, true), 1);
        assertThat(first.fromCache()).isFalse();
        Path cache = root.resolve(".perennial-cache-auto-any.npz");
        assertThat(cache).exists();
        ImageFolder.Result second = ImageFolder.load(options(root, true), 1);
        assertThat(second.fromCache()).isTrue();
        assertSame(first, second);

        Files.setLastModifiedTime(root.resolve("b/2.png"), FileTime.fromMillis(Files.getLastModifiedTime(root.resolve("b/2.png")).toMillis()
                + 5000));
        assertThat(ImageFolder.load(options(root, true), 1).fromCache()).isFalse(); // stale: a file changed
        assertThat(ImageFolder.load(options(root, true), 1).fromCache()).isTrue();

        save(grey(3, 3, 9), root.resolve("b/3.png"));
        ImageFolder.Result added = ImageFolder.load(options(root, true), 1);
        assertThat(added.fromCache()).isFalse();
        assertThat(added.split().train().size() + added.split().test().size()).isEqualTo(5);

        Files.writeString(cache, "garbage");
        ImageFolder.Result rebuilt = ImageFolder.load(options(root, true), 1);
        assertThat(rebuilt.fromCache()).isFalse();
        assertSame(added, rebuilt);

        Path elsewhere = dir.resolve("cache-here");
        ImageFolder.Options o = new ImageFolder.Options(root, 0.25, 3, 0, 0, true, elsewhere);
        ImageFolder.load(o, 1);
        assertThat(elsewhere.resolve(".perennial-cache-3-any.npz")).exists();
        assertThat(ImageFolder.load(o, 1).fromCache()).isTrue();
    }

    static void assertSame(ImageFolder.Result a, ImageFolder.Result b) {
        for (int part = 0; part < 2; part++) {
            ByteDataset x = (ByteDataset) (part == 0 ? a.split().train() : a.split().test());
            ByteDataset y = (ByteDataset) (part == 0 ? b.split().train() : b.split().test());
            assertThat(allPixels(y)).isEqualTo(allPixels(x));
            assertThat(y.labels()).isEqualTo(x.labels());
            assertThat(y.sampleShape()).isEqualTo(x.sampleShape());
            assertThat(y.mean()).isEqualTo(x.mean());
        }
    }

    @Test
    void badImagesAndLayoutsNameTheFileOrFolder() throws IOException {
        Path root = dir.resolve("bad");
        save(grey(2, 2, 1), root.resolve("a/1.png"));
        byte[] png = encode(grey(8, 8, 1), "png");
        byte[] damaged = png.clone();
        for (int i = 41; i < damaged.length - 12; i++) {
            damaged[i] = (byte) 0xA5; // the compressed pixel data
        }
        Path corrupt = root.resolve("b/corrupt.png");
        Files.createDirectories(corrupt.getParent());
        Files.write(corrupt, damaged);
        assertThatThrownBy(() -> ImageFolder.load(options(root, false), 1)).isInstanceOf(DataFileException.class)
                .hasMessageStartingWith(corrupt + ": is damaged or not a supported image (").hasMessageEndingWith("; save it again, or remove it");
        Files.write(corrupt, Arrays.copyOf(png, png.length / 2));
        assertThatThrownBy(() -> ImageFolder.load(options(root, false), 1)).hasMessageStartingWith(corrupt + ": ");
        Files.writeString(corrupt, "hello");
        assertThatThrownBy(() -> ImageFolder.load(options(root, false), 1)).hasMessage(corrupt
                + ": is not a PNG or JPEG image (no decoder recognizes its content); save it as PNG or JPEG, or remove it");
        Files.write(corrupt, encode(grey(2, 2, 1), "bmp"));
        assertThatThrownBy(() -> ImageFolder.load(options(root, false), 1)).hasMessage(corrupt
                + ": holds a BMP image; PNG and JPEG are read; convert it to PNG");
        byte[] huge = png.clone(); // IHDR width 0x00100000: refused before any pixel is decoded
        huge[16 + 1] = 0x10;
        Files.write(corrupt, huge);
        assertThatThrownBy(() -> ImageFolder.load(options(root, false), 1)).hasMessageStartingWith(corrupt
                + ": claims a size of 8x1048584 (HxW), beyond the 16384 pixels per side");
        Files.delete(corrupt);
        assertThatThrownBy(() -> ImageFolder.load(options(root, false), 1)).hasMessage(root.resolve("b")
                + ": holds no .png/.jpg/.jpeg images; add images of the class, or remove the folder");
        Files.delete(root.resolve("b"));
        assertThatThrownBy(() -> ImageFolder.load(options(root, false), 1)).hasMessage(root
                + ": has one class folder, 'a'; put the images in one folder per class (two or more), e.g. " + root.resolve("cat") + "/1.png");
        assertThatThrownBy(() -> ImageFolder.load(options(dir.resolve("none"), false), 1))
                .hasMessage(dir.resolve("none") + ": folder does not exist; give the folder that holds one folder of images per class");
        Path split = dir.resolve("split");
        save(grey(2, 2, 1), split.resolve("train/a/1.png"));
        save(grey(2, 2, 1), split.resolve("train/b/1.png"));
        save(grey(2, 2, 1), split.resolve("test/c/1.png"));
        assertThatThrownBy(() -> ImageFolder.load(options(split, false), 1)).hasMessageStartingWith(split.resolve("test/c")
                + ": is a test class folder with no training folder of that name");
    }

    @Test
    void mutatedImagesLoadOrFailWithAMessageNamingTheFile() throws IOException {
        Path root = dir.resolve("fuzz");
        save(colour(6, 5, 3), root.resolve("train/a/ok.png"));
        save(colour(6, 5, 9), root.resolve("train/b/ok.png"));
        save(colour(6, 5, 1), root.resolve("test/a/ok.png"));
        for (String format : new String[] {"png", "jpg"}) {
            Path file = root.resolve("train/b/fuzz." + format);
            byte[] original = encode(colour(6, 5, 40), format);
            Fuzz.Tally t = Fuzz.run(file, original, new byte[] {0, (byte) 0xff, 'I', 'D', 'A', 'T', 0x10}, format.equals("png") ? 700 : 400,
                    format.equals("png") ? 21 : 22, Duration.ofSeconds(60), () -> ImageFolder.load(options(root, false), 1));
            assertThat(t.loaded()).as(format).isGreaterThan(10);
            assertThat(t.rejected()).as(format).isGreaterThan(100);
            Files.delete(file);
        }
    }

    @Test
    void aDamagedCacheIsNeverTrusted() throws IOException {
        Path root = dir.resolve("cache-fuzz");
        save(colour(3, 3, 5), root.resolve("a/1.png"));
        save(colour(3, 3, 6), root.resolve("a/2.png"));
        save(colour(3, 3, 7), root.resolve("b/1.png"));
        save(colour(3, 3, 8), root.resolve("b/2.png"));
        ImageFolder.Result truth = ImageFolder.load(options(root, true), 1);
        Path cache = root.resolve(".perennial-cache-auto-any.npz");
        byte[] original = Files.readAllBytes(cache);
        int[] fromCache = new int[1];
        Fuzz.Tally t = Fuzz.run(cache, original, "0123456789(), PK".getBytes(StandardCharsets.US_ASCII), 300, 9, Duration.ofSeconds(60), () -> {
            ImageFolder.Result r = ImageFolder.load(options(root, true), 1);
            assertSame(truth, r);
            fromCache[0] += r.fromCache() ? 1 : 0;
        });
        assertThat(t.rejected()).isZero(); // every damage is repaired by decoding again
        assertThat(fromCache[0]).isLessThan(300);
        try (Stream<Path> files = Files.list(root)) {
            assertThat(files.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList()).isEmpty();
        }
    }
}
