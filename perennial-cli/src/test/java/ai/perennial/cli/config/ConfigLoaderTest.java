package ai.perennial.cli.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.perennial.cl.experiment.ExperimentConfig;
import ai.perennial.core.PerennialException;
import ai.perennial.core.registry.Registry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    static final Path PRESETS = Path.of("..", "presets");

    @TempDir
    Path dir;

    ExperimentConfig load(String yaml, String... overrides) throws IOException {
        Path f = dir.resolve("c.yaml");
        Files.writeString(f, yaml);
        return ConfigLoader.load(f.toString(), PRESETS, List.of(overrides));
    }

    void fails(String yaml, String... fragments) {
        assertThatThrownBy(() -> load(yaml)).isInstanceOf(PerennialException.class).hasMessageContainingAll(fragments);
    }

    @Test
    void defaultsForAnEmptyFile() throws IOException {
        ExperimentConfig c = load("");
        assertThat(c.scenario().name()).isEqualTo("split");
        assertThat(c.model().values().asMap()).containsEntry("hidden", List.of(400, 400));
        assertThat(c.optimizer().name()).isEqualTo("adamw");
        assertThat(c.strategy().name()).isEqualTo("naive");
    }

    @Test
    void relativeDataPathsAreRelativeToTheConfigFile_overridesToTheWorkingDirectory() throws IOException {
        Path sub = Files.createDirectories(dir.resolve("configs"));
        Path f = sub.resolve("run.yaml");
        Files.writeString(f, "dataset:\n  name: idx\n  data_dir: ../data/mnist\n");
        Map<String, Object> tree = ConfigLoader.tree(f, List.of());
        assertThat(((Map<?, ?>) tree.get("dataset")).get("data_dir")).isEqualTo(dir.resolve("data/mnist").toAbsolutePath().toString());
        Map<String, Object> overridden = ConfigLoader.tree(f, List.of("dataset.data_dir=elsewhere"));
        assertThat(((Map<?, ?>) overridden.get("dataset")).get("data_dir")).isEqualTo("elsewhere");
        Files.writeString(f, "dataset:\n  name: idx\n  data_dir: /abs/mnist\n");
        assertThat(((Map<?, ?>) ConfigLoader.tree(f, List.of()).get("dataset")).get("data_dir")).isEqualTo("/abs/mnist");
        Files.writeString(f, "dataset:\n  name: gaussian-clusters\n  samples: 100\n");
        assertThat(((Map<?, ?>) ConfigLoader.tree(f, List.of()).get("dataset")).get("samples")).isEqualTo(100);
    }

    @Test
    void typoedKeysNameTheirPath() {
        fails("optimizer:\n  lrr: 0.1\n", "optimizer.lrr", "unknown parameter of optimizer adamw", "lr, schedule");
        fails("modle:\n  name: mlp\n", "modle: unknown section");
        fails("scenario:\n  name: split\n  clases_per_experience: 2\n", "scenario.clases_per_experience",
                "unknown parameter of scenario split; it takes classes_per_experience");
    }

    @Test
    void outOfRangeAndMistypedValuesNameTheirKey() {
        fails("optimizer:\n  lr: -1\n", "config optimizer.lr: must be > 0, got -1");
        fails("training:\n  epochs: 0\n", "training.epochs: must be >= 1");
        fails("optimizer:\n  lr: fast\n", "optimizer.lr: expected a number, got 'fast'");
        fails("optimizer:\n  lr: .nan\n", "c.yaml line 2: .nan is not a finite number");
        fails("optimizer:\n  lr: .inf\n", "line 2: .inf is not a finite number");
        fails("model:\n  hidden: [400, -2]\n", "model.hidden: must be each >= 1");
        fails("training:\n  batch_size: 12.5\n", "training.batch_size", "whole number");
        fails("scenario:\n  name: spiral\n", "scenario.name: unknown scenario 'spiral'", "permuted, rotated, split");
        fails("scenario:\n  name: permuted\n  classes_per_experience: 2\n", "scenario.classes_per_experience",
                "unknown parameter of scenario permuted; it takes tasks");
        fails("scenario:\n  name: online\n  overlap: 1.5\n", "scenario.overlap: must be in [0, 1)");
        fails("scenario:\n  name: online\ntraining:\n  epochs: 2\n", "training.epochs", "single-pass");
        fails("scenario:\n  class_order: backwards\n", "scenario.class_order");
        fails("strategy:\n  name: ewcc\n", "strategy.name: unknown strategy 'ewcc'", "naive");
        fails("evaluation:\n  matrix: sparse\n", "evaluation.matrix: must be one of full, diagonal");
        fails("optimizer:\n  schedule: cosin\n", "unknown schedule 'cosin'");
        fails("optimizer: [1, 2]\n", "optimizer: expected a mapping");
        fails("strategy:\n  name: null\n", "strategy.name: expected a strategy name, got null");
        fails("dataset:\n  name: null\n", "dataset.name: expected a name, got null");
    }

    @Test
    void duplicateKeysAreErrors() {
        fails("optimizer:\n  lr: 0.1\n  lr: 0.2\n", "c.yaml line 3: key 'lr' is given twice in one mapping; keep one");
    }

    @Test
    void unsupportedCombinationsAreErrorsBeforeTraining() {
        fails("scenario:\n  name: permuted\nstrategy:\n  name: icarl\n",
                "strategy.name: strategy icarl needs a class-incremental stream", "but scenario permuted gives a domain-incremental stream");
        fails("scenario:\n  name: split\n  task_incremental: true\nstrategy:\n  name: bic\n",
                "strategy bic needs a class-incremental stream", "scenario split gives a task-incremental stream");
        fails("dataset:\n  name: gaussian-clusters\nmodel:\n  name: cnn\n", "model.name: model cnn needs image inputs",
                "dataset gaussian-clusters gives vector inputs");
        fails("dataset:\n  name: linear-teacher\nscenario:\n  name: rotated\n", "scenario rotated needs image inputs");
        fails("strategy:\n  name: joint+ewc\n", "joint is a baseline and is not combined");
        fails("strategy:\n  name: naive+joint\n", "naive is a baseline");
        fails("strategy:\n  name: icarl+gdumb\n", "icarl and gdumb both choose what to train on");
        fails("strategy:\n  name: er+er-ace\n", "er and er-ace are both replay methods");
        fails("strategy:\n  name: ewc+\n", "has an empty member");
        fails("strategy:\n  name: '+'\n", "has an empty member");
        fails("strategy:\n  name: ewc+ewc\n", "names ewc twice");
        fails("strategy:\n  name: er\n  memory: 0\n", "strategy.memory: must be >= 1, got 0");
    }

    @Test
    void overridesKeepTypesAndCreateSections() throws IOException {
        ExperimentConfig c = load("optimizer:\n  lr: 0.1\n", "optimizer.lr=0.5", "model.hidden=[64, 32]", "scenario.task_incremental=true",
                "strategy.name=cumulative", "name=x", "optimizer.lr=1e-3");
        assertThat(c.optimizer().lr()).isEqualTo(1e-3);
        assertThat(c.model().values().asMap()).containsEntry("hidden", List.of(64, 32));
        assertThat(c.scenario().values().flag("task_incremental")).isTrue();
        assertThat(c.strategy().name()).isEqualTo("cumulative");
        assertThat(c.name()).isEqualTo("x");
        assertThatThrownBy(() -> load("", "optimizer.lrr=1")).hasMessageContaining("optimizer.lrr");
        assertThatThrownBy(() -> load("", "nonsense")).hasMessageContaining("KEY.PATH=VALUE");
    }

    @Test
    void strategyParametersAreCheckedAgainstTheDeclaration() throws IOException {
        fails("strategy:\n  name: naive\n  lambda: 100\n", "strategy.lambda: unknown parameter of strategy naive (it takes none)");
        ExperimentConfig c = load("strategy:\n  name: ewc+er\n  ewc:\n    lambda: 500\n");
        assertThat(c.strategy().resolved()).isEqualTo(Map.of("name", "ewc+er", "ewc", Map.of("lambda", 500.0, "fisher_samples", 500, "fisher_batch_size", 1, "halve", true),
                "er", Map.of("memory", 500, "policy", "reservoir", "replay_batch", 0)));
    }

    @Test
    void theResolvedConfigHoldsEveryValueAndResolvesToItself() throws IOException {
        ExperimentConfig c = load("strategy:\n  name: ewc\n");
        Map<String, Object> resolved = c.resolved();
        assertThat(resolved.get("strategy")).isEqualTo(Map.of("name", "ewc", "lambda", 100.0, "fisher_samples", 500, "fisher_batch_size", 1,
                "halve", true));
        @SuppressWarnings("unchecked")
        Map<String, Object> optimizer = (Map<String, Object>) resolved.get("optimizer");
        assertThat(optimizer).containsEntry("weight_decay", 0.01).containsEntry("beta2", 0.999).containsEntry("sam_rho", 0.0);
        assertThat(ExperimentConfig.resolve(Registry.global(), resolved).resolved()).isEqualTo(resolved);
    }

    @Test
    void invalidYamlSaysWhere() {
        assertThatThrownBy(() -> load("optimizer:\n  lr: [1\n")).hasMessageContainingAll("not valid YAML", "line");
    }

    @Test
    void presetsByNameAndAllPresetsAreValid() throws IOException {
        assertThat(ConfigLoader.load("split-fmnist-class-il", PRESETS, List.of()).scenario().values().integer("classes_per_experience"))
                .isEqualTo(2);
        try (Stream<Path> files = Files.list(PRESETS)) {
            List<Path> presets = files.filter(p -> p.toString().endsWith(".yaml")).toList();
            assertThat(presets).hasSizeGreaterThanOrEqualTo(5);
            for (Path p : presets) {
                ExperimentConfig c = ConfigLoader.load(p.toString(), PRESETS, List.of());
                assertThat(p.getFileName().toString()).isEqualTo(c.name() + ".yaml");
            }
        }
        assertThatThrownBy(() -> ConfigLoader.load("split-fmnist-clas-il", PRESETS, List.of()))
                .hasMessageContaining("not found").hasMessageContaining("split-fmnist-class-il");
    }
}
