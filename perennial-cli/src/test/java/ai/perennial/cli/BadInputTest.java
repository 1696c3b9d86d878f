package ai.perennial.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import ai.perennial.cli.CliTest.Outcome;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each bad input a new user was seen to try, as the command line meets it: exit 2 and one {@code error:} line that
 * names the problem, checked before any output is written; or, where the input is in fact valid, a correct run.
 */
class BadInputTest {
    @TempDir
    Path dir;

    /** A run of a fraction of a second: 4 Gaussian classes in 2 experiences. */
    static final String BASE = """
            name: bad-input
            seed: 1
            dataset: {name: gaussian-clusters, samples: 240, features: 8, classes: 4}
            scenario: {name: split, classes_per_experience: 2}
            model: {name: mlp, hidden: [8]}
            optimizer: {name: sgd, lr: 0.05}
            training: {epochs: 1, batch_size: 32}
            """;

    Path config(String extra) throws IOException {
        Path f = dir.resolve("c.yaml");
        Files.writeString(f, BASE + extra);
        return f;
    }

    /** {@code run} of the base config plus {@code extra}: one error line with {@code fragments}, and no output written. */
    void runFails(String extra, String... fragments) throws IOException {
        Path out = dir.resolve("out");
        assertError(CliTest.run("run", config(extra).toString(), "--out", out.toString()), fragments);
        assertThat(out).doesNotExist();
    }

    /** The output directory is checked (and so created) first; a failure after that leaves it empty. */
    static void assertNothingWritten(Path out) throws IOException {
        if (Files.exists(out)) {
            assertThat(FuzzTest.list(out)).isEmpty();
        }
    }

    static void assertError(Outcome o, String... fragments) {
        assertThat(o.code()).as(o.err()).isEqualTo(2);
        CliTest.assertOneLineError(o, fragments);
    }

    Path idxData(int trainSide, int testSide, int label) throws IOException {
        Path data = dir.resolve("idx");
        Files.createDirectories(data);
        Files.write(data.resolve("train-images-idx3-ubyte"), FuzzTest.idx(new int[] {40, trainSide, trainSide}, 40 * trainSide * trainSide, 0));
        byte[] labels = FuzzTest.idx(new int[] {40}, 40, 4);
        labels[labels.length - 40 + 5] = (byte) label;
        Files.write(data.resolve("train-labels-idx1-ubyte"), labels);
        Files.write(data.resolve("t10k-images-idx3-ubyte"), FuzzTest.idx(new int[] {12, testSide, testSide}, 12 * testSide * testSide, 0));
        Files.write(data.resolve("t10k-labels-idx1-ubyte"), FuzzTest.idx(new int[] {12}, 12, 4));
        return data;
    }

    Outcome trainOn(Path data, String... more) {
        String[] args = {"train", "--dataset", "idx", "--data-dir", data.toString(), "--out", dir.resolve("o").toString()};
        return CliTest.run(java.util.stream.Stream.concat(java.util.Arrays.stream(args), java.util.Arrays.stream(more))
                .toArray(String[]::new));
    }

    @Test
    void aLabelBeyondTheClassesIsNamedWithItsFileAndPosition() throws IOException {
        Path data = idxData(6, 6, 200);
        assertError(trainOn(data), "train-labels-idx1-ubyte", "label 200 at position 5", "10 classes");
        assertNothingWritten(dir.resolve("o"));
    }

    @Test
    void testImagesOfAnotherShapeAreRejectedBeforeTraining() throws IOException {
        Path data = idxData(6, 7, 1);
        assertError(trainOn(data), "t10k-images-idx3-ubyte", "7x7", "6x6");
        assertError(trainOn(data, "--model", "cnn"), "t10k-images-idx3-ubyte", "7x7", "6x6");
    }

