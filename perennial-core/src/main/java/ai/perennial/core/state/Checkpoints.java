package ai.perennial.core.state;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.perennial.core.PerennialException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The checkpoints of one run, in {@code RUN/checkpoints/}: each a directory {@code NNNNNN-step-SSSSSSSSSSSS} holding
 * {@code tensors.safetensors} (every tensor and real number of a {@link StateDict}), {@code state.json} (its whole
 * numbers and texts) and {@code manifest.json} (format, step, the caller's description of the run, and the size and
 * SHA-256 of each file; the manifest ends with the SHA-256 of itself). A checkpoint is written into a temporary
 * directory, every file and the directory are fsynced, the directory is renamed into place in one atomic step, and
 * only then is the {@code latest} pointer replaced; so a crash at any moment leaves the previous checkpoints intact.
 * Reading verifies every checksum and falls back to the newest checkpoint that verifies. See docs/checkpoints.md.
 */
public final class Checkpoints {
    public static final int FORMAT = 1;
    static final String TENSORS = "tensors.safetensors";
    static final String STATE = "state.json";
    static final String MANIFEST = "manifest.json";
    static final String LATEST = "latest";
    private static final String NUMBER = "number:";
    private static final String TRAILER = "\nsha256:";
    private static final Pattern NAME = Pattern.compile("(\\d{6})-step-(\\d{12})");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path root;
    private final int keepLast;

    /** A checkpoint read back and verified. */
    public record Saved(Path dir, long step, Map<String, Object> manifest, StateDict state) {
    }

    /** @param keepLast unpinned checkpoints kept (older ones are deleted after each write); at least 1 */
    public Checkpoints(Path runDir, int keepLast) {
        if (keepLast < 1) {
            throw new PerennialException("checkpoint.keep_last must be at least 1, got " + keepLast);
        }
        this.root = runDir.resolve("checkpoints");
        this.keepLast = keepLast;
    }

    public Path root() {
        return root;
    }

    /**
     * Writes {@code state} as the newest checkpoint. {@code info} goes into the manifest (config, provenance, cursor,
     * status ...); {@code pinned} checkpoints are never pruned. Returns the checkpoint's directory.
     */
    public Path write(long step, StateDict state, Map<String, Object> info, boolean pinned) {
        try {
            Files.createDirectories(root);
            removeLeftovers();
            int seq = nextSequence();
            String name = String.format("%06d-step-%012d", seq, step);
            Path tmp = root.resolve(".tmp-" + name);
            Files.createDirectories(tmp);
            Map<String, Object> files = new LinkedHashMap<>();
            files.put(TENSORS, writeFile(tmp.resolve(TENSORS), out -> encodeTensors(state, out)));
            files.put(STATE, writeFile(tmp.resolve(STATE), out -> JSON.writeValue(out, scalars(state))));
            Map<String, Object> manifest = new LinkedHashMap<>();
            manifest.put("format", FORMAT);
            manifest.put("step", step);
            manifest.put("sequence", seq);
            manifest.put("pinned", pinned);
            manifest.put("created_at", Instant.now().toString());
            manifest.putAll(info);
            manifest.put("files", files);
            byte[] body = JSON.writeValueAsBytes(manifest);
            writeFile(tmp.resolve(MANIFEST), out -> {
                out.write(body);
                out.write((TRAILER + sha256(body) + "\n").getBytes(StandardCharsets.US_ASCII));
            });
            fsync(tmp);
            Path target = root.resolve(name);
            move(tmp, target);
            fsync(root);
            Path pointer = root.resolve(LATEST + ".tmp");
            writeFile(pointer, out -> out.write((name + "\n").getBytes(StandardCharsets.US_ASCII)));
            move(pointer, root.resolve(LATEST));
            fsync(root);
            prune();
            return target;
        } catch (IOException e) {
            throw new PerennialException("cannot write a checkpoint in " + root + " (" + e.getMessage()
                    + "); free some disk space or choose another --out; the previous checkpoints are kept", e);
        }
    }

    /**
     * The newest checkpoint that verifies, or null when there is none. Each newer one that fails verification is
     * reported to {@code warnings} with the file at fault.
     */
    public Saved latest(Consumer<String> warnings) {
        List<Path> all = all();
        for (int i = all.size() - 1; i >= 0; i--) {
            try {
                return read(all.get(i));
            } catch (CorruptCheckpointException e) {
                warnings.accept(e.getMessage() + "; using the checkpoint before it");
            }
        }
        return null;
    }

