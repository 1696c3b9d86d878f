package ai.perennial.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** run and compare end to end on a small synthetic class-incremental stream. */
class RunCompareTest {
    @TempDir
    Path dir;

    static final String CONFIG = """
            name: synthetic-split
            seed: 2
            dataset:
              name: gaussian-clusters
            scenario:
              name: split
              classes_per_experience: 5
            model:
              hidden: [32]
            optimizer:
              name: adam
              lr: 0.01
            training:
              epochs: 2
              batch_size: 64
            evaluation:
              every_steps: 10
              subset_size: 100
              window: 30
            """;

    Path config() throws IOException {
        Path f = dir.resolve("synthetic.yaml");
        Files.writeString(f, CONFIG);
        return f;
    }

    @Test
    void runWritesResultMetricsAndReport() throws IOException {
        Path out = dir.resolve("run");
        CliTest.Outcome o = CliTest.run("run", config().toString(), "--out", out.toString());
        assertThat(o.code()).as(o.err()).isZero();
        JsonNode r = new ObjectMapper().readTree(out.resolve("result.json").toFile());
        for (String key : new String[] {"accuracy_matrix", "average_accuracy", "bwt", "fwt", "forgetting", "continual_eval", "min_acc",
            "wc_acc", "compute", "provenance"}) {
            assertThat(r.has(key)).as(key).isTrue();
        }
        assertThat(r.get("accuracy_matrix")).hasSize(2);
        assertThat(r.get("bwt").asDouble()).isLessThan(-0.5); // naive forgets in class-IL
        assertThat(r.get("continual_eval").get("points").size()).isGreaterThan(10);
        assertThat(r.get("provenance").get("config").get("dataset").get("name").asText()).isEqualTo("gaussian-clusters");
        java.util.List<String> csv = Files.readAllLines(out.resolve("metrics.csv"));
        assertThat(csv.get(0)).isEqualTo("step,training_experience,metric,subject,value");
        assertThat(csv).anyMatch(l -> l.matches("\\d+,1,dormant_fraction,layer0,[0-9.]+"));
        JsonNode plasticity = r.get("plasticity");
        assertThat(plasticity.get("task_end_accuracy")).hasSize(2);
        assertThat(plasticity.get("diagnostics")).hasSize(2); // one point at the end of each experience
        assertThat(plasticity.get("diagnostics").get(1).get("layers").get("layer0")).hasSize(8);
        String html = Files.readString(out.resolve("report.html"));
        assertThat(html).contains("<svg", "Accuracy matrix", "Continual evaluation", "Provenance").doesNotContain("<script");
        assertThat(o.out()).contains("ACC ", "BWT ");
    }

    @Test
    void everyStrategyRunsFromTheCommandLine() throws IOException {
        ai.perennial.core.registry.Registry registry = ai.perennial.core.registry.Registry.global();
        for (String strategy : registry.names(ai.perennial.cl.strategy.Strategy.KIND)) {
            Path out = dir.resolve("s-" + strategy);
            // a strategy that works only with task ids (PackNet) runs on the task-incremental split of the same data
            boolean taskIncremental = registry.get(ai.perennial.cl.strategy.Strategy.KIND, strategy, "strategy").requires().stream()
                    .anyMatch(need -> need.equals(java.util.Set.of(ai.perennial.cl.scenario.Scenario.TASK_INCREMENTAL)));
            // a strategy that isolates tasks in low-rank adapters runs with them
            boolean adapters = registry.get(ai.perennial.cl.strategy.Strategy.KIND, strategy, "strategy").requires().stream()
                    .anyMatch(need -> need.contains(ai.perennial.core.lowrank.Lora.ADAPTERS));
            CliTest.Outcome o = CliTest.run("run", config().toString(), "--set", "strategy.name=" + strategy,
                    "--set", "evaluation.every_steps=0", "--set", "training.epochs=1", "--set", "scenario.task_incremental=" + taskIncremental,
                    "--set", adapters ? "training.lora.rank=8" : "training.epochs=1", "--out", out.toString());
            assertThat(o.code()).as(strategy + ": " + o.err()).isZero();
            JsonNode r = new ObjectMapper().readTree(out.resolve("result.json").toFile());
            assertThat(r.get("strategy").asText()).isEqualTo(strategy);
            assertThat(r.get("average_accuracy").asDouble()).as(strategy).isGreaterThan(0.3);
        }
    }

    /** A comparison on a long stream: the plasticity panel in its report and the table of 'results --plasticity'. */
    @Test
    void plasticityPanelAndTableOnALongStream() throws IOException {
        Path out = dir.resolve("long");
        CliTest.Outcome o = CliTest.run("compare", config().toString(), "--strategies", "naive,cbp", "--seeds", "1,2",
                "--set", "scenario={name: long, kind: permuted, tasks: 24, samples_per_task: 60}", "--set", "evaluation.every_steps=0",
                "--set", "evaluation.matrix=diagonal", "--set", "training.epochs=1", "--set", "training.batch_size=20", "--out", out.toString());
        assertThat(o.code()).as(o.err()).isZero();
        String html = Files.readString(out.resolve("report.html"));
        assertThat(html).contains("<h2>Plasticity</h2>", "accuracy at the end of each experience", "dormant units", "effective rank");
        Path table = dir.resolve("plasticity.md");
        CliTest.Outcome r = CliTest.run("results", "--plasticity", out.toString(), "--out", table.toString());
        assertThat(r.code()).as(r.err()).isZero();
        String md = Files.readString(table);
        assertThat(md).contains("| method | seeds | first 10 | last 10 | drop (first − last) [95% CI] | drop − naive's, same seeds [95% CI]",
                "| naive | 2 |", "| cbp | 2 |", " | — | ",
                "| 1.00× |", "--strategies naive,cbp", "![task-end accuracy per method](plasticity-accuracy.svg)");
        assertThat(Files.readString(dir.resolve("plasticity-accuracy.svg"))).startsWith("<svg").contains("naive", "cbp");
        CliTest.assertOneLineError(CliTest.run("results", "--plasticity", dir.resolve("nothing").toString(), "--out", table.toString()),
                "no DIR/STRATEGY/seed-N/result.json runs under");
        // the per-step cost benchmark, in its smallest form
        CliTest.Outcome bench = CliTest.run("bench", "strategies", "--strategies", "cbp,l2-init", "--hidden", "8", "--steps", "3", "--blocks", "1",
                "--warm-up", "0");
        assertThat(bench.code()).as(bench.err()).isZero();
        assertThat(bench.out()).contains("MLP 784-8-10, batch 16", "naive ", "1.00× naive", "cbp ", "l2-init ");
        CliTest.assertOneLineError(CliTest.run("bench", "strategies", "--hidden", "0"), "--hidden");
    }