    @Test
    void aDamagedGzipStreamIsCalledCorrupt() throws IOException {
        Path data = idxData(6, 6, 1);
        Path labels = data.resolve("train-labels-idx1-ubyte");
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(gz)) {
            z.write(Files.readAllBytes(labels));
        }
        byte[] bytes = gz.toByteArray();
        bytes[bytes.length - 6] ^= 0x40; // inside the CRC trailer
        Files.delete(labels);
        Files.write(data.resolve("train-labels-idx1-ubyte.gz"), bytes);
        assertError(trainOn(data), "train-labels-idx1-ubyte.gz", "corrupt gzip");
    }

    /** A checkpoint without diagnostics state (probe off, or written before they existed) cannot resume into a run that records them. */
    @Test
    void continuingWithoutTheDiagnosticsTheCheckpointHasIsNamed() throws IOException {
        Path first = dir.resolve("first");
        Outcome run = CliTest.run("run", config("evaluation: {probe_size: 0}\n").toString(), "--out", first.toString());
        assertThat(run.code()).as(run.err()).isZero();
        Path next = dir.resolve("next");
        assertError(CliTest.run("continue", first.toString(), "--out", next.toString(), "--set", "evaluation.probe_size=16"),
                "the checkpoint has no plasticity diagnostics", "--set evaluation.probe_size=0");
        Outcome same = CliTest.run("continue", first.toString(), "--out", next.toString(), "--force");
        assertThat(same.code()).as(same.err()).isZero();
    }

    @Test
    void replayMemoriesOutsideTheirRange() throws IOException {
        runFails("strategy: {name: er, memory: 0}", "strategy.memory", ">= 1", "got 0");
        runFails("strategy: {name: er, memory: 1e9}", "strategy.memory", "<= 10000000");
    }

    @Test
    void nullNames() throws IOException {
        runFails("strategy: {name: null}", "strategy.name", "got null", "ewc");
        Files.writeString(dir.resolve("c.yaml"), BASE.replace("name: gaussian-clusters", "name: null"));
        assertError(CliTest.run("run", dir.resolve("c.yaml").toString(), "--out", dir.resolve("out").toString()),
                "dataset.name", "got null", "gaussian-clusters");
    }

    @Test
    void modelsTooLargeForTheMachine() throws IOException {
        Files.writeString(dir.resolve("c.yaml"), BASE.replace("hidden: [8]", "hidden: [2e9]"));
        assertError(CliTest.run("run", dir.resolve("c.yaml").toString(), "--out", dir.resolve("out").toString()),
                "model.hidden", "<= 1000000");
        Files.writeString(dir.resolve("c.yaml"), BASE.replace("hidden: [8]", "hidden: [1000000, 1000000]"));
        Outcome o = CliTest.run("run", dir.resolve("c.yaml").toString(), "--out", dir.resolve("big").toString());
        assertThat(o.code()).isEqualTo(2);
        assertThat(o.err()).contains("error: the model's", "parameters need", "use smaller layers").doesNotContain("\tat ");
    }

    @Test
    void nonsenseStrategyNamesAndCombinations() throws IOException {
        runFails("strategy: {name: \"+\"}", "strategy.name", "empty member");
        runFails("strategy: {name: \"ewc+\"}", "strategy.name", "empty member");
        runFails("strategy: {name: joint+ewc}", "joint is a baseline", "use joint alone");
        runFails("strategy: {name: naive+joint}", "naive is a baseline", "use naive alone");
        Files.writeString(dir.resolve("c.yaml"), BASE.replace("name: split, classes_per_experience: 2", "name: permuted")
                + "strategy: {name: icarl}");
        assertError(CliTest.run("run", dir.resolve("c.yaml").toString(), "--out", dir.resolve("out").toString()),
                "icarl needs a class-incremental stream", "permuted gives a domain-incremental stream");
    }

    @Test
    void aKeyGivenTwice() throws IOException {
        runFails("name: again", "line 8", "key 'name' is given twice");
    }

    @Test
    void loggingThatCannotBeDoneIsRefusedBeforeTraining() throws IOException {
        runFails("logging: {tensorboard: maybe}", "logging.tensorboard", "expected true or false");
        Path taken = Files.writeString(dir.resolve("taken"), "a file where the event files' directory should go");
        Path out = dir.resolve("out");
        Outcome o = CliTest.run("run", config("").toString(), "--out", out.toString(), "--tensorboard", taken.resolve("tb").toString());
        assertError(o, "--tensorboard " + taken.resolve("tb"), "not writable");
        assertNothingWritten(out);
    }

    @Test
    void notANumberInAConfigIsCalledThat() throws IOException {
        runFails("evaluation: {every_steps: .nan}", "line 8", ".nan is not a finite number");
    }

    @Test
    void aMultiMegabyteStringIsRefusedAtOnce() throws IOException {
        Files.writeString(dir.resolve("c.yaml"), "name: \"" + "a".repeat(3_000_000) + "\"\n");
        long start = System.nanoTime();
        assertError(CliTest.run("run", dir.resolve("c.yaml").toString(), "--out", dir.resolve("out").toString()),
                "too large for a run config");
        assertThat((System.nanoTime() - start) / 1e9).isLessThan(30); // a bound for a hang, not a timing check
    }

    @Test
    void controlCharactersAreNeitherEchoedNorAccepted() throws IOException {
        Outcome escaped = CliTest.run("run", config("strategy: {name: \"ewc\\e[31m\"}").toString(), "--out", dir.resolve("out").toString());
        assertError(escaped, "unknown strategy 'ewc\\u001B[31m'");
        assertThat(escaped.err()).doesNotContain("\u001b");
        Outcome o = CliTest.run("train", "--dataset", "idx", "--data-dir", "/tmp/\u001b[31mx\u0000", "--out", dir.resolve("o").toString());
        assertThat(o.code()).isEqualTo(2);
        assertThat(o.err()).doesNotContain("\u001b", "\u0000");
    }

    @Test
    void schedulesThatMakeNoSense() {
        Path png = dir.resolve("s.png");
        assertError(CliTest.run("schedule", "plot", "--schedule", "+", "--out", png.toString()), "piece 1 has no schedule name");
        assertError(CliTest.run("schedule", "plot", "--schedule", "cosine:peak=-1", "--out", png.toString()), "cosine.peak",
                ">= 0");
        assertThat(png).doesNotExist();
    }

    @Test
    void precisionsThatDoNotExistOrTakeNonsenseAreNamedWithTheirKey() throws IOException {
        Path out = dir.resolve("out");
        assertError(CliTest.run("run", config("").toString(), "--out", out.toString(), "--set", "training.precision=nvfp5"),
                "training.precision", "nvfp5");
        assertError(CliTest.run("run", config("").toString(), "--out", out.toString(), "--set", "training.precision=nvfp4:gradients=up"),
                "training.precision", "gradients");
        assertThat(out).doesNotExist();
        Path o = dir.resolve("o");
        assertError(CliTest.run("train", "--dataset", "gaussian-clusters", "--precision", "ternary:scale=mean", "--out", o.toString()),
                "--precision", "scale");
        assertError(CliTest.run("train", "--dataset", "gaussian-clusters", "--precision", "accumulator:mantissa_bits=40", "--out",
                o.toString()), "--precision", "mantissa_bits");
        assertError(CliTest.run("train", "--dataset", "gaussian-clusters", "--init-from", dir.resolve("none.safetensors").toString(),
                "--out", o.toString()), "--init-from", "none.safetensors");
    }

    @Test
    void maxStepsZero() {
        assertError(CliTest.run("train", "--dataset", "gaussian-clusters", "--max-steps", "0", "--out", dir.resolve("o").toString()),
                "max steps must be at least 1");
        assertThat(dir.resolve("o")).doesNotExist();
    }

    @Test
    void outputsThatCannotBeWrittenAreFoundBeforeAnyWork() throws IOException {
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        assertError(CliTest.run("train", "--dataset", "gaussian-clusters", "--out", file.toString()), "is a file");
        Path under = file.resolve("x");
        assertError(CliTest.run("lr-find", "--dataset", "gaussian-clusters", "--out", under.toString()), under.toString());
        assertError(CliTest.run("schedule", "plot", "--schedule", "cosine", "--out", under.resolve("s.png").toString()),
                under.toString());
        Path comparison = comparison();
        assertError(CliTest.run("results", comparison.toString(), "--out", under.resolve("r.md").toString()), under.toString());
    }

    @Test
    void resultsWithABareFileNameWritesIntoTheWorkingDirectory() throws IOException {
        Path comparison = comparison();
        Path md = Path.of("bad-input-results.md");
        try {
            Outcome o = CliTest.run("results", comparison.toString(), "--out", md.toString());
            assertThat(o.code()).as(o.err()).isZero();
            assertThat(Files.readString(md)).contains("naive");
        } finally {
            Files.deleteIfExists(md);
        }
    }

    @Test
    void resumingAComparisonReplacesItsOldSummary() throws IOException {
        Path comparison = comparison();
        Path summary = comparison.resolve("summary.json");
        String fresh = Files.readString(summary);
        Files.writeString(summary, "{\"stale\": true}");
        Outcome o = CliTest.run("compare", dir.resolve("c.yaml").toString(), "--strategies", "naive", "--seeds", "1", "--resume",
                "--out", comparison.toString());
        assertThat(o.code()).as(o.err()).isZero();
        assertThat(Files.readString(summary)).isEqualTo(fresh);
    }

    @Test
    void aFlagOnlyTrainHasIsExplainedForRun() throws IOException {
        assertError(CliTest.run("run", config("").toString(), "--lr", "0.1", "--out", dir.resolve("out").toString()),
                "Unknown options: '--lr'", "perennial run --help");
    }

    @Test
    void aLargeMarginFinishes() {
        Outcome o = CliTest.run("theory", "classification", "--margin", "10", "--seeds", "1", "--iterations", "100", "--out",
                dir.resolve("theory").toString());
        assertThat(o.code()).as(o.err()).isZero();
        assertError(CliTest.run("theory", "classification", "--margin", "1e309", "--out", dir.resolve("t2").toString()), "--margin");
    }

    /** A NaN in the last experience keeps the experiences before it: their accuracy rows and a checkpoint. */
    @Test
    void divergenceInALaterExperienceKeepsTheEarlierOnes() throws IOException {
        // 100 training samples per experience, batches of 32: 4 steps each; the rate explodes in the second experience
        Path out = dir.resolve("late");
        Outcome o = CliTest.run("run", config("").toString(), "--set",
                "optimizer.schedule=constant:value=0.05@4+constant:value=1e30", "--out", out.toString());
        assertThat(o.code()).isEqualTo(2);
        assertThat(o.err()).contains("status diverged");
        JsonNode r = new ObjectMapper().readTree(out.resolve("result.json").toFile());
        assertThat(r.get("status").asText()).isEqualTo("diverged");
        assertThat(r.get("accuracy_matrix")).hasSize(1);
        assertThat(r.get("accuracy_matrix").get(0).get(0).asDouble()).isGreaterThan(0.0);
        assertThat(Path.of(r.get("checkpoint").asText())).exists();
    }

    /**
     * The dashboard's bad inputs fail before it serves anything; a run that got past the checks would serve until stopped,
     * so each is bounded in time.
     */
    @Test
    void dashboardRefusesAMissingDirectoryABadPortOrAddressAndATakenPort() throws IOException {
        Path runs = Files.createDirectories(dir.resolve("runs"));
        Path file = Files.writeString(dir.resolve("file.txt"), "x");
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            assertError(CliTest.run("dashboard", dir.resolve("nowhere").toString()), "nowhere", "does not exist", "RUNS_DIR");
            assertError(CliTest.run("dashboard", file.toString()), "file.txt", "is a file");
            assertError(CliTest.run("dashboard", runs.toString(), "--port", "70000"), "--port 70000", "out of range");
            assertError(CliTest.run("dashboard", runs.toString(), "--port", "web"), "--port", "web");
            assertError(CliTest.run("dashboard", runs.toString(), "--bind", "my-laptop"), "--bind 'my-laptop'", "not an IP address");
            assertError(CliTest.run("dashboard", runs.toString(), "--bind", "999.1.1.1"), "--bind '999.1.1.1'", "not an IP address");
            // 192.0.2.1 is reserved for documentation: never an address of this machine (binding sends nothing)
            assertError(CliTest.run("dashboard", runs.toString(), "--port", "0", "--bind", "192.0.2.1"), "cannot listen on 192.0.2.1",
                    "--bind");
            assertError(CliTest.run("dashboard", runs.toString(), "--port", "0", "--stale-after", "0"), "--stale-after");
            try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
                String port = String.valueOf(taken.getLocalPort());
                assertError(CliTest.run("dashboard", runs.toString(), "--port", port), "port " + port, "in use", "--port");
            }
        });
    }

    Path comparison() throws IOException {
        Path comparison = dir.resolve("comparison");
        Outcome o = CliTest.run("compare", config("").toString(), "--strategies", "naive", "--seeds", "1", "--out",
                comparison.toString());
        assertThat(o.code()).as(o.err()).isZero();
        return comparison;
    }
}