    /** Every checkpoint directory, oldest first (temporary ones from interrupted writes excluded). */
    public List<Path> all() {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return out;
        }
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root)) {
            for (Path p : dirs) {
                if (NAME.matcher(p.getFileName().toString()).matches() && Files.isDirectory(p)) {
                    out.add(p);
                }
            }
        } catch (IOException e) {
            throw new PerennialException("cannot list " + root + ": " + e.getMessage());
        }
        out.sort(null);
        return out;
    }

    /** Reads and verifies one checkpoint directory; a problem is a {@link CorruptCheckpointException} naming the file. */
    public static Saved read(Path dir) {
        Map<String, Object> manifest = readManifest(dir);
        Object files = manifest.get("files");
        if (!(files instanceof Map<?, ?> fileMap) || !fileMap.containsKey(TENSORS) || !fileMap.containsKey(STATE)) {
            throw new CorruptCheckpointException(dir.resolve(MANIFEST), "lists no " + TENSORS + " and " + STATE);
        }
        for (Map.Entry<?, ?> e : fileMap.entrySet()) {
            verify(dir.resolve(String.valueOf(e.getKey())), e.getValue());
        }
        StateDict state = new StateDict();
        Path tensors = dir.resolve(TENSORS);
        try (NDManager m = NDManager.newBaseManager(); InputStream in = Files.newInputStream(tensors)) {
            for (NDArray a : NDList.decode(m, in)) {
                String key = a.getName();
                if (key.startsWith(NUMBER)) {
                    state.putNumber(key.substring(NUMBER.length()), a.toDoubleArray()[0]);
                } else {
                    state.putTensor(key, toHost(a));
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new CorruptCheckpointException(tensors, "cannot be decoded (" + e.getMessage() + ")");
        }
        Path stateFile = dir.resolve(STATE);
        try {
            Map<?, ?> scalars = JSON.readValue(stateFile.toFile(), Map.class);
            ((Map<?, ?>) scalars.get("counters")).forEach((k, v) -> state.putCounter((String) k, ((Number) v).longValue()));
            ((Map<?, ?>) scalars.get("texts")).forEach((k, v) -> state.putText((String) k, (String) v));
        } catch (IOException | RuntimeException e) {
            throw new CorruptCheckpointException(stateFile, "cannot be read (" + e.getMessage() + ")");
        }
        return new Saved(dir, ((Number) manifest.get("step")).longValue(), manifest, state);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> readManifest(Path dir) {
        Path file = dir.resolve(MANIFEST);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new CorruptCheckpointException(file, "is missing (the write was interrupted)");
        } catch (IOException e) {
            throw new CorruptCheckpointException(file, "cannot be read (" + e.getMessage() + ")");
        }
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        int at = text.lastIndexOf(TRAILER);
        if (at < 0 || !text.endsWith("\n")) {
            throw new CorruptCheckpointException(file, "is truncated (no checksum line)");
        }
        String expected = text.substring(at + TRAILER.length(), text.length() - 1);
        byte[] body = java.util.Arrays.copyOf(bytes, at);
        if (!sha256(body).equals(expected)) {
            throw new CorruptCheckpointException(file, "does not match its checksum");
        }
        try {
            Map<String, Object> manifest = JSON.readValue(body, Map.class);
            if (!Integer.valueOf(FORMAT).equals(manifest.get("format"))) {
                throw new CorruptCheckpointException(file, "has format " + manifest.get("format") + "; this Perennial reads format " + FORMAT);
            }
            return manifest;
        } catch (IOException e) {
            throw new CorruptCheckpointException(file, "is not valid JSON (" + e.getMessage() + ")");
        }
    }

    private static void verify(Path file, Object expected) {
        if (!(expected instanceof Map<?, ?> info)) {
            throw new CorruptCheckpointException(file, "has no size and checksum in the manifest");
        }
        try {
            long size = Files.size(file);
            if (size != ((Number) info.get("bytes")).longValue()) {
                throw new CorruptCheckpointException(file, "is " + size + " bytes, the manifest says " + info.get("bytes")
                        + " (truncated or overwritten)");
            }
            if (!sha256(Files.readAllBytes(file)).equals(info.get("sha256"))) {
                throw new CorruptCheckpointException(file, "does not match its checksum (corrupted)");
            }
        } catch (NoSuchFileException e) {
            throw new CorruptCheckpointException(file, "is missing");
        } catch (IOException e) {
            throw new CorruptCheckpointException(file, "cannot be read (" + e.getMessage() + ")");
        }
    }

    /** A checkpoint that cannot be used, and the file at fault. */
    public static final class CorruptCheckpointException extends PerennialException {
        CorruptCheckpointException(Path file, String problem) {
            super("checkpoint file " + file + " " + problem);
        }
    }

    // ----- writing

    @FunctionalInterface
    private interface Body {
        void write(OutputStream out) throws IOException;
    }

    /** Writes and fsyncs a file; returns its size and SHA-256 for the manifest. */
    private static Map<String, Object> writeFile(Path file, Body body) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            MessageDigest digest = digest();
            long[] size = {0};
            OutputStream raw = java.nio.channels.Channels.newOutputStream(channel);
            try (OutputStream out = new BufferedOutputStream(new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    digest.update(b, off, len);
                    size[0] += len;
                    raw.write(b, off, len);
                }
            }, 1 << 16)) {
                body.write(out);
                out.flush();
                channel.force(true);
            }
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("bytes", size[0]);
            info.put("sha256", HexFormat.of().formatHex(digest.digest()));
            return info;
        }
    }

    private static void encodeTensors(StateDict state, OutputStream out) throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            NDList list = new NDList();
            for (Map.Entry<String, StateDict.Tensor> e : state.tensors().entrySet()) {
                NDArray a = toDevice(m, e.getValue());
                a.setName(e.getKey());
                list.add(a);
            }
            for (Map.Entry<String, Object> e : state.scalars().entrySet()) {
                if (e.getValue() instanceof Double d) {
                    NDArray a = m.create(new double[] {d}, new Shape());
                    a.setName(NUMBER + e.getKey());
                    list.add(a);
                }
            }
            list.encode(out, NDList.Encoding.SAFETENSORS);
        }
    }

    private static Map<String, Object> scalars(StateDict state) {
        Map<String, Object> counters = new LinkedHashMap<>();
        Map<String, Object> texts = new LinkedHashMap<>();
        state.scalars().forEach((k, v) -> {
            if (v instanceof Long) {
                counters.put(k, v);
            } else if (v instanceof String) {
                texts.put(k, v);
            }
        });
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("counters", counters);
        out.put("texts", texts);
        return out;
    }

    static NDArray toDevice(NDManager m, StateDict.Tensor t) {
        Shape shape = new Shape(t.shape());
        return switch (t.type()) {
            case FLOAT32 -> m.create((float[]) t.data(), shape);
            case FLOAT64 -> m.create((double[]) t.data(), shape);
            case UINT8 -> m.create(ByteBuffer.wrap((byte[]) t.data()), shape, DataType.UINT8);
            case INT32 -> m.create((int[]) t.data(), shape);
            case INT64 -> m.create((long[]) t.data(), shape);
        };
    }

    static StateDict.Tensor toHost(NDArray a) {
        long[] shape = a.getShape().getShape();
        return switch (a.getDataType()) {
            case FLOAT32 -> new StateDict.Tensor(StateDict.Type.FLOAT32, shape, a.toFloatArray());
            case FLOAT64 -> new StateDict.Tensor(StateDict.Type.FLOAT64, shape, a.toDoubleArray());
            case UINT8 -> {
                ByteBuffer b = a.toByteBuffer().order(ByteOrder.nativeOrder());
                byte[] out = new byte[b.remaining()];
                b.get(out);
                yield new StateDict.Tensor(StateDict.Type.UINT8, shape, out);
            }
            case INT32 -> new StateDict.Tensor(StateDict.Type.INT32, shape, a.toIntArray());
            case INT64 -> new StateDict.Tensor(StateDict.Type.INT64, shape, a.toLongArray());
            default -> throw new IllegalArgumentException("tensor " + a.getName() + " has unsupported type " + a.getDataType());
        };
    }

    private int nextSequence() {
        int max = 0;
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root)) {
            for (Path p : dirs) {
                String n = p.getFileName().toString();
                Matcher m = NAME.matcher(n.startsWith(".tmp-") ? n.substring(5) : n);
                if (m.matches()) {
                    max = Math.max(max, Integer.parseInt(m.group(1)));
                }
            }
        } catch (IOException e) {
            throw new PerennialException("cannot list " + root + ": " + e.getMessage());
        }
        return max + 1;
    }

    /** Temporary directories of writes that a crash interrupted. */
    private void removeLeftovers() throws IOException {
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root, ".tmp-*")) {
            for (Path p : dirs) {
                deleteTree(p);
            }
        }
        Files.deleteIfExists(root.resolve(LATEST + ".tmp"));
    }

    /** Keeps the newest {@code keepLast} unpinned checkpoints (and every pinned one). */
    private void prune() throws IOException {
        List<Path> unpinned = new ArrayList<>();
        for (Path p : all()) {
            try {
                if (!Boolean.TRUE.equals(readManifest(p).get("pinned"))) {
                    unpinned.add(p);
                }
            } catch (CorruptCheckpointException e) {
                unpinned.add(p);
            }
        }
        for (int i = 0; i < unpinned.size() - keepLast; i++) {
            deleteTree(unpinned.get(i));
        }
    }

    /** Deletes every unpinned checkpoint (a finished run keeps only its pinned ones: the final state). */
    public void prunePinnedOnly() {
        try {
            for (Path p : all()) {
                boolean pinned;
                try {
                    pinned = Boolean.TRUE.equals(readManifest(p).get("pinned"));
                } catch (CorruptCheckpointException e) {
                    pinned = false;
                }
                if (!pinned) {
                    deleteTree(p);
                }
            }
        } catch (IOException e) {
            throw new PerennialException("cannot prune " + root + ": " + e.getMessage());
        }
    }

    /** Deletes every checkpoint (a run started again with --force). */
    public void clear() {
        try {
            if (Files.exists(root)) {
                deleteTree(root);
            }
        } catch (IOException e) {
            throw new PerennialException("cannot remove " + root + ": " + e.getMessage());
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the file system of " + to.getParent() + " cannot rename atomically", e);
        }
    }

    private static void fsync(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(digest().digest(bytes));
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
