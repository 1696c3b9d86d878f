package ai.perennial.core.run;

import ai.perennial.core.PerennialException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/** Writes result records as pretty JSON, atomically (temp file + rename) so a crash never leaves half a file. */
public final class ResultWriter {
    public static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

    private ResultWriter() {
    }

    /** {@code value} as pretty JSON text. */
    public static String toJson(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialize " + value.getClass().getSimpleName(), e);
        }
    }

    /** {@code value} as pretty JSON in {@code dir/fileName}, written atomically. */
    public static Path write(Path dir, String fileName, Object value) {
        return writeText(dir.resolve(fileName), toJson(value));
    }

    /**
     * Writes {@code text} to {@code file} atomically: into a temporary file beside it, flushed to the disk, then renamed
     * over the target, so a crash or a full disk leaves either the old file or the new one, never a part, and no
     * temporary file behind.
     */
    public static Path writeText(Path file, String text) {
        return writeBytes(file, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Writes {@code content} to {@code file} atomically, like {@link #writeText}. */
    public static Path writeBytes(Path file, byte[] content) {
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer bytes = ByteBuffer.wrap(content);
                while (bytes.hasRemaining()) {
                    channel.write(bytes);
                }
                channel.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return file;
        } catch (IOException e) {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the message below is what matters
                }
            }
            throw new PerennialException("cannot write " + file + " (" + e.getMessage() + "); free some space or choose a writable --out", e);
        }
    }
}
