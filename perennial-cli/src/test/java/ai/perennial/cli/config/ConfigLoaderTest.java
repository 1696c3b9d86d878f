package ai.perennial.cli.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.perennial.core.PerennialException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    static final Path PRESETS = Path.of("..", "presets");

    @TempDir
    Path dir;

    RunConfig load(String yaml, String... overrides) throws IOException {
        Path f = dir.resolve("c.yaml");
        Files.writeString(f, yaml);
        return ConfigLoader.load(f.toString(), PRESETS, List.of(overrides));
    }

    void fails(String yaml, String... fragments) {
        assertThatThrownBy(() -> load(yaml)).isInstanceOf(PerennialException.class).hasMessageContainingAll(fragments);
    }

    @Test
    void defaultsForAnEmptyFile() throws IOException {
        RunConfig c = load("");
        assertThat(c.scenario.type).isEqualTo("split");
        assertThat(c.model.hidden).containsExactly(400, 400);
        assertThat(c.optimizer.name).isEqualTo("adamw");
    }

    @Test
    void typoedKeysNameTheirPath() {
        fails("optimizer:\n  lrr: 0.1\n", "optimizer.lrr", "unknown key");
        fails("modle:\n  kind: mlp\n", "modle", "unknown key");
        fails("scenario:\n  type: split\n  clases_per_experience: 2\n", "scenario.clases_per_experience");
    }

    @Test
    void outOfRangeAndMistypedValuesNameTheirKey() {
        fails("optimizer:\n  lr: -1\n", "optimizer.lr", "positive");
        fails("training:\n  epochs: 0\n", "training.epochs");
        fails("optimizer:\n  lr: fast\n", "optimizer.lr", "expected a number");
        fails("model:\n  hidden: [400, -2]\n", "model.hidden");
        fails("training:\n  batch_size: 12.5\n", "training.batch_size", "whole number");
        fails("scenario:\n  type: spiral\n", "scenario.type", "split, permuted");
        fails("scenario:\n  type: permuted\n  classes_per_experience: 2\n", "scenario.classes_per_experience", "not used by scenario type permuted");
        fails("scenario:\n  type: online\n  overlap: 1.5\n", "scenario.overlap");
        fails("scenario:\n  type: online\ntraining:\n  epochs: 2\n", "training.epochs", "single-pass");
        fails("scenario:\n  class_order: backwards\n", "scenario.class_order");
        fails("strategy:\n  name: ewcc\n", "strategy.name", "naive");
        fails("evaluation:\n  matrix: sparse\n", "evaluation.matrix");
        fails("optimizer:\n  schedule: cosin\n", "optimizer.schedule", "unknown schedule 'cosin'");
        fails("optimizer: [1, 2]\n", "optimizer", "expected a mapping");
    }

    @Test
    void overridesKeepTypesAndCreateSections() throws IOException {
        RunConfig c = load("optimizer:\n  lr: 0.1\n", "optimizer.lr=0.5", "model.hidden=[64, 32]", "scenario.task_incremental=true",
                "strategy.name=cumulative", "name=x");
        assertThat(c.optimizer.lr).isEqualTo(0.5);
        assertThat(c.model.hidden).containsExactly(64, 32);
        assertThat(c.scenario.taskIncremental).isTrue();
        assertThat(c.strategy.name).isEqualTo("cumulative");
        assertThat(c.name).isEqualTo("x");
        assertThatThrownBy(() -> load("", "optimizer.lrr=1")).hasMessageContaining("optimizer.lrr");
        assertThatThrownBy(() -> load("", "nonsense")).hasMessageContaining("KEY.PATH=VALUE");
    }

    @Test
    void strategyParametersAreKeptForTheStrategyToCheck() throws IOException {
        RunConfig c = load("strategy:\n  name: naive\n  lambda: 100\n");
        assertThat(c.strategy.params()).containsEntry("lambda", 100);
    }

    @Test
    void invalidYamlSaysWhere() {
        fails("optimizer:\n  lr: [1\n", "not valid YAML", "line");
    }

    @Test
    void presetsByNameAndAllPresetsAreValid() throws IOException {
        assertThat(ConfigLoader.load("split-fmnist-class-il", PRESETS, List.of()).scenario.classesPerExperience).isEqualTo(2);
        try (Stream<Path> files = Files.list(PRESETS)) {
            List<Path> presets = files.filter(p -> p.toString().endsWith(".yaml")).toList();
            assertThat(presets).hasSizeGreaterThanOrEqualTo(5);
            for (Path p : presets) {
                RunConfig c = ConfigLoader.load(p.toString(), PRESETS, List.of());
                assertThat(p.getFileName().toString()).isEqualTo(c.name + ".yaml");
            }
        }
        assertThatThrownBy(() -> ConfigLoader.load("split-fmnist-clas-il", PRESETS, List.of()))
                .hasMessageContaining("not found").hasMessageContaining("split-fmnist-class-il");
    }
}
