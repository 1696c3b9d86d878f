package ai.perennial.cl.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.perennial.cl.run.ContinualRunner;
import ai.perennial.core.model.Parameter;
import ai.perennial.core.observe.RunLog;
import ai.perennial.core.observe.tensorboard.Event;
import ai.perennial.core.observe.tensorboard.Summary;
import ai.perennial.core.train.Trainer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tiny durable run, read back: metrics.jsonl line by line, and the TensorBoard event file by a reader of this test's own
 * (its own CRC32C, both checksums of every record checked, events decoded with the generated classes), against what
 * the run returned.
 */
class RunLogTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static Experiment tiny() {
        return Experiment.builder()
                .dataset("gaussian-clusters", Map.of("samples", 720, "features", 8, "classes", 6))
                .scenario("split", Map.of("classes_per_experience", 2))
                .model("mlp", Map.of("hidden", List.of(12)))
                .optimizer("adamw", Map.of("lr", 0.01, "schedule", "cosine"))
                .set("training", Map.of("epochs", 2, "batch_size", 16))
                .set("evaluation", Map.of("every_steps", 10, "subset_size", 40, "probe_size", 32))
                .build();
    }

    @Test
    void metricsLogAndEventFileHoldWhatTheRunMeasured(@TempDir Path dir) throws IOException {
        Path tb = dir.resolve("tb");
        Experiment experiment = tiny();
        ExperimentResult result = experiment.runDurably(experiment.buildScenario(), dir.resolve("run"), false,
                ContinualRunner.ProgressFactory.NONE, line -> { }, Map.of(), new Experiment.Recording("test", tb));

        List<JsonNode> lines = jsonLines(dir.resolve("run").resolve(RunLog.FILE));
        JsonNode start = lines.get(0);
        assertThat(start.get("kind").asText()).isEqualTo("start");
        assertThat(start.get("command").asText()).isEqualTo("test");
        assertThat(start.get("total_steps").asLong()).isEqualTo(3 * 2 * 13); // 3 experiences of 200 training samples, 2 epochs of 13 batches
        assertThat(start.at("/config/training/epochs").asInt()).isEqualTo(2);
        assertThat(lines.get(lines.size() - 1).get("kind").asText()).isEqualTo("end");
        assertThat(lines.get(lines.size() - 1).get("status").asText()).isEqualTo("finished");
        assertThat(lines).allSatisfy(l -> assertThat(l.get("time").asDouble()).isGreaterThan(1.7e9));

        // every loss report, at its global step, with its value
        List<Trainer.LossPoint> losses = result.result().losses();
        List<JsonNode> loss = scalars(lines, "train/loss");
        assertThat(loss).hasSameSizeAs(losses);
        for (int i = 0; i < losses.size(); i++) {
            assertThat(loss.get(i).get("step").asLong()).isEqualTo(losses.get(i).step());
            assertThat(loss.get(i).get("value").asDouble()).isEqualTo(losses.get(i).loss());
        }
        // cosine from 0.01 over the 78 steps: at step s, 0.005 (1 + cos(pi s / 78))
        for (JsonNode lr : scalars(lines, "train/learning_rate")) {
            long s = lr.get("step").asLong();
            assertThat(lr.get("value").asDouble()).isCloseTo(0.005 * (1 + Math.cos(Math.PI * s / 78)), within(1e-12));
        }
        // after each experience, its accuracy row and the matrix so far
        double[][] matrix = result.result().accuracyMatrix();
        List<JsonNode> matrices = lines.stream().filter(l -> l.get("kind").asText().equals("matrix")).toList();
        assertThat(matrices).hasSize(3);
        for (int i = 0; i < 3; i++) {
            JsonNode rows = matrices.get(i).get("rows");
            assertThat(rows).hasSize(i + 1);
            for (int j = 0; j < 3; j++) {
                assertThat(rows.get(i).get(j).asDouble()).isEqualTo(matrix[i][j]);
                JsonNode acc = scalars(lines, "eval/accuracy/exp_" + (j + 1)).get(i);
                assertThat(acc.get("value").asDouble()).isEqualTo(matrix[i][j]);
                assertThat(acc.get("step").asLong()).isEqualTo(result.result().endSteps()[i]);
            }
            assertThat(scalars(lines, "eval/average_accuracy").get(i).get("value").asDouble())
                    .isCloseTo(java.util.Arrays.stream(matrix[i], 0, i + 1).average().orElseThrow(), within(1e-12));
        }
        assertThat(matrices.get(2).get("score").asText()).isEqualTo("accuracy");
        assertThat(matrices.get(2).get("trained").toString()).isEqualTo("[0,1,2]");
        assertThat(scalars(lines, "continual/accuracy/exp_1")).hasSize(result.result().curve().size());
        assertThat(scalars(lines, "plasticity/online_accuracy")).hasSize(result.result().diagnostics().size());
        assertThat(scalars(lines, "metrics/bwt").get(0).get("value").asDouble()).isEqualTo(result.result().backwardTransfer());

        // the event file: the same scalars, a histogram of every weight after each experience, the matrix as a PNG
        List<Path> files;
        try (Stream<Path> list = Files.list(tb)) {
            files = list.toList();
        }
        assertThat(files).hasSize(1);
        assertThat(files.get(0).getFileName().toString()).startsWith("events.out.tfevents.");
        List<Event> events = readRecords(Files.readAllBytes(files.get(0)));
        assertThat(events.get(0).getFileVersion()).isEqualTo("brain.Event:2");
        Map<String, List<Event>> byTag = new LinkedHashMap<>();
        for (Event e : events.subList(1, events.size())) {
            assertThat(e.getSummary().getValueCount()).isEqualTo(1);
            byTag.computeIfAbsent(e.getSummary().getValue(0).getTag(), k -> new ArrayList<>()).add(e);
        }
        for (JsonNode s : lines.stream().filter(l -> l.get("kind").asText().equals("scalar")).toList()) {
            List<Event> same = byTag.get(s.get("tag").asText());
            assertThat(same).as(s.get("tag").asText()).isNotNull();
            assertThat(same).anySatisfy(e -> {
                assertThat(e.getStep()).isEqualTo(s.get("step").asLong());
                assertThat(e.getSummary().getValue(0).getValueCase()).isEqualTo(Summary.Value.ValueCase.SIMPLE_VALUE);
                assertThat(e.getSummary().getValue(0).getSimpleValue()).isEqualTo((float) s.get("value").asDouble());
            });
        }
        try (var run = experiment.open(experiment.buildScenario())) {
            for (Parameter p : run.model().parameters()) {
                List<Event> histograms = byTag.get("weights/" + p.name());
                assertThat(histograms).as(p.name()).hasSize(3);
                var h = histograms.get(2).getSummary().getValue(0).getHisto();
                assertThat(h.getNum()).isEqualTo(p.array().getShape().size());
                assertThat(h.getBucketList().stream().mapToDouble(Double::doubleValue).sum()).isEqualTo(h.getNum());
                assertThat(h.getBucketLimit(h.getBucketLimitCount() - 1)).isEqualTo(h.getMax());
            }
        }
        Summary.Image image = byTag.get("eval/accuracy_matrix").get(2).getSummary().getValue(0).getImage();
        BufferedImage png = ImageIO.read(new ByteArrayInputStream(image.getEncodedImageString().toByteArray()));
        assertThat(png.getWidth()).isEqualTo(image.getWidth()).isEqualTo(3 * 40);
        assertThat(png.getHeight()).isEqualTo(image.getHeight()).isEqualTo(3 * 40);
    }

    @Test
    void aResumedRunAppendsANewStartLine(@TempDir Path dir) throws IOException {
        Experiment first = Experiment.builder().config(tiny().config().resolved()).set("training.stop_after", 1).build();
        first.runDurably(first.buildScenario(), dir, false, ContinualRunner.ProgressFactory.NONE, line -> { }, Map.of(),
                new Experiment.Recording("run", null));
        Experiment rest = Experiment.builder().config(tiny().config().resolved()).build();
        rest.continueDurably(new ai.perennial.core.state.Checkpoints(dir, 1).latest(w -> { }), first.config(), dir,
                ContinualRunner.ProgressFactory.NONE, line -> { }, Map.of(), new Experiment.Recording("continue", null));
        List<JsonNode> lines = jsonLines(dir.resolve(RunLog.FILE));
        List<String> kinds = lines.stream().map(l -> l.get("kind").asText()).filter(k -> !k.equals("scalar")).toList();
        assertThat(kinds).containsExactly("start", "matrix", "end", "start", "matrix", "matrix", "end");
        assertThat(lines.get(lines.size() - 1).get("status").asText()).isEqualTo("finished");
        // nothing measured before the restart is logged twice
        assertThat(scalars(lines, "eval/average_accuracy")).hasSize(3);
        assertThat(Files.exists(dir.resolve(RunLog.TENSORBOARD_DIR))).isFalse();
    }

    static List<JsonNode> jsonLines(Path file) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            out.add(JSON.readTree(line));
        }
        return out;
    }

    static List<JsonNode> scalars(List<JsonNode> lines, String tag) {
        return lines.stream().filter(l -> l.get("kind").asText().equals("scalar") && l.get("tag").asText().equals(tag)).toList();
    }

    /** TFRecord framing read independently of the writer: length, its masked CRC, data, its masked CRC. */
    static List<Event> readRecords(byte[] file) throws IOException {
        ByteBuffer in = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        List<Event> out = new ArrayList<>();
        while (in.hasRemaining()) {
            byte[] header = new byte[8];
            in.get(header);
            int headerCrc = in.getInt();
            assertThat(headerCrc).as("length CRC of record " + out.size()).isEqualTo(masked(crc32c(header)));
            long length = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN).getLong();
            byte[] data = new byte[Math.toIntExact(length)];
            in.get(data);
            assertThat(in.getInt()).as("data CRC of record " + out.size()).isEqualTo(masked(crc32c(data)));
            out.add(Event.parseFrom(data));
        }
        return out;
    }

    @Test
    void theReadersCrcIsCrc32c() {
        // the standard check value of CRC-32C (Castagnoli)
        assertThat(crc32c("123456789".getBytes(java.nio.charset.StandardCharsets.US_ASCII))).isEqualTo(0xE3069283);
    }

    /** Bitwise CRC-32C: reflected polynomial 0x82F63B78, initial and final XOR 0xFFFFFFFF. */
    static int crc32c(byte[] data) {
        int crc = 0xFFFFFFFF;
        for (byte b : data) {
            crc ^= b & 0xFF;
            for (int k = 0; k < 8; k++) {
                crc = (crc & 1) != 0 ? (crc >>> 1) ^ 0x82F63B78 : crc >>> 1;
            }
        }
        return ~crc;
    }

    static int masked(int crc) {
        return Integer.rotateRight(crc, 15) + 0xa282ead8;
    }
}
