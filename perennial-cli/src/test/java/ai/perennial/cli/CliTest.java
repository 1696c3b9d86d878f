package ai.perennial.cli;

import ai.perennial.core.optim.Optimizers;
import ai.perennial.core.registry.Registry;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.assertj.core.api.Assertions.assertThat;

/** The command line as a user meets it: exit codes, one-line errors, help, and a small real run. */
class CliTest {
    @TempDir
    Path dir;

    record Outcome(int code, String out, String err) {
    }

    static Outcome run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.execute(args);
            return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    static void assertOneLineError(Outcome o, String... fragments) {
        assertThat(o.code()).isNotZero();
        String[] lines = o.err().strip().split("\n");
        assertThat(lines).as("stderr: %s", o.err()).hasSize(1);
        assertThat(lines[0]).startsWith("error: ").contains(fragments).doesNotContain("Exception", "\tat ");
    }

    @Test
    void missingDatasetDirectory() {
        Outcome o = run("train", "--data-dir", dir.resolve("nowhere").toString(), "--out", dir.resolve("o").toString());
        assertOneLineError(o, "does not exist", "apt-get install dataset-fashion-mnist", "--data-dir");
    }

    @Test
    void truncatedIdxFile() throws IOException {
        Path data = dir.resolve("data");
        Files.createDirectories(data);
        writeIdx(data, "train", 20);
        writeIdx(data, "t10k", 10);
        Path images = data.resolve("train-images-idx3-ubyte");
        byte[] bytes = Files.readAllBytes(images);
        Files.write(images, java.util.Arrays.copyOf(bytes, bytes.length - 100));
        Outcome o = run("train", "--dataset", "idx", "--data-dir", data.toString(), "--out", dir.resolve("o").toString());
        assertOneLineError(o, images.toString(), "truncated payload", "reinstall");
    }

