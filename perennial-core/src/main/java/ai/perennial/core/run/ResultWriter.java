package ai.perennial.core.run;

import ai.perennial.core.PerennialException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

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

    public static Path write(Path dir, String fileName, Object value) {
        try {
            Files.createDirectories(dir);
            Path target = dir.resolve(fileName);
            Path tmp = Files.createTempFile(dir, fileName, ".tmp");
            JSON.writeValue(tmp.toFile(), value);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return target;
        } catch (IOException e) {
            throw new PerennialException("cannot write " + dir.resolve(fileName) + " (" + e.getMessage()
                    + "); choose a writable --out directory", e);
        }
    }
}
