package ai.perennial.cli.theory;

import ai.perennial.theory.LinearTask;
import ai.perennial.theory.TaskCollection;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The NumPy side of {@code theory bench}: scripts/theory_numpy_bench.py (bundled in the jar) as worker processes, one per
 * BLAS thread count, serving the same instance and ordering as Perennial's runs so that timed runs of both can alternate.
 */
final class NumPyReference implements AutoCloseable {
    /** A worker's failure: the bench reports it in one line and goes on without NumPy. */
    static final class Failure extends RuntimeException {
        Failure(String message) {
            super(message);
        }
    }

    /** One Python process with a fixed OPENBLAS_NUM_THREADS. */
    static final class Worker {
        final int threads;
        final Process process;
        final BufferedReader out;
        final Writer in;
        final Path errors;
        JsonNode info;

        Worker(int threads, Process process, Path errors) {
            this.threads = threads;
            this.process = process;
            this.errors = errors;
            out = process.inputReader(StandardCharsets.UTF_8);
            in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        }

        String ask(String command) {
            try {
                in.write(command + "\n");
                in.flush();
                String reply = out.readLine();
                if (reply == null || reply.startsWith("error")) {
                    throw new Failure("the NumPy worker (" + threads + " thread" + (threads == 1 ? "" : "s") + ") "
                            + (reply == null ? "exited" : reply) + lastError());
                }
                return reply;
            } catch (IOException e) {
                throw new Failure("the NumPy worker stopped answering (" + e.getMessage() + ")" + lastError());
            }
        }

        private String lastError() {
            try {
                List<String> lines = Files.exists(errors) ? Files.readAllLines(errors) : List.of();
                return lines.isEmpty() ? "" : ": " + lines.get(lines.size() - 1).strip();
            } catch (IOException e) {
                return "";
            }
        }
    }

    private final Path dir;
    private final List<Worker> workers = new ArrayList<>();

    private NumPyReference(Path dir) {
        this.dir = dir;
    }

    /**
     * Why NumPy cannot be used ({@code python} missing, or {@code import numpy} failing), or null when it can.
     */
    static String unavailable(String python) {
        try {
            Process p = new ProcessBuilder(python, "-c", "import numpy").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "'" + python + " -c \"import numpy\"' did not finish within 60 s";
            }
            return p.exitValue() == 0 ? null : python + " has no NumPy ('import numpy' failed)";
        } catch (IOException e) {
            return python.contains("/") ? "cannot run " + python : "no " + python + " on the PATH";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    /**
     * Writes the collection's factors and {@code order} to a temporary directory and starts one worker per thread
     * count; the gd learner's step size is {@code eta}, ridge's λ {@code lambda}, gd's K {@code steps}.
     */
    static NumPyReference start(String python, TaskCollection c, int[] order, double lambda, long steps, double eta,
            int... threadCounts) throws IOException {
        NumPyReference ref = new NumPyReference(Files.createTempDirectory("perennial-numpy-bench"));
        try {
            Path script = ref.dir.resolve("theory_numpy_bench.py");
            try (InputStream s = NumPyReference.class.getResourceAsStream("theory_numpy_bench.py")) {
                if (s == null) {
                    throw new Failure("theory_numpy_bench.py is missing from the jar (rebuild with mvn package)");
                }
                Files.copy(s, script);
            }
            writeFactors(c, ref.dir.resolve("factors.bin"));
            writeOrder(order, ref.dir.resolve("order.bin"));
            for (int threads : threadCounts) {
                Path errors = ref.dir.resolve("worker-" + threads + ".err");
                ProcessBuilder b = new ProcessBuilder(python, script.toString(), "--worker", ref.dir.toString(),
                        "--lam", Double.toString(lambda), "--steps", Long.toString(steps), "--eta", Double.toString(eta))
                        .redirectError(errors.toFile());
                for (String variable : List.of("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")) {
                    b.environment().put(variable, Integer.toString(threads));
                }
                ref.workers.add(new Worker(threads, b.start(), errors));
            }
            for (Worker w : ref.workers) {
                String ready = w.out.readLine();
                if (ready == null || !ready.startsWith("ready ")) {
                    throw new Failure("the NumPy worker did not start" + (ready == null ? "" : " (" + ready + ")") + w.lastError());
                }
                w.info = new ObjectMapper().readTree(ready.substring("ready ".length()));
            }
            return ref;
        } catch (IOException | RuntimeException e) {
            ref.close();
            throw e;
        }
    }

    List<Worker> workers() {
        return workers;
    }

    /** e.g. {@code NumPy 2.4.6 (Python 3.11.7, scipy-openblas 0.3.31)}. */
    String describe() {
        JsonNode info = workers.get(0).info;
        return String.format(Locale.ROOT, "NumPy %s (Python %s, %s)", info.path("numpy_version").asText(), info.path("python").asText(),
                info.path("blas").asText());
    }

    /** Runs the first {@code iterations} entries of the order from w = 0 on the first worker; returns NumPy's w. */
    double[] check(String learner, String form, int iterations) {
        workers.get(0).ask("check " + learner + " " + form + " " + iterations);
        try {
            ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(dir.resolve("w.bin"))).order(ByteOrder.LITTLE_ENDIAN);
            double[] w = new double[bytes.remaining() / Double.BYTES];
            bytes.asDoubleBuffer().get(w);
            return w;
        } catch (IOException e) {
            throw new Failure("could not read NumPy's weights (" + e.getMessage() + ")");
        }
    }

    /** Iterations per second of wall-clock and of CPU time (all threads) of one timed NumPy run on {@code worker}. */
    static double[] time(Worker worker, String learner, String form, int iterations) {
        String reply = worker.ask("time " + learner + " " + form + " " + iterations);
        try {
            String[] p = reply.split(" ");
            return new double[] {Double.parseDouble(p[1]), Double.parseDouble(p[2])};
        } catch (RuntimeException e) {
            throw new Failure("unexpected reply from the NumPy worker: " + reply);
        }
    }

    /** factors.bin: d, T, then per task r, V (r × d, row-major), s (r), c (r); float64 little-endian. */
    private static void writeFactors(TaskCollection c, Path file) throws IOException {
        int d = c.dim();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(Double.BYTES * (2 + d)).order(ByteOrder.LITTLE_ENDIAN);
            b.putDouble(d).putDouble(c.size()).flip();
            write(ch, b);
            for (LinearTask task : c.tasks()) {
                int r = task.rank();
                b.clear();
                b.putDouble(r).flip();
                write(ch, b);
                for (int i = 0; i < r; i++) {
                    b.clear();
                    for (double v : task.direction(i)) {
                        b.putDouble(v);
                    }
                    b.flip();
                    write(ch, b);
                }
                for (int i = 0; i < r; i++) {
                    b.clear();
                    b.putDouble(task.singularValue(i)).flip();
                    write(ch, b);
                }
                for (int i = 0; i < r; i++) {
                    b.clear();
                    b.putDouble(task.projectedTarget(i)).flip();
                    write(ch, b);
                }
            }
        }
    }

    private static void writeOrder(int[] order, Path file) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(Integer.BYTES * order.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asIntBuffer().put(order);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            write(ch, b);
        }
    }

    private static void write(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    @Override
    public void close() {
        for (Worker w : workers) {
            try {
                w.in.write("quit\n");
                w.in.flush();
            } catch (IOException e) {
                // already gone
            }
            try {
                if (!w.process.waitFor(10, TimeUnit.SECONDS)) {
                    w.process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                w.process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a leftover temporary directory is harmless
        }
    }
}
