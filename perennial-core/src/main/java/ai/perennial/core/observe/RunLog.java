package ai.perennial.core.observe;

import ai.perennial.core.model.Parameter;
import ai.perennial.core.registry.Param;
import ai.perennial.core.schedule.Schedule;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What a run records while it goes, for live views: {@code metrics.jsonl} in the run's directory, always, and TensorBoard
 * event files when asked. The metrics log is append-only JSON lines, each written to the OS as one write, so another
 * process (the dashboard) sees it at once; a resumed run appends a new {@code start} line. Every line has {@code time}
 * (seconds since the epoch) and {@code kind}:
 * <pre>
 * start   command, name, config, total_steps (null when unknown)
 * scalar  tag, step, value (null for NaN or infinite); the same tags and values go to TensorBoard
 * matrix  step, rows (null: not measured), trained (0-based experience indices), score
 * end     status (finished, failed, stopped), error (when failed)
 * </pre>
 * A run killed hard has no {@code end} line.
 */
public final class RunLog implements AutoCloseable {
    public static final String FILE = "metrics.jsonl";
    /** Where {@code logging.tensorboard: true} puts the event files, inside the run's directory. */
    public static final String TENSORBOARD_DIR = "tensorboard";
    public static final Param<Boolean> TENSORBOARD = Param.flag("tensorboard", false,
            "also write TensorBoard event files (scalars, weight histograms, the accuracy matrix as an image) to RUN_DIR/"
                    + TENSORBOARD_DIR + "; --tensorboard DIR puts them elsewhere");
    /** The {@code logging} section of a run's config. */
    public static final List<Param<?>> PARAMS = List.of(TENSORBOARD);
    static final int HISTOGRAM_BUCKETS = 30;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final FileOutputStream out;
    private final EventFile events;

    private RunLog(Path file, FileOutputStream out, EventFile events) {
        this.file = file;
        this.out = out;
        this.events = events;
    }

    /**
     * Opens {@code runDir/metrics.jsonl} for appending and, when {@code tensorboard} is not null, a new event file there.
     * Fails with a message naming the directory when either cannot be written, before any training.
     */
    public static RunLog open(Path runDir, Path tensorboard) {
        // the event file first: when it cannot be written, the metrics log is left as it was
        EventFile events = tensorboard == null ? null : EventFile.create(tensorboard);
        Path file = runDir.resolve(FILE);
        try {
            Files.createDirectories(runDir);
            return new RunLog(file, new FileOutputStream(file.toFile(), true), events);
        } catch (IOException e) {
            if (events != null) {
                events.close();
            }
            throw EventFile.cannotWrite(file, e);
        }
    }

    public void start(String command, String name, Map<String, Object> config, Long totalSteps) {
        ObjectNode line = line("start");
        line.put("command", command);
        line.put("name", name);
        line.set("config", JSON.valueToTree(config));
        if (totalSteps == null) {
            line.putNull("total_steps");
        } else {
            line.put("total_steps", totalSteps);
        }
        write(line);
    }

    public void scalar(String tag, long step, double value) {
        ObjectNode line = line("scalar");
        line.put("tag", tag);
        line.put("step", step);
        number(line, "value", value);
        write(line);
        if (events != null && Double.isFinite(value)) {
            events.scalar(tag, step, value);
        }
    }

    /**
     * A training-progress report at global step {@code step}: the mean loss since the previous one and, when the schedule
     * is known (not null), the learning rate.
     */
    public void trainingReport(long step, double meanLoss, Schedule learningRate) {
        scalar("train/loss", step, meanLoss);
        if (learningRate != null) {
            scalar("train/learning_rate", step, learningRate.at(step));
        }
    }

    /** Each weight's values as a histogram, tagged {@code weights/NAME} (TensorBoard only; one read-back per weight). */
    public void weights(long step, List<Parameter> parameters) {
        if (events != null) {
            for (Parameter p : parameters) {
                events.histogram("weights/" + p.name(), step, p.array().toFloatArray(), HISTOGRAM_BUCKETS);
            }
        }
    }

    /**
     * The evaluation after a training round: the newest row of the score matrix as {@code eval/accuracy/exp_J} (J from 1,
     * whatever the score), its mean over the experiences trained so far as {@code eval/average_accuracy}, and the matrix
     * so far ({@link #matrix}). {@code trained[i]} is the experience round i trained (0-based).
     */
    public void evaluation(long step, double[][] rows, int[] trained, String score) {
        double[] row = rows[rows.length - 1];
        int current = java.util.Arrays.stream(trained).max().orElse(0);
        double seen = 0;
        int count = 0;
        for (int j = 0; j < row.length; j++) {
            if (Double.isFinite(row[j])) {
                scalar("eval/accuracy/exp_" + (j + 1), step, row[j]);
                if (j <= current) {
                    seen += row[j];
                    count++;
                }
            }
        }
        scalar("eval/average_accuracy", step, count == 0 ? Double.NaN : seen / count);
        matrix(step, rows, trained, score);
    }

    /** The score matrix so far (NaN: not measured); in TensorBoard as an image, {@code eval/accuracy_matrix}. */
    public void matrix(long step, double[][] rows, int[] trained, String score) {
        ObjectNode line = line("matrix");
        line.put("step", step);
        ArrayNode rowsNode = line.putArray("rows");
        for (double[] row : rows) {
            ArrayNode r = rowsNode.addArray();
            for (double v : row) {
                if (Double.isFinite(v)) {
                    r.add(v);
                } else {
                    r.addNull();
                }
            }
        }
        ArrayNode t = line.putArray("trained");
        for (int i : trained) {
            t.add(i);
        }
        line.put("score", score);
        write(line);
        if (events != null && rows.length > 0) {
            events.image("eval/accuracy_matrix", step, MatrixImage.render(rows));
        }
    }

    /** The last line: {@code status} is finished, failed (with {@code error}) or stopped. */
    public void end(String status, String error) {
        ObjectNode line = line("end");
        line.put("status", status);
        if (error != null) {
            line.put("error", error);
        }
        write(line);
        if (events != null) {
            events.flush();
        }
    }

    @Override
    public void close() {
        try {
            if (events != null) {
                events.close();
            }
        } finally {
            closeQuietly(out);
        }
    }

    private static ObjectNode line(String kind) {
        ObjectNode line = JSON.createObjectNode();
        line.put("time", System.currentTimeMillis() / 1000.0);
        line.put("kind", kind);
        return line;
    }

    private static void number(ObjectNode line, String key, double value) {
        if (Double.isFinite(value)) {
            line.put(key, value);
        } else {
            line.putNull(key);
        }
    }

    private void write(ObjectNode line) {
        try {
            // one write per line, unbuffered: a reader sees whole lines as soon as they exist
            out.write((JSON.writeValueAsString(line) + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw EventFile.cannotWrite(file, e);
        }
    }

    private static void closeQuietly(FileOutputStream out) {
        try {
            out.close();
        } catch (IOException e) { // nothing is buffered; the lines are already with the OS
        }
    }
}
