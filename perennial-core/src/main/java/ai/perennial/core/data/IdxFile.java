package ai.perennial.core.data;

import ai.perennial.core.engine.Resources;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * An unsigned-byte IDX tensor (the MNIST file format): magic {@code 0x00 0x00 0x08 rank}, then
 * {@code rank} big-endian int32 dimensions, then the row-major payload. Files ending in {@code .gz}
 * are decompressed on the fly. Every header field and the payload length are validated.
 */
public record IdxFile(int[] dims, byte[] data) {

    private static final int UNSIGNED_BYTE = 0x08;

    public static IdxFile read(Path file) {
        return read(file, InflatedCopies.directory());
    }

    /**
     * As {@link #read(Path)}, a large gzipped file through its inflated copy in {@code copies} (made on the first read;
     * null: none).
     */
    static IdxFile read(Path file, Path copies) {
        Path copy = file.getFileName().toString().endsWith(".gz") ? InflatedCopies.copyOf(copies, file) : null;
        byte[] stored = InflatedCopies.read(copy);
        if (stored != null) {
            try {
                return parse(file, new ByteArrayInputStream(stored, 0, InflatedCopies.contentLength(stored)));
            } catch (IdxFormatException | IOException e) {
                // its checksum held, so it was stored so: the original says what is wrong
            }
        }
        IdxFile f = readOriginal(file);
        if (copy != null) {
            InflatedCopies.write(copy, file, f.header(), f.data());
        }
        return f;
    }

    /** The IDX header of this tensor: magic and dimensions. */
    private byte[] header() {
        ByteBuffer h = ByteBuffer.allocate(4 + 4 * dims.length).put(new byte[] {0, 0, UNSIGNED_BYTE, (byte) dims.length});
        for (int d : dims) {
            h.putInt(d);
        }
        return h.array();
    }

    private static IdxFile readOriginal(Path file) {
        try (InputStream raw = Files.newInputStream(file);
                InputStream in = new BufferedInputStream(
                        file.getFileName().toString().endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw, 1 << 16)) {
            try {
                return parse(file, in);
            } catch (IdxFormatException e) {
                // a damaged compressed stream can inflate to the wrong length; its checksum, checked at the end, names
                // the real defect
                in.transferTo(OutputStream.nullOutputStream());
                throw e;
            }
        } catch (NoSuchFileException e) {
            throw new IdxFormatException(file, "file does not exist");
        } catch (ZipException e) {
            throw new IdxFormatException(file, "corrupt gzip stream (" + e.getMessage() + ")");
        } catch (EOFException e) {
            throw new IdxFormatException(file, "truncated gzip stream");
        } catch (IOException e) {
            throw new IdxFormatException(file, "cannot be read (" + e.getMessage() + ")");
        }
    }

    static IdxFile parse(Path file, InputStream in) throws IOException {
        byte[] magic = in.readNBytes(4);
        if (magic.length < 4) {
            throw new IdxFormatException(file, "truncated header: " + magic.length + " of 4 magic bytes");
        }
        if (magic[0] != 0 || magic[1] != 0) {
            throw new IdxFormatException(file, String.format(
                    "bad magic number 0x%02x%02x%02x%02x, not an IDX file", magic[0], magic[1], magic[2], magic[3]));
        }
        if (magic[2] != UNSIGNED_BYTE) {
            throw new IdxFormatException(file, String.format(
                    "element type 0x%02x is not supported, only unsigned bytes (0x08)", magic[2]));
        }
        int rank = magic[3] & 0xff;
        if (rank < 1 || rank > 4) {
            throw new IdxFormatException(file, "rank " + rank + " is out of range 1..4");
        }
        byte[] header = in.readNBytes(4 * rank);
        if (header.length < 4 * rank) {
            throw new IdxFormatException(file, "truncated header: " + header.length + " of " + 4 * rank + " dimension bytes");
        }
        int[] dims = new int[rank];
        long count = 1;
        for (int i = 0; i < rank; i++) {
            dims[i] = ((header[4 * i] & 0xff) << 24) | ((header[4 * i + 1] & 0xff) << 16)
                    | ((header[4 * i + 2] & 0xff) << 8) | (header[4 * i + 3] & 0xff);
            if (dims[i] <= 0) {
                throw new IdxFormatException(file, "dimension " + i + " is " + dims[i] + ", must be positive");
            }
            count *= dims[i];
            if (count > Resources.MAX_ARRAY) {
                throw new IdxFormatException(file, "dimensions " + Arrays.toString(Arrays.copyOf(dims, i + 1)) + " are too large");
            }
        }
        byte[] data = in.readNBytes((int) count);
        if (data.length < count) {
            throw new IdxFormatException(file, "truncated payload: " + data.length + " of " + count
                    + " bytes for dimensions " + Arrays.toString(dims));
        }
        if (in.read() != -1) {
            throw new IdxFormatException(file, "trailing bytes after the " + count + "-byte payload for dimensions "
                    + Arrays.toString(dims));
        }
        return new IdxFile(dims, data);
    }
}