    @Test
    void corruptGzippedIdxFile() throws IOException {
        Path data = dir.resolve("data");
        Files.createDirectories(data);
        writeIdx(data, "train", 20);
        writeIdx(data, "t10k", 10);
        Path gz = data.resolve("t10k-labels-idx1-ubyte.gz");
        Files.delete(data.resolve("t10k-labels-idx1-ubyte"));
        Files.write(gz, new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6, 7});
        Outcome o = run("train", "--dataset", "idx", "--data-dir", data.toString(), "--out", dir.resolve("o").toString());
        assertOneLineError(o, gz.toString());
    }

    @Test
    void unknownOptimizer() {
        Outcome o = run("train", "--dataset", "gaussian-clusters", "--optimizer", "adamx", "--out", dir.toString());
        assertOneLineError(o, "--optimizer: unknown optimizer 'adamx'", "adamw");
    }

    @Test
    void negativeLearningRate() {
        Outcome o = run("train", "--dataset", "gaussian-clusters", "--lr", "-1", "--out", dir.toString());
        assertOneLineError(o, "--lr: must be > 0, got '-1'");
    }

    @Test
    void unknownOptionAndBadNumber() {
        assertOneLineError(run("train", "--epochz", "2", "--out", dir.toString()), "--epochz", "--help");
        assertOneLineError(run("train", "--lr", "fast", "--out", dir.toString()), "--lr: expected a number, got 'fast'");
        assertOneLineError(run("train", "--optimizer", "sgd", "--beta1", "0.5", "--out", dir.toString()),
                "--beta1: unknown parameter of optimizer sgd; it takes momentum");
    }

    @Test
    void schedulePlotWritesPngAndSvgAndRejectsBadSpecs() throws IOException {
        Path png = dir.resolve("wsd.png");
        Outcome o = run("schedule", "plot", "--schedule", "wsd:warmup=50,decay=200", "--steps", "1000", "--out", png.toString());
        assertThat(o.code()).as(o.err()).isZero();
        byte[] bytes = Files.readAllBytes(png);
        assertThat(bytes.length).isGreaterThan(1000);
        assertThat(new String(bytes, 1, 3, StandardCharsets.US_ASCII)).isEqualTo("PNG");
        Path svg = dir.resolve("rex.svg");
        assertThat(run("schedule", "plot", "--schedule", "rex", "--out", svg.toString()).code()).isZero();
        assertThat(Files.readString(svg)).startsWith("<svg").contains("polyline");
        assertOneLineError(run("schedule", "plot", "--schedule", "cosine:peek=1", "--out", png.toString()), "cosine.peek: unknown parameter of schedule cosine");
        assertOneLineError(run("train", "--schedule", "wsd:shape=cubic", "--out", dir.toString()),
                "wsd.shape: must be one of linear, sqrt, cosine, got 'cubic'");
    }

    @Test
    void helpOnEveryCommand() {
        List<List<String>> commands = new ArrayList<>();
        collect(Main.commandLine(), new ArrayList<>(), commands);
        assertThat(commands).hasSizeGreaterThanOrEqualTo(17); // every command and subcommand, found from Main itself
        for (List<String> command : commands) {
            List<String> args = new ArrayList<>(command);
            args.add("--help");
            Outcome o = run(args.toArray(String[]::new));
            assertThat(o.code()).as(String.join(" ", args)).isZero();
            assertThat(o.out()).as(String.join(" ", args)).contains("Usage: perennial " + String.join(" ", command).trim());
            assertThat(o.err()).isEmpty();
        }
        // derived from the registry: every optimizer, and every recipe's parameters as flags
        String train = run("train", "--help").out();
        for (String name : Registry.global().names(Optimizers.KIND)) {
            assertThat(train).contains(name);
        }
        assertThat(train).contains("--optimizer", "--lr", "--data-dir", "--out", "--beta1", "--weight-decay", "--temperature", "--sam-rho");
    }

    private static void collect(picocli.CommandLine cli, List<String> path, List<List<String>> out) {
        out.add(List.copyOf(path));
        String[] description = cli.getCommandSpec().usageMessage().description();
        // the first line is the command's summary in its parent's list: a whole sentence, not a fragment
        assertThat(description.length > 0 ? description[0] : "").as("summary of %s", path).matches("[A-Z].*[.:)]");
        for (var e : cli.getSubcommands().entrySet()) {
            if (!e.getKey().equals("help")) {
                List<String> next = new ArrayList<>(path);
                next.add(e.getKey());
                collect(e.getValue(), next, out);
            }
        }
    }

    @Test
    void smallRunWritesResultWithProvenance() throws IOException {
        Path out = dir.resolve("run");
        Outcome o = run("train", "--dataset", "gaussian-clusters", "--hidden", "32", "--optimizer", "momentum", "--lr", "0.05",
                "--epochs", "2", "--batch-size", "64", "--seed", "3", "--schedule", "cosine", "--warmup-steps", "5", "--out", out.toString());
        assertThat(o.code()).as(o.err()).isZero();
        JsonNode result = new ObjectMapper().readTree(out.resolve("result.json").toFile());
        for (String key : new String[] {"test_accuracy", "train_loss", "steps", "wall_seconds", "samples_per_second", "provenance"}) {
            assertThat(result.has(key)).as(key).isTrue();
        }
        assertThat(result.get("test_accuracy").asDouble()).isGreaterThan(0.9);
        assertThat(result.get("steps").asLong()).isEqualTo(2 * 79); // ceil(5000 / 64) per epoch
        JsonNode provenance = result.get("provenance");
        assertThat(provenance.get("seed").asLong()).isEqualTo(3);
        assertThat(provenance.get("config").get("optimizer").get("name").asText()).isEqualTo("momentum");
        assertThat(provenance.get("config").get("optimizer").get("momentum").asDouble()).isEqualTo(0.9);
        assertThat(provenance.get("versions").get("engine").asText()).startsWith("PyTorch 2.7.1");
        assertThat(provenance.get("versions").get("java").asText()).startsWith("17");
        assertThat(provenance.get("command").asText()).startsWith("perennial train --dataset gaussian-clusters");
        assertThat(o.err()).contains("train step " + (2 * 79) + "/" + (2 * 79));
    }

    @Test
    void samWithAveragingAndANormLogFeedsARefinedScheduleRun() throws IOException {
        Path first = dir.resolve("first");
        Outcome o = run("train", "--dataset", "gaussian-clusters", "--hidden", "32", "--optimizer", "momentum", "--lr", "0.05",
                "--sam-rho", "0.05", "--clip-norm", "5", "--decay-mask", "weights", "--weight-decay", "1e-4", "--average", "swa:start=20,every=5",
                "--log-grad-norms", "--seed", "3", "--out", first.toString());
        assertThat(o.code()).as(o.err()).isZero();
        JsonNode result = new ObjectMapper().readTree(first.resolve("result.json").toFile());
        assertThat(result.get("test_accuracy").asDouble()).isGreaterThan(0.9);
        assertThat(result.get("test_accuracy_averaged").asDouble()).isGreaterThan(0.9);
        assertThat(Files.readAllLines(first.resolve("grad_norms.csv"))).hasSize(1 + 4); // ceil(5000 / 128) = 40 steps in blocks of 10
        String spec = "refined:file=" + first.resolve("grad_norms.csv");
        Outcome refined = run("train", "--dataset", "gaussian-clusters", "--hidden", "32", "--optimizer", "momentum", "--lr", "0.05",
                "--schedule", spec, "--out", dir.resolve("second").toString());
        assertThat(refined.code()).as(refined.err()).isZero();
        Outcome constant = run("train", "--dataset", "gaussian-clusters", "--hidden", "32", "--optimizer", "momentum", "--lr", "0.05",
                "--out", dir.resolve("third").toString());
        JsonNode second = new ObjectMapper().readTree(dir.resolve("second/result.json").toFile());
        JsonNode third = new ObjectMapper().readTree(dir.resolve("third/result.json").toFile());
        assertThat(second.at("/provenance/config/optimizer/schedule").asText()).isEqualTo(spec);
        // the same run under the constant rate trains differently: the refined schedule was really used
        assertThat(second.get("train_loss").asDouble()).isNotEqualTo(third.get("train_loss").asDouble());
        assertThat(constant.code()).isZero();
        assertOneLineError(run("train", "--dataset", "gaussian-clusters", "--average", "swa:20", "--out", dir.toString()),
                "expected key=value, got '20'");
        assertOneLineError(run("train", "--dataset", "gaussian-clusters", "--decay-mask", "biases", "--out", dir.toString()),
                "--decay-mask: must be one of all, weights, got 'biases'");
    }

    @Test
    void lowRankTrainingReportsItsSmallerOptimizerState() throws IOException {
        long[] bytes = new long[3];
        String[][] flags = {{}, {"--galore-rank", "8", "--galore-scale", "1", "--galore-interval", "10"},
            {"--plumage-rank", "8", "--plumage-interval", "10"}};
        for (int i = 0; i < flags.length; i++) {
            List<String> args = new ArrayList<>(List.of("train", "--dataset", "gaussian-clusters", "--hidden", "32", "--optimizer",
                    "adam", "--lr", "0.01", "--seed", "3", "--out", dir.resolve("lowrank-" + i).toString()));
            args.addAll(List.of(flags[i]));
            Outcome o = run(args.toArray(String[]::new));
            assertThat(o.code()).as(o.err()).isZero();
            JsonNode result = new ObjectMapper().readTree(dir.resolve("lowrank-" + i).resolve("result.json").toFile());
            assertThat(result.get("test_accuracy").asDouble()).as(String.join(" ", flags[i])).isGreaterThan(0.85);
            bytes[i] = result.get("optimizer_state_bytes").asLong();
            assertThat(result.at("/provenance/config/optimizer").toString()).contains("galore_rank", "plumage_rank");
        }
        assertThat(bytes[1]).isPositive().isLessThan(bytes[0]);
        assertThat(bytes[2]).isGreaterThan(bytes[1]).isLessThan(bytes[0]); // PLUMAGE also keeps r scales per matrix
        assertOneLineError(run("train", "--dataset", "gaussian-clusters", "--galore-rank", "-1", "--out", dir.resolve("bad").toString()),
                "galore-rank", ">= 0");
        assertOneLineError(run("train", "--dataset", "gaussian-clusters", "--hidden", "32", "--galore-rank", "5000", "--out",
                dir.resolve("bad2").toString()), "optimizer.galore_rank", "exceeds the smaller side of every weight matrix");
    }

    @Test
    void lrRangeTestSuggestsARate() throws IOException {
        Path out = dir.resolve("lr");
        Outcome o = run("lr-find", "--dataset", "gaussian-clusters", "--hidden", "32", "--steps", "60", "--min-lr", "1e-4", "--max-lr", "100",
                "--out", out.toString());
        assertThat(o.code()).as(o.err()).isZero();
        JsonNode result = new ObjectMapper().readTree(out.resolve("result.json").toFile());
        double steepest = result.get("suggested_lr_steepest").asDouble();
        assertThat(steepest).isBetween(1e-4, result.get("lr_at_minimum_loss").asDouble());
        assertThat(Files.readAllLines(out.resolve("lr_find.csv")).get(0)).isEqualTo("step,lr,loss,smoothed_loss");
        assertThat(Files.size(out.resolve("lr_find.png"))).isPositive();
    }

    static void writeIdx(Path dir, String prefix, int n) throws IOException {
        byte[] images = header(new int[] {n, 28, 28}, n * 784);
        byte[] labels = header(new int[] {n}, n);
        for (int i = 0; i < n; i++) {
            labels[labels.length - n + i] = (byte) (i % 10);
        }
        Files.write(dir.resolve(prefix + "-images-idx3-ubyte"), images);
        Files.write(dir.resolve(prefix + "-labels-idx1-ubyte"), labels);
    }

    static byte[] header(int[] dims, int payload) {
        byte[] out = new byte[4 + 4 * dims.length + payload];
        out[2] = 8;
        out[3] = (byte) dims.length;
        for (int i = 0; i < dims.length; i++) {
            out[4 + 4 * i] = (byte) (dims[i] >>> 24);
            out[5 + 4 * i] = (byte) (dims[i] >>> 16);
            out[6 + 4 * i] = (byte) (dims[i] >>> 8);
            out[7 + 4 * i] = (byte) dims[i];
        }
        return out;
    }
}
