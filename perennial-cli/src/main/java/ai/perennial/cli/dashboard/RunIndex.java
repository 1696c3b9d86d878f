package ai.perennial.cli.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.FileVisitResult;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The runs under a directory: every {@code metrics.jsonl} found up to {@link #DEPTH} levels down (symbolic links are
 * not followed), each summed up from its log. Each log is read once; later scans read only what was appended.
 */
public final class RunIndex {
    /** How deep runs are looked for: compare writes DIR/STRATEGY/seed-N, and RUNS_DIR may hold several compares. */
    static final int DEPTH = 6;

    /** Bytes of a log read per scan and per request, so one huge log cannot hold up the others. */
    static final int READ_LIMIT = 4 << 20;

    private final Path root;
    private final Duration staleAfter;
    private final Map<String, Run> runs = new HashMap<>();

    /**
     * @param staleAfter a log without an end line and not modified for this long belongs to a run that died without
     *     saying so (killed hard, machine lost): shown as stale rather than running
     */
    public RunIndex(Path root, Duration staleAfter) throws IOException {
        this.root = root.toRealPath(); // RUNS_DIR may itself be a link; the walk does not follow links below it
        this.staleAfter = staleAfter;
    }

    /** What the run list shows of one run. */
    public record Summary(String id, String name, String command, String status, String error, Long totalSteps, Long lastStep,
            Double averageAccuracy, double started, double updated, long bytes) {
    }

    /** Every run found now, the most recently started first. */
    public synchronized List<Summary> scan() throws IOException {
        Map<String, Path> found = new HashMap<>();
        Files.walkFileTree(root, Set.of(), DEPTH, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                // attributes of the entry itself (links are not followed): a link named metrics.jsonl is not a run
                if (attributes.isRegularFile() && file.getFileName().toString().equals(MetricsLog.FILE)) {
                    found.put(id(file.getParent()), file);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                return FileVisitResult.CONTINUE; // an unreadable directory hides its own runs, not the others
            }
        });
        runs.keySet().retainAll(found.keySet());
        List<Summary> list = new ArrayList<>();
        long now = System.currentTimeMillis();
        for (Map.Entry<String, Path> e : found.entrySet()) {
            Run run = runs.computeIfAbsent(e.getKey(), id -> new Run(id, e.getValue()));
            try {
                run.catchUp();
                list.add(run.summary(now, staleAfter));
            } catch (NoSuchFileException gone) {
                runs.remove(e.getKey()); // removed between the walk and the read
            }
        }
        list.sort(Comparator.comparingDouble(Summary::started).reversed().thenComparing(Summary::id));
        return list;
    }

    /**
     * The log of the run {@code id} names, if a scan found it and its real path is still inside the runs directory.
     * Only ids the scan produced are looked up, so no text from a request ever becomes a path.
     */
    public synchronized Optional<Path> log(String id) throws IOException {
        if (!runs.containsKey(id)) {
            scan();
        }
        Run run = runs.get(id);
        if (run == null) {
            return Optional.empty();
        }
        try {
            // a directory replaced by a link after the scan must not lead out of RUNS_DIR
            Path real = run.file.toRealPath();
            return real.startsWith(root) && Files.isRegularFile(real) ? Optional.of(real) : Optional.empty();
        } catch (NoSuchFileException gone) {
            return Optional.empty();
        }
    }

    /** A run's id: its directory relative to the runs directory, with '/' between names ("." for the directory itself). */
    private String id(Path dir) {
        Path relative = root.relativize(dir);
        String id = relative.toString().replace(relative.getFileSystem().getSeparator(), "/");
        return id.isEmpty() ? "." : id;
    }

    /** One run's summary so far, and where its log was read up to. */
    private static final class Run {
        final String id;
        final Path file;
        long offset;
        long bytes;
        String name;
        String command;
        Long totalSteps;
        Long lastStep;
        Double averageAccuracy;
        String status;
        String error;
        double started;
        double lastTime;

        Run(String id, Path file) {
            this.id = id;
            this.file = file;
            this.name = id;
        }

        void catchUp() throws IOException {
            MetricsLog.Chunk chunk;
            do {
                chunk = MetricsLog.read(file, offset, READ_LIMIT);
                if (chunk.from() != offset) {
                    reset(); // shorter than what was read: the log was rewritten
                }
                for (JsonNode r : chunk.records()) {
                    add(r);
                }
                offset = chunk.next();
                bytes = chunk.size();
            } while (chunk.next() > chunk.from() && chunk.next() < chunk.size()); // more than one read's limit was appended
        }

        private void reset() {
            name = id;
            command = null;
            totalSteps = lastStep = null;
            averageAccuracy = null;
            status = error = null;
            started = lastTime = 0;
        }

        private void add(JsonNode r) {
            double time = r.path("time").asDouble(0);
            lastTime = Math.max(lastTime, time);
            switch (r.path("kind").asText("")) {
                case "start" -> {
                    if (r.hasNonNull("name")) {
                        name = r.get("name").asText();
                    }
                    command = r.path("command").asText(null);
                    totalSteps = r.path("total_steps").isIntegralNumber() ? r.get("total_steps").asLong() : null;
                    started = time;
                    status = error = null; // a resumed run goes on after its earlier end line
                }
                case "scalar" -> {
                    if (r.path("step").isIntegralNumber()) {
                        lastStep = lastStep == null ? r.get("step").asLong() : Math.max(lastStep, r.get("step").asLong());
                    }
                    if ("eval/average_accuracy".equals(r.path("tag").asText()) && r.path("value").isNumber()) {
                        averageAccuracy = r.get("value").asDouble();
                    }
                }
                case "end" -> {
                    status = r.path("status").asText("finished");
                    error = r.hasNonNull("error") ? r.get("error").asText() : null;
                }
                default -> {
                }
            }
        }

        Summary summary(long nowMillis, Duration staleAfter) throws IOException {
            String shown = status;
            if (shown == null) {
                long modified = Files.readAttributes(file, BasicFileAttributes.class).lastModifiedTime().toMillis();
                shown = nowMillis - modified > staleAfter.toMillis() ? "stale" : "running";
            }
            return new Summary(id, name, command, shown, error, totalSteps, lastStep, averageAccuracy, started, lastTime, bytes);
        }
    }
}
