package ai.perennial.core.data;

import java.io.IOException;
import java.io.UncheckedIOException;
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
import java.util.HexFormat;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Inflated copies of large gzipped data files, so that a run reads them instead of inflating them again: inflating
 * Fashion-MNIST's 30 MB of gzip took a third of a second of every start-up, reading the copy a tenth. A copy is the
 * inflated bytes followed by their CRC-32C, named after the original's path, size and modification time, so a changed
 * original gets a new copy (and its old one is deleted). It lives in {@code $PERENNIAL_CACHE} (default
 * {@code ~/.cache/perennial/inflated}; {@code off} turns copies off) and is only a shortcut: one that is damaged or
 * unreadable is ignored and the original read.
 */
final class InflatedCopies {
    /** Smaller files inflate in a few milliseconds: a copy would not pay for itself. */
    static final long MIN_COMPRESSED_BYTES = 1 << 20;

    private static final Logger LOG = LoggerFactory.getLogger(InflatedCopies.class);

    private InflatedCopies() {
    }

    /** Where the copies go; null when they are turned off or there is no home folder. */
    static Path directory() {
        String configured = System.getenv("PERENNIAL_CACHE");
        if ("off".equals(configured)) {
            return null;
        }
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured, "inflated");
        }
        String home = System.getProperty("user.home");
        return home == null || home.isBlank() ? null : Path.of(home, ".cache", "perennial", "inflated");
    }

    /** The copy of {@code gz} in {@code dir} (existing or not), or null when {@code gz} is too small to be worth one. */
    static Path copyOf(Path dir, Path gz) {
        try {
            BasicFileAttributes a = Files.readAttributes(gz, BasicFileAttributes.class);
            if (dir == null || a.size() < MIN_COMPRESSED_BYTES) {
                return null;
            }
            String version = a.size() + ":" + a.lastModifiedTime().toMillis();
            return dir.resolve(prefix(gz) + hash(version).substring(0, 8) + "-" + gz.getFileName().toString().replaceFirst("\\.gz$", ""));
        } catch (IOException e) {
            return null;
        }
    }

    /** The inflated bytes stored in {@code copy}, or null when there is none or it is damaged (a damaged one is deleted). */
    static byte[] read(Path copy) {
        if (copy == null || !Files.isRegularFile(copy)) {
            return null;
        }
        try {
            byte[] stored = Files.readAllBytes(copy);
            int n = stored.length - Integer.BYTES;
            if (n >= 0) {
                CRC32C crc = new CRC32C();
                crc.update(stored, 0, n);
                if ((int) crc.getValue() == ByteBuffer.wrap(stored, n, Integer.BYTES).getInt()) {
                    return stored;
                }
            }
            LOG.warn("ignoring the damaged inflated copy {}; reading the original", copy);
            Files.deleteIfExists(copy);
        } catch (IOException | UncheckedIOException e) {
            LOG.debug("cannot read the inflated copy {}: {}", copy, e.toString());
        }
        return null;
    }

    /** The length of the content of a copy read by {@link #read} (without its checksum). */
    static int contentLength(byte[] stored) {
        return stored.length - Integer.BYTES;
    }

    /**
     * Stores {@code head} then {@code body} as the copy {@code copy} of {@code gz}, atomically, and deletes the copies of
     * its older versions; a copy that cannot be written is only logged.
     */
    static void write(Path copy, Path gz, byte[] head, byte[] body) {
        Path temp = null;
        try {
            Files.createDirectories(copy.getParent());
            CRC32C crc = new CRC32C();
            crc.update(head);
            crc.update(body);
            temp = Files.createTempFile(copy.getParent(), ".inflating-", ".tmp");
            try (var out = Files.newOutputStream(temp)) {
                out.write(head);
                out.write(body);
                out.write(ByteBuffer.allocate(Integer.BYTES).putInt((int) crc.getValue()).array());
            }
            try {
                Files.move(temp, copy, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, copy, StandardCopyOption.REPLACE_EXISTING);
            }
            temp = null;
            try (DirectoryStream<Path> old = Files.newDirectoryStream(copy.getParent(), prefix(gz) + "*")) {
                for (Path p : old) {
                    if (!p.equals(copy)) {
                        Files.deleteIfExists(p);
                    }
                }
            }
        } catch (IOException | UncheckedIOException e) {
            LOG.debug("cannot write the inflated copy {}: {}", copy, e.toString());
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException e) {
                    LOG.debug("cannot delete {}", temp);
                }
            }
        }
    }

    /** What every copy of {@code gz}, whatever its version, is named with first. */
    private static String prefix(Path gz) {
        return hash(gz.toAbsolutePath().normalize().toString()).substring(0, 16) + "-";
    }

    private static String hash(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
