package ai.perennial.core.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.engine.Resources;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * NumPy arrays from {@code .npy} files and {@code .npz} archives, decoded by DJL's own codec ({@link NDList#decode}).
 * Every header is checked here first (magic, version, header length, dtype, byte order, memory order, shape, and the
 * data length against the file or archive entry), so a damaged file is reported with its name and never reaches the
 * native engine or makes it allocate a size the header merely claims. Anything DJL still rejects is reported the same
 * way.
 */
final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

    /** NumPy's own reader refuses longer headers by default (max_header_size). */
    static final int MAX_HEADER = 10_000;

    /**
     * The header layout numpy writes (keys in this order); DJL's decoder accepts exactly this layout, so a header that
     * passes here also parses there.
     */
    private static final Pattern HEADER = Pattern.compile(
            "\\{'descr': '([^'\\n]*)', 'fortran_order': (True|False), 'shape': \\(((?:\\d+, ?)*\\d*)\\), \\}[ ]*\\n?");

    /** The dtypes Perennial reads, by numpy's name (little-endian or byte-sized) and how many bytes an element takes. */
    static final Map<String, Integer> DTYPES = Map.of("|u1", 1, "<i4", 4, "<i8", 8, "<f4", 4, "<f8", 8);

    private static final Map<String, String> NAMES = Map.of("|u1", "uint8", "<i4", "int32", "<i8", "int64", "<f4", "float32",
            "<f8", "float64");

    /** A checked header: numpy's dtype name, the shape, and where the data starts. */
    record Header(String dtype, long[] shape, int dataOffset, long dataBytes) {
        long count() {
            return dataBytes / DTYPES.get(dtype);
        }

        String typeName() {
            return NAMES.get(dtype);
        }
    }

    /** One decoded array; {@code data} is a byte[] (uint8), int[], long[], float[] or double[] by {@code dtype}. */
    record Array(String where, String dtype, long[] shape, Object data) {
        String typeName() {
            return NAMES.get(dtype);
        }
    }

    private Npy() {
    }

    /**
     * Checks the header at the start of {@code prefix} (at least the first 12 bytes of the array, or all of it if
     * shorter) against an array of {@code length} bytes in all. {@code where} names it in messages ("x.npy", or
     * "data.npz, array 'x'").
     *
     * @return the header, or throws with what is wrong
     */
    static Header header(byte[] prefix, long length, Object where) {
        if (length < 10 || prefix.length < 10) {
            throw error(where, "", "is only " + length + " bytes long, too short for a .npy header", "save the array again with numpy.save");
        }
        if (!Arrays.equals(prefix, 0, 6, MAGIC, 0, 6)) {
            throw error(where, "byte offset 0", "does not start with the .npy magic bytes (\\x93NUMPY)",
                    "give a file written by numpy.save or numpy.savez");
        }
        int major = prefix[6] & 0xff;
        int minor = prefix[7] & 0xff;
        if (major < 1 || major > 3 || minor != 0) {
            throw error(where, "byte offset 6", ".npy format version " + major + "." + minor + " is not one of 1.0, 2.0, 3.0",
                    "save the array again with numpy.save");
        }
        int lengthBytes = major == 1 ? 2 : 4;
        if (prefix.length < 8 + lengthBytes) {
            throw error(where, "byte offset 8", "the header length is cut off", "save the array again with numpy.save");
        }
        long headerLength = (prefix[8] & 0xff) | (prefix[9] & 0xff) << 8;
        if (major > 1) {
            headerLength |= (long) (prefix[10] & 0xff) << 16 | (long) (prefix[11] & 0xff) << 24;
        }
        int dataOffset = (int) Math.min(Integer.MAX_VALUE, 8 + lengthBytes + headerLength);
        if (headerLength > MAX_HEADER) {
            throw error(where, "byte offset 8", "the header length " + headerLength + " exceeds " + MAX_HEADER + " bytes",
                    "save the array again with numpy.save");
        }
        if (dataOffset > length) {
            throw error(where, "", "is " + length + " bytes long but its header alone needs " + dataOffset + " (truncated?)",
                    "copy or save the file again");
        }
        if (prefix.length < dataOffset) {
            throw error(where, "", "ends inside its " + dataOffset + "-byte header (truncated)", "copy or save the file again");
        }
        return parseText(prefix, length, where, lengthBytes, (int) headerLength, dataOffset);
    }

    private static Header parseText(byte[] prefix, long length, Object where, int lengthBytes, int headerLength, int dataOffset) {
        for (int i = 8 + lengthBytes; i < dataOffset; i++) {
            if (prefix[i] < 0x20 && prefix[i] != '\n' || prefix[i] < 0) {
                throw error(where, "byte offset " + i, "the header holds a byte (0x" + Integer.toHexString(prefix[i] & 0xff)
                        + ") that is not printable text", "save the array again with numpy.save");
            }
        }
        String text = new String(prefix, 8 + lengthBytes, headerLength, StandardCharsets.US_ASCII);
        Matcher m = HEADER.matcher(text);
        if (!m.matches()) {
            String shown = text.strip();
            throw error(where, "header", "is not the dictionary numpy writes ({'descr': ..., 'fortran_order': ..., 'shape': (...), }), got "
                    + TableBuilder.quote(shown.length() > 80 ? shown.substring(0, 80) : shown), "save the array again with numpy.save");
        }
        String dtype = m.group(1);
        if (m.group(2).equals("True")) {
            throw error(where, "header", "the array is stored in Fortran (column-major) order",
                    "save numpy.ascontiguousarray(array) instead");
        }
        if (!DTYPES.containsKey(dtype)) {
            String fix = dtype.matches(">[fiu]\\d") ? "it is big-endian: save array.astype('<" + dtype.substring(1) + "') instead"
                    : "convert it, e.g. array.astype(numpy.float32) for inputs or array.astype(numpy.int64) for class labels";
            throw error(where, "header", "dtype " + TableBuilder.quote(dtype) + " is not supported (uint8, int32, int64, float32 or float64 are)", fix);
        }
        String[] dims = m.group(3).isEmpty() ? new String[0] : m.group(3).split(", ?");
        long[] shape = new long[dims.length];
        long count = 1;
        for (int i = 0; i < dims.length; i++) {
            if (dims[i].length() > 12) {
                throw error(where, "header", "dimension " + i + " (" + TableBuilder.quote(dims[i]) + ") is too large", "check the file");
            }
            shape[i] = Long.parseLong(dims[i]);
            count *= shape[i];
            if (count > Resources.MAX_ARRAY) {
                throw error(where, "header", "shape " + m.group(3) + " holds more than 2^31 elements, more than one array takes",
                        "split the data into smaller files");
            }
        }
        long dataBytes = count * DTYPES.get(dtype);
        if (dataBytes > Resources.MAX_ARRAY) {
            throw error(where, "header", "shape (" + m.group(3) + ") of " + NAMES.get(dtype) + " needs " + dataBytes
                    + " bytes, more than one array takes", "split the data into smaller files");
        }
        if (dataOffset + dataBytes > length) {
            throw error(where, "", "holds " + (length - dataOffset) + " of the " + dataBytes + " data bytes its header (" + NAMES.get(dtype)
                    + ", shape (" + m.group(3) + ")) promises; it is truncated", "copy or save the file again");
        }
        if (dataOffset + dataBytes < length) {
            throw error(where, "byte offset " + (dataOffset + dataBytes), "has " + (length - dataOffset - dataBytes)
                    + " bytes after the data its header (" + NAMES.get(dtype) + ", shape (" + m.group(3) + ")) describes",
                    "copy or save the file again");
        }
        return new Header(dtype, shape, dataOffset, dataBytes);
    }

    private static DataFileException error(Object where, String position, String problem, String fix) {
        return new DataFileException(where, position, problem, fix);
    }

    /** The header of a .npy file or of {@code array} in a .npz archive, without reading the data. */
    static Header peek(Path file, String array) {
        if (isArchive(file)) {
            try (ZipFile zip = openArchive(file)) {
                ZipEntry entry = entry(zip, file, array);
                try (InputStream in = zip.getInputStream(entry)) {
                    return header(readPrefix(in, entry.getSize()), entry.getSize(), where(file, array));
                }
            } catch (ZipException e) {
                throw new DataFileException(where(file, array), "", "the archive is damaged (" + e.getMessage() + ")", "write the .npz again");
            } catch (IOException e) {
                throw unreadable(file, e);
            }
        }
        try (InputStream in = Files.newInputStream(file)) {
            return header(readPrefix(in, Files.size(file)), Files.size(file), file);
        } catch (NoSuchFileException e) {
            throw missing(file);
        } catch (IOException e) {
            throw unreadable(file, e);
        }
    }

    /** A .npz archive by name, else a .npy file. */
    static boolean isArchive(Path file) {
        return String.valueOf(file.getFileName()).toLowerCase(java.util.Locale.ROOT).endsWith(".npz");
    }

    /** The array {@code name} of a .npz archive, or the one array of a .npy file ({@code name} unused). */
    static Array read(Path file, String name) {
        if (isArchive(file)) {
            return readArchived(file, name);
        }
        long length;
        try {
            length = Files.size(file);
        } catch (NoSuchFileException e) {
            throw missing(file);
        } catch (IOException e) {
            throw unreadable(file, e);
        }
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            return decode(in, length, file);
        } catch (NoSuchFileException e) {
            throw missing(file);
        } catch (IOException e) {
            throw unreadable(file, e);
        }
    }

    private static Array readArchived(Path file, String name) {
        Object where = where(file, name);
        try (ZipFile zip = openArchive(file)) {
            ZipEntry entry = entry(zip, file, name);
            try (InputStream in = new BufferedInputStream(zip.getInputStream(entry), 1 << 16)) {
                return decode(in, entry.getSize(), where);
            }
        } catch (ZipException e) {
            throw new DataFileException(where, "", "the archive is damaged (" + e.getMessage() + ")", "write the .npz again");
        } catch (IOException e) {
            throw unreadable(file, e);
        }
    }

    static Object where(Path file, String array) {
        return file + ", array '" + array + "'";
    }

    private static ZipFile openArchive(Path file) throws IOException {
        if (!Files.exists(file)) {
            throw missing(file);
        }
        try {
            return new ZipFile(file.toFile());
        } catch (ZipException e) {
            throw new DataFileException(file, "", "is not a .npz (zip) archive (" + e.getMessage() + ")",
                    "write it with numpy.savez, or give a .npy file");
        }
    }

    private static ZipEntry entry(ZipFile zip, Path file, String name) {
        ZipEntry entry = zip.getEntry(name + ".npy");
        if (entry == null || entry.isDirectory()) {
            List<String> names = new ArrayList<>();
            Enumeration<? extends ZipEntry> all = zip.entries();
            while (all.hasMoreElements() && names.size() < 20) {
                String n = all.nextElement().getName();
                names.add(TableBuilder.quote(n.endsWith(".npy") ? n.substring(0, n.length() - 4) : n));
            }
            throw new DataFileException(file, "", "has no array '" + name + "' (it has " + (names.isEmpty() ? "none" : String.join(", ", names))
                    + ")", "name the arrays with the dataset's inputs and labels parameters, or save them under those names");
        }
        if (entry.getSize() < 0) {
            throw new DataFileException(where(file, name), "", "the archive does not record the array's size", "write the .npz again");
        }
        return entry;
    }

    private static byte[] readPrefix(InputStream in, long length) throws IOException {
        byte[] start = in.readNBytes((int) Math.min(12, length));
        if (start.length < 10 || !Arrays.equals(start, 0, 6, MAGIC, 0, 6)) {
            return start;
        }
        int lengthBytes = (start[6] & 0xff) == 1 ? 2 : 4;
        long headerLength = (start[8] & 0xff) | (start[9] & 0xff) << 8;
        if (lengthBytes == 4 && start.length == 12) {
            headerLength |= (long) (start[10] & 0xff) << 16 | (long) (start[11] & 0xff) << 24;
        }
        long total = 8 + lengthBytes + headerLength;
        if (headerLength > MAX_HEADER || total > length) {
            return start; // the check names this defect
        }
        byte[] prefix = Arrays.copyOf(start, (int) total);
        int got = start.length + in.readNBytes(prefix, start.length, (int) total - start.length);
        return got == total ? prefix : Arrays.copyOf(prefix, got);
    }

    /** Checks the header, then lets DJL decode the array from the same bytes; {@code length}: the array's bytes in all. */
    private static Array decode(InputStream in, long length, Object where) throws IOException {
        byte[] prefix = readPrefix(in, length);
        Header header = header(prefix, length, where);
        Resources.requireHeap(header.count(), 3 * header.dataBytes(), where + ": " + header.typeName() + " " + Arrays.toString(header.shape()),
                "use a smaller file");
        Engines.pytorch();
        try (NDManager manager = NDManager.newBaseManager(Engines.ENGINE)) {
            NDList list;
            try {
                list = NDList.decode(manager, new SequenceInputStream(new ByteArrayInputStream(prefix), in));
            } catch (RuntimeException e) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                throw new DataFileException(where, "", "cannot be decoded (" + cause + ")", "copy or save the file again", e);
            }
            if (in.read() != -1) {
                throw new DataFileException(where, "", "has bytes after the data its header describes", "copy or save the file again");
            }
            if (list.size() != 1) {
                throw new DataFileException(where, "", "decodes to " + list.size() + " arrays instead of one", "save one array per .npy file");
            }
            NDArray array = list.get(0);
            if (!Arrays.equals(array.getShape().getShape(), header.shape())) {
                throw new DataFileException(where, "", "decodes to shape " + array.getShape() + " instead of " + Arrays.toString(header.shape()),
                        "save the array again with numpy.save");
            }
            return new Array(String.valueOf(where), header.dtype(), header.shape(), javaArray(array, header.dtype(), where));
        }
    }

    private static Object javaArray(NDArray array, String dtype, Object where) {
        DataType expected = switch (dtype) {
            case "|u1" -> DataType.UINT8;
            case "<i4" -> DataType.INT32;
            case "<i8" -> DataType.INT64;
            case "<f4" -> DataType.FLOAT32;
            default -> DataType.FLOAT64;
        };
        if (array.getDataType() != expected) {
            throw new DataFileException(where, "", "decodes to " + array.getDataType() + " instead of " + NAMES.get(dtype),
                    "save the array again with numpy.save");
        }
        return switch (dtype) {
            case "|u1" -> array.toByteArray();
            case "<i4" -> array.toIntArray();
            case "<i8" -> array.toLongArray();
            case "<f4" -> array.toFloatArray();
            default -> array.toDoubleArray();
        };
    }

    private static DataFileException missing(Path file) {
        return new DataFileException(file, "", "file does not exist", "check the path");
    }

    private static DataFileException unreadable(Path file, IOException e) {
        return new DataFileException(file, "", "cannot be read (" + e + ")", "check the file and its permissions");
    }
}
