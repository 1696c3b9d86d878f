package ai.perennial.core.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.perennial.core.PerennialException;
import ai.perennial.core.observe.tensorboard.HistogramProto;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The metrics log's lines and the histogram's buckets, on hand-made inputs. */
class RunLogFormatTest {
    @Test
    void linesAreWholeJsonObjectsWithNullForWhatIsNotANumber(@TempDir Path dir) throws IOException {
        try (RunLog log = RunLog.open(dir, null)) {
            log.start("run", "naive on split, seed 1", Map.of("seed", 1), null);
            log.scalar("train/loss", 50, Double.NaN);
            log.scalar("train/loss", 100, 0.25);
            log.matrix(100, new double[][] {{0.5, Double.NaN}}, new int[] {0}, "accuracy");
            // a second process sees the lines before the log is closed
            List<String> lines = Files.readAllLines(dir.resolve(RunLog.FILE));
            assertThat(lines).hasSize(4);
            log.end("failed", "training loss became NaN");
        }
        ObjectMapper json = new ObjectMapper();
        List<String> lines = Files.readAllLines(dir.resolve(RunLog.FILE));
        JsonNode start = json.readTree(lines.get(0));
        assertThat(start.get("total_steps").isNull()).isTrue();
        assertThat(start.at("/config/seed").asInt()).isEqualTo(1);
        assertThat(json.readTree(lines.get(1)).get("value").isNull()).isTrue();
        assertThat(json.readTree(lines.get(2)).get("value").asDouble()).isEqualTo(0.25);
        assertThat(json.readTree(lines.get(3)).get("rows").toString()).isEqualTo("[[0.5,null]]");
        JsonNode end = json.readTree(lines.get(4));
        assertThat(end.get("status").asText()).isEqualTo("failed");
        assertThat(end.get("error").asText()).isEqualTo("training loss became NaN");
        assertThat(lines).allSatisfy(l -> assertThat(l).startsWith("{\"time\":"));
    }

    @Test
    void anUnwritableTensorBoardDirectoryIsReportedByName(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("taken"), "a file, not a directory");
        assertThatThrownBy(() -> RunLog.open(dir.resolve("run"), file.resolve("tb"))).isInstanceOf(PerennialException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("writable");
    }

    @Test
    void histogramBucketsCountEachValueOnceUpToTheirLimit() {
        HistogramProto h = EventFile.histogramOf(new float[] {0, 1, 2, 3, 3}, 3);
        assertThat(h.getMin()).isEqualTo(0);
        assertThat(h.getMax()).isEqualTo(3);
        assertThat(h.getNum()).isEqualTo(5);
        assertThat(h.getSum()).isEqualTo(9);
        assertThat(h.getSumSquares()).isEqualTo(23);
        assertThat(h.getBucketLimitList()).containsExactly(1.0, 2.0, 3.0);
        assertThat(h.getBucketList()).containsExactly(2.0, 1.0, 2.0); // (.., 1] holds 0 and 1; (2, 3] holds both 3s
        HistogramProto constant = EventFile.histogramOf(new float[] {0.5f, 0.5f}, 3);
        assertThat(constant.getBucketLimitList()).containsExactly(0.5);
        assertThat(constant.getBucketList()).containsExactly(2.0);
    }
}