    @Test
    void badConfigFailsBeforeTraining() throws IOException {
        Path out = dir.resolve("bad");
        CliTest.Outcome o = CliTest.run("run", config().toString(), "--set", "optimizer.lrr=0.1", "--out", out.toString());
        CliTest.assertOneLineError(o, "optimizer.lrr", "unknown parameter of optimizer adam");
        assertThat(out).doesNotExist();
        CliTest.Outcome range = CliTest.run("run", config().toString(), "--set", "training.batch_size=0", "--out", out.toString());
        CliTest.assertOneLineError(range, "training.batch_size");
        CliTest.Outcome param = CliTest.run("run", config().toString(), "--set", "strategy.lambda=3", "--out", out.toString());
        CliTest.assertOneLineError(param, "strategy.lambda");
        CliTest.assertOneLineError(CliTest.run("run", config().toString(), "--set", "scenario={name: permuted}", "--set", "strategy.name=icarl",
                "--out", out.toString()), "config strategy.name: strategy icarl needs a class-incremental stream",
                "scenario permuted gives a domain-incremental stream");
        CliTest.assertOneLineError(CliTest.run("run", config().toString(), "--set", "strategy.name=cbp+er", "--set", "model.hidden=[]",
                "--out", out.toString()), "strategy cbp needs a model with hidden layers, but model mlp gives no hidden layer");
        CliTest.assertOneLineError(CliTest.run("compare", config().toString(), "--strategies", "naive,bic", "--set",
                "scenario.task_incremental=true", "--out", out.toString()), "strategy bic needs a class-incremental stream");
        assertThat(out).doesNotExist();
    }

    @Test
    void compareWritesSummaryWithMeanAndStd() throws IOException {
        Path out = dir.resolve("cmp");
        CliTest.Outcome o = CliTest.run("compare", config().toString(), "--strategies", "naive,joint", "--seeds", "1,2", "--out",
                out.toString());
        assertThat(o.code()).as(o.err()).isZero();
        assertThat(out.resolve("naive/seed-2/result.json")).exists();
        assertThat(out.resolve("joint/seed-1/metrics.csv")).exists();
        java.util.List<String> summary = Files.readAllLines(out.resolve("summary.csv"));
        assertThat(summary.get(0)).isEqualTo("metric,strategy,mean,std,n");
        String naiveAcc = summary.stream().filter(l -> l.startsWith("average_accuracy,naive,")).findFirst().orElseThrow();
        String jointAcc = summary.stream().filter(l -> l.startsWith("average_accuracy,joint,")).findFirst().orElseThrow();
        assertThat(Double.parseDouble(jointAcc.split(",")[2])).isGreaterThan(Double.parseDouble(naiveAcc.split(",")[2]) + 0.2);
        assertThat(naiveAcc).endsWith(",2");
        assertThat(summary).contains("bwt,joint,,,0");
        String html = Files.readString(out.resolve("report.html"));
        assertThat(html).contains("Summary", "<svg", "n/a");
        CliTest.assertOneLineError(CliTest.run("compare", config().toString(), "--strategies", "naive,ewcc", "--out", out.toString()),
                "ewcc");

        // the results table is the same when rebuilt from the runs of a compare that never wrote its summary
        Path full = dir.resolve("full.md");
        assertThat(CliTest.run("results", out.toString(), "--out", full.toString()).code()).isZero();
        Files.delete(out.resolve("summary.json"));
        Files.delete(out.resolve("joint/seed-2/result.json")); // as if interrupted during the last run
        Path rebuilt = dir.resolve("rebuilt.md");
        CliTest.Outcome r = CliTest.run("results", out.toString(), "--out", rebuilt.toString());
        assertThat(r.code()).as(r.err()).isZero();
        String fullRow = Files.readAllLines(full).stream().filter(l -> l.startsWith("| naive |")).findFirst().orElseThrow();
        String rebuiltTable = Files.readString(rebuilt);
        assertThat(rebuiltTable).contains(fullRow.substring(0, fullRow.lastIndexOf(" | ") - 1).split(" \\| ")[1]) // naive's ACC cell
                .contains("Rebuilt from the 3 finished runs", "naive 2, joint 1");
        assertThat(rebuiltTable.indexOf("| naive |")).isLessThan(rebuiltTable.indexOf("| joint |")); // the command's order
        CliTest.assertOneLineError(CliTest.run("results", dir.resolve("empty").toString(), "--out", rebuilt.toString()),
                "no DIR/STRATEGY/seed-N/result.json");
    }
}
