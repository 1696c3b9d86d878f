package ai.perennial.cli.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a run's {@code metrics.jsonl} (one JSON object per line, appended and flushed line by line while the run
 * goes on) from a byte offset, so a reader that polls fetches only what was added since its last read.
 */
public final class MetricsLog {
    /** The file name every run writes in its output directory. */
    public static final String FILE = "metrics.jsonl";

    private static final ObjectMapper JSON = new ObjectMapper();

    private MetricsLog() {
    }

    /**
     * What one read found.
     *
     * @param records the complete lines from {@code from} on, parsed (a line that is not a JSON object is skipped)
     * @param from where the read started: the requested offset, or 0 when the file is shorter than it (rewritten)
     * @param next the offset after the last complete line read: where the next read starts
     * @param size the file's size when read; {@code next < size} means more is there (a partial line, or past the limit)
     */
    public record Chunk(List<JsonNode> records, long from, long next, long size) {
    }

    /**
     * The complete lines from byte {@code from}, at most about {@code limit} bytes of them (more when a single line is
     * longer). A trailing line without its newline is still being written: it is left for a later read.
     */
    public static Chunk read(Path file, long from, int limit) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            long start = from > size ? 0 : from;
            List<JsonNode> records = new ArrayList<>();
            long position = start;
            int want = limit;
            while (position < size) {
                ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(want, size - position));
                while (buffer.hasRemaining() && channel.read(buffer, position + buffer.position()) > 0) {
                    // FileChannel may return fewer bytes than asked; keep reading up to the size seen above
                }
                byte[] bytes = buffer.array();
                int end = buffer.position();
                int lastNewline = -1;
                for (int i = end - 1; i >= 0; i--) {
                    if (bytes[i] == '\n') {
                        lastNewline = i;
                        break;
                    }
                }
                if (lastNewline < 0) {
                    if (end == size - position) {
                        break; // only a partial line is left
                    }
                    want = Math.multiplyExact(want, 2); // one line longer than the limit: read on until its end
                    continue;
                }
                parseLines(bytes, lastNewline + 1, records);
                position += lastNewline + 1;
                break;
            }
            return new Chunk(records, start, position, size);
        }
    }

    private static void parseLines(byte[] bytes, int length, List<JsonNode> into) {
        int lineStart = 0;
        for (int i = 0; i < length; i++) {
            if (bytes[i] == '\n') {
                String line = new String(bytes, lineStart, i - lineStart, StandardCharsets.UTF_8).strip();
                lineStart = i + 1;
                if (line.isEmpty()) {
                    continue;
                }
                try {
                    JsonNode node = JSON.readTree(line);
                    if (node != null && node.isObject()) {
                        into.add(node);
                    }
                } catch (IOException e) {
                    // a damaged line (a run killed mid-write then resumed) must not hide the rest of the log
                }
            }
        }
    }
}
