package ai.perennial.cli;

import static ai.perennial.cli.CliTest.assertOneLineError;
import static ai.perennial.cli.CliTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import ai.perennial.cli.CliTest.Outcome;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every theory experiment end to end through the command line, plus its input errors. */
class TheoryCommandTest {
    @TempDir
    Path dir;

    @Test
    void regressionWritesCurvesPlotAndFittedExponent() throws IOException {
        Path out = dir.resolve("regression");
        Outcome o = run("theory", "regression", "--family", "gaussian", "--tasks", "10", "--dim", "30", "--rank", "3",
                "--iterations", "300", "--ordering", "random", "--learner", "ridge", "--lambda", "linear", "--seeds", "5",
                "--exact", "--fit-from", "10", "--fit-to", "100", "--out", out.toString());
        assertThat(o.code()).as(o.err()).isZero();
        JsonNode result = new ObjectMapper().readTree(out.resolve("result.json").toFile());
        assertThat(result.at("/instance/realizable").asBoolean()).isTrue();
        double slope = result.at("/fits/normalized_loss/slope").asDouble();
        assertThat(slope).isNegative();
        assertThat(result.at("/fits/normalized_loss/lower").asDouble()).isLessThanOrEqualTo(slope);
        assertThat(result.at("/provenance/command").asText()).contains("theory regression");
        List<String> csv = Files.readAllLines(out.resolve("curves.csv"));
        assertThat(csv.get(0)).startsWith("k,normalized_forgetting_mean").contains("exact_normalized_loss");
        assertThat(csv).hasSize(1 + 100 + 19 + 1); // header, k = 1..100, 10^(2 + i/40) < 300 for i = 1..19, then 300
        assertThat(Files.size(out.resolve("plot.png"))).isPositive();
    }

    @Test
    void otherExperimentsRunAndReportTheirHeadlineNumbers() throws IOException {
        Outcome twoTask = run("theory", "two-task", "--features", "100", "--samples", "2", "--similarities", "0,0.5,1",
                "--trials", "50", "--out", dir.resolve("two").toString());
        assertThat(twoTask.code()).as(twoTask.err()).isZero();
        assertThat(twoTask.out()).contains("forgetting peaks at α=");
        Outcome gaussian = run("theory", "gaussian", "--trials", "200", "--out", dir.resolve("gauss").toString());
        assertThat(gaussian.code()).as(gaussian.err()).isZero();
        JsonNode g = new ObjectMapper().readTree(dir.resolve("gauss/result.json").toFile());
        assertThat(g.at("/max_abs_z").asDouble()).isLessThan(5);
        Outcome classification = run("theory", "classification", "--tasks", "5", "--dim", "10", "--iterations", "200",
                "--seeds", "3", "--out", dir.resolve("cls").toString());
        assertThat(classification.code()).as(classification.err()).isZero();
        assertThat(Files.readAllLines(dir.resolve("cls/curves.csv")).get(0)).startsWith("k,forgetting_mean");
    }

    @Test
    void benchTimesEveryLearnerAndSaysInOneLineWhenNumPyIsMissing() {
        Outcome bench = run("theory", "bench", "--dim", "50", "--tasks", "5", "--rank", "2", "--iterations", "1000", "--runs", "1",
                "--python", dir.resolve("no-python").toString());
        assertThat(bench.code()).as(bench.err()).isZero();
        assertThat(bench.out()).contains("iterations/s").containsPattern("(?m)^projection +Perennial ").containsPattern("(?m)^ridge +Perennial ")
                .containsPattern("(?m)^gd +Perennial ").doesNotContain("ratio vs");
        assertThat(bench.out().lines().filter(l -> l.contains("NumPy"))).singleElement().asString()
                .startsWith("NumPy reference: skipped (cannot run ").contains("no-python");
        Outcome off = run("theory", "bench", "--dim", "30", "--tasks", "3", "--rank", "2", "--iterations", "100", "--runs", "1",
                "--learner", "ridge", "--no-numpy");
        assertThat(off.code()).as(off.err()).isZero();
        assertThat(off.out()).containsPattern("(?m)^ridge +Perennial ").doesNotContain("NumPy", "projection  ");
    }

    /** NumPy's independent implementation (its own pseudo-inverses and SVDs) must reproduce Perennial's weights. */
    @Test
    void benchRunsTheNumPyReferenceOnTheSameIterations() throws Exception {
        Process probe;
        try {
            probe = new ProcessBuilder("python3", "-c", "import numpy").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            probe = null;
        }
        Assumptions.assumeTrue(probe != null && probe.waitFor() == 0, "python3 with NumPy is not installed");
        Outcome bench = run("theory", "bench", "--dim", "40", "--tasks", "4", "--rank", "3", "--iterations", "300", "--runs", "2");
        assertThat(bench.code()).as(bench.err()).isZero();
        assertThat(bench.out()).containsPattern("after 20 iterations NumPy's weights equal Perennial's to \\d")
                .doesNotContain("skipped", "stopped");
        for (String learner : List.of("projection", "ridge", "gd")) {
            assertThat(bench.out()).containsPattern("(?m)^" + learner + " +Perennial ");
        }
        assertThat(bench.out().lines().filter(l -> l.contains("ratio vs NumPy's fastest"))).hasSize(3)
                .allSatisfy(l -> assertThat(l).containsPattern("vs the operator form [0-9.]+× \\(operator, [12] threads?; per round ")
                        .contains("CPU time"));
    }

    @Test
    void badInputIsOneLineNamingTheFix() {
        assertOneLineError(run("theory", "regression", "--family", "spiral", "--out", dir.toString()), "unknown --family", "staircase");
        assertOneLineError(run("theory", "regression", "--ordering", "without-replacement", "--tasks", "5", "--iterations", "10",
                "--out", dir.toString()), "single pass", "must not exceed tasks");
        assertOneLineError(run("theory", "regression", "--learner", "ridge", "--lambda", "fixed", "--out", dir.toString()),
                "needs a value");
        assertOneLineError(run("theory", "regression", "--rank", "200", "--dim", "10", "--out", dir.toString()), "exceeds the dimension");
        assertOneLineError(run("theory", "gaussian", "--features", "11", "--samples", "10", "--out", dir.toString()), "p ≥ n + 2");
        assertOneLineError(run("theory", "bench", "--learner", "sgd"), "unknown --learner 'sgd'", "projection, ridge, gd or all");
        assertOneLineError(run("theory", "bench", "--runs", "0"), "--iterations and --runs must be positive");
    }
}
