package ai.perennial.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** lottery, interpolate and train --prune end to end on small data, and their bad inputs. */
class SparsityMergingCommandsTest {
    @TempDir
    Path dir;

    @Test
    void lotteryWritesATableWithExactSparsities() throws IOException {
        Path out = dir.resolve("lottery");
        CliTest.Outcome o = CliTest.run("lottery", "--dataset", "gaussian-clusters", "--hidden", "24", "--epochs", "1", "--sparsities",
                "0.5,0.8", "--seeds", "1,2", "--rewind-step", "3", "--out", out.toString());
        assertThat(o.code()).as(o.err()).isZero();
        JsonNode result = new ObjectMapper().readTree(out.resolve("lottery.json").toFile());
        for (String method : LotteryCommand.METHODS) {
            JsonNode rows = result.get("methods").get(method);
            assertThat(rows).as(method).hasSize(2);
            assertThat(rows.get(1).get("accuracy")).hasSize(2);
            assertThat(rows.get(1).get("layer_sparsity").has("layer0.weight")).isTrue();
            if (!method.equals("colt")) { // COLT's overlap lands at or just above the level
                assertThat(rows.get(1).get("measured_sparsity").get(0).asDouble()).as(method).isCloseTo(0.8, org.assertj.core.data.Offset.offset(1e-3));
            }
        }
        assertThat(Files.readString(out.resolve("lottery.md"))).startsWith("| sparsity | one-shot | imp | reinit | colt |");
        CliTest.assertOneLineError(CliTest.run("lottery", "--dataset", "gaussian-clusters", "--sparsities", "0.9,0.5", "--out",
                dir.resolve("x").toString()), "sparsities must increase");
        CliTest.assertOneLineError(CliTest.run("lottery", "--dataset", "gaussian-clusters", "--methods", "reinit", "--out",
                dir.resolve("y").toString()), "list imp too");
    }

    @Test
    void trainPrunesGraduallyAndReportsSparsityPerLayer() throws IOException {
        Path out = dir.resolve("pruned");
        CliTest.Outcome o = CliTest.run("train", "--dataset", "gaussian-clusters", "--hidden", "32", "--epochs", "2", "--prune",
                "magnitude:sparsity=0.75,scope=layer,start=2,end=10,every=2", "--out", out.toString());
        assertThat(o.code()).as(o.err()).isZero();
        JsonNode sparsity = new ObjectMapper().readTree(out.resolve("result.json").toFile()).get("sparsity");
        assertThat(sparsity.get("layer0.weight").asDouble()).isEqualTo(0.75);
        assertThat(sparsity.get("total").asDouble()).isCloseTo(0.75, org.assertj.core.data.Offset.offset(1e-3));
        CliTest.assertOneLineError(CliTest.run("train", "--dataset", "gaussian-clusters", "--prune", "magnitude:sparsity=2", "--out",
                dir.resolve("bad").toString()), "sparsity");
    }

    @Test
    void interpolateReportsBarriersAndRefusesMismatchedModels() throws IOException {
        Path data = dir.resolve("idx");
        Files.createDirectories(data);
        CliTest.writeIdx(data, "train", 200);
        CliTest.writeIdx(data, "t10k", 100);
        Path[] models = new Path[3];
        String[] hidden = {"16", "16", "8"};
        for (int s = 0; s < 3; s++) {
            Path run = dir.resolve("train" + s);
            assertThat(CliTest.run("train", "--dataset", "idx", "--data-dir", data.toString(), "--hidden", hidden[s], "--seed",
                    String.valueOf(s + 1), "--out", run.toString()).code()).isZero();
            models[s] = dir.resolve("export/m" + s + ".safetensors");
            assertThat(CliTest.run("export", run.toString(), "--out", models[s].toString()).code()).isZero();
        }
        Path out = dir.resolve("interp");
        CliTest.Outcome o = CliTest.run("interpolate", models[0].toString(), models[1].toString(), "--data", data.toString(), "--points", "5",
                "--out", out.toString());
        assertThat(o.code()).as(o.err()).isZero();
        JsonNode curves = new ObjectMapper().readTree(out.resolve("interpolate.json").toFile()).get("curves");
        for (String variant : InterpolateCommand.VARIANTS) {
            assertThat(curves.get(variant).get("loss")).hasSize(5);
            assertThat(curves.get(variant).get("loss_barrier").asDouble()).isGreaterThanOrEqualTo(0);
        }
        // the endpoints do not depend on the variant: α = 0 is A, α = 1 is B (aligned B computes the same function)
        assertThat(curves.get("rebasin").get("loss").get(4).asDouble()).isCloseTo(curves.get("plain").get("loss").get(4).asDouble(),
                org.assertj.core.data.Offset.offset(1e-4));
        assertThat(Files.readAllLines(out.resolve("interpolate.csv")).get(0)).isEqualTo("variant,alpha,test_loss,test_accuracy");
        CliTest.assertOneLineError(CliTest.run("interpolate", models[0].toString(), models[2].toString(), "--data", data.toString(), "--out",
                dir.resolve("bad").toString()), "different networks");

        // merge: the uniform average is written as a model predict can read; a greedy soup names its ingredients
        Path merged = dir.resolve("merged/avg.safetensors");
        CliTest.Outcome avg = CliTest.run("merge", models[0].toString(), models[1].toString(), "--data", data.toString(), "--out",
                merged.toString());
        assertThat(avg.code()).as(avg.err()).isZero();
        assertThat(avg.out()).contains("merged (uniform): test accuracy");
        CliTest.Outcome p = CliTest.run("predict", merged.toString(), "--data", data.toString(), "--out", dir.resolve("p.csv").toString());
        assertThat(p.code()).as(p.err()).isZero();
        Path soup = dir.resolve("merged/soup.safetensors");
        CliTest.Outcome greedy = CliTest.run("merge", models[0].toString(), models[1].toString(), "--greedy-soup", "--validation", "50",
                "--data", data.toString(), "--out", soup.toString());
        assertThat(greedy.code()).as(greedy.err()).isZero();
        assertThat(new ObjectMapper().readTree(dir.resolve("merged/soup.json").toFile()).get("ingredients").size()).isBetween(1, 2);
        Path folded = dir.resolve("merged/fs.safetensors");
        CliTest.Outcome fs = CliTest.run("merge", models[0].toString(), models[1].toString(), "--fs-merge", "--fs-steps", "20",
                "--validation", "50", "--data", data.toString(), "--out", folded.toString());
        assertThat(fs.code()).as(fs.err()).isZero();
        assertThat(fs.out()).contains("fs-merge: feature reconstruction loss per layer", "merged (fs-merge): test accuracy");
        JsonNode fsSpec = new ObjectMapper().readTree(dir.resolve("merged/fs.json").toFile());
        assertThat(fsSpec.get("reconstruction_loss_trained").get(0).asDouble())
                .isLessThanOrEqualTo(fsSpec.get("reconstruction_loss_start").get(0).asDouble());
        CliTest.assertOneLineError(CliTest.run("merge", models[0].toString(), models[1].toString(), models[1].toString(), "--fs-merge",
                "--data", data.toString(), "--out", dir.resolve("merged/f3.safetensors").toString()), "joins two models");
        CliTest.assertOneLineError(CliTest.run("merge", models[0].toString(), models[1].toString(), "--method", "ties", "--data",
                data.toString(), "--out", dir.resolve("merged/t.safetensors").toString()), "give --base");
        CliTest.assertOneLineError(CliTest.run("merge", models[0].toString(), models[2].toString(), "--data", data.toString(), "--out",
                dir.resolve("merged/x.safetensors").toString()), "different network");
    }
}
