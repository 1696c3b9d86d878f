package ai.perennial.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.perennial.core.registry.Component;
import ai.perennial.core.registry.Kind;
import ai.perennial.core.registry.Registry;
import ai.perennial.core.schedule.Schedule;
import ai.perennial.core.train.Scores;
import java.io.IOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The registry as users see it, and the rule that each component is named in one place only. */
class ComponentsTest {
    static final Path ROOT = Path.of("..");

    @Test
    void componentsPageIsCurrent() throws IOException {
        String generated = ComponentsCommand.markdown(Registry.global());
        assertThat(Files.readString(ROOT.resolve("docs/components.md")))
                .as("docs/components.md is stale: run 'bin/perennial list --markdown > docs/components.md'").isEqualTo(generated);
    }

    /**
     * Words that are component names but mean something else in one other file, where they name no component: the
     * gradient-norm log keeps its CSV text under the state key "csv".
     */
    static final Map<String, String> OTHER_SENSE = Map.of("csv", "perennial-core/src/main/java/ai/perennial/core/train/GradientNormLog.java");

    /**
     * Outside comments, every component's name appears as a string literal only in the file that declares it (docs and
     * tests aside): no second list of names, no switch over them. Schedules are exempt: their names are ordinary words
     * ("step", "linear", "constant") that label other things too; so are the few words in {@link #OTHER_SENSE}.
     */
    @Test
    void eachNameIsWrittenOnlyWhereItIsDeclared() throws IOException {
        Map<String, List<String>> declaredIn = new HashMap<>();
        Enumeration<URL> indexes = getClass().getClassLoader().getResources("META-INF/perennial/components");
        while (indexes.hasMoreElements()) {
            try (var in = indexes.nextElement().openStream()) {
                for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                    if (!line.isBlank() && !line.contains("Test")) {
                        String owner = line.substring(0, line.indexOf('#'));
                        owner = owner.contains("$") ? owner.substring(0, owner.indexOf('$')) : owner;
                        declaredIn.computeIfAbsent(owner.replace('.', '/') + ".java", k -> new ArrayList<>()).add(line);
                    }
                }
            }
        }
        Map<String, String> fileOf = new HashMap<>();
        Registry r = Registry.global();
        for (Map.Entry<Kind<?, ?>, List<Component<?, ?>>> e : r.everything().entrySet()) {
            // schedule and score names are also ordinary words of results and reports ("constant", "accuracy" columns)
            if (e.getKey().equals(Schedule.KIND) || e.getKey().equals(Scores.KIND)) {
                continue;
            }
            for (Component<?, ?> c : e.getValue()) {
                String file = declaringFile(c, declaredIn);
                if (file != null) {
                    fileOf.put(c.name(), file);
                }
            }
        }
        assertThat(fileOf).hasSizeGreaterThanOrEqualTo(45);
        List<String> offences = new ArrayList<>();
        try (Stream<Path> sources = Files.walk(ROOT)) {
            for (Path p : sources.filter(f -> f.toString().endsWith(".java") && f.toString().contains("/src/main/java/")).toList()) {
                String code = stripComments(Files.readString(p));
                Matcher literal = Pattern.compile("\"([a-z0-9-]+)\"").matcher(code);
                while (literal.find()) {
                    String declaring = fileOf.get(literal.group(1));
                    String path = p.toString().replace('\\', '/');
                    String otherSenseFile = OTHER_SENSE.get(literal.group(1));
                    boolean otherSense = otherSenseFile != null && path.endsWith(otherSenseFile);
                    if (declaring != null && !path.endsWith(declaring) && !otherSense) {
                        offences.add(literal.group(1) + " in " + p);
                    }
                }
            }
        }
        assertThat(offences).as("component names written outside their declaring file").isEmpty();
    }

    private static String declaringFile(Component<?, ?> c, Map<String, List<String>> declaredIn) {
        for (Map.Entry<String, List<String>> e : declaredIn.entrySet()) {
            for (String entry : e.getValue()) {
                try {
                    Class<?> owner = Class.forName(entry.substring(0, entry.indexOf('#')));
                    if (owner.getField(entry.substring(entry.indexOf('#') + 1)).get(null) == c) {
                        return e.getKey();
                    }
                } catch (ReflectiveOperationException ex) {
                    throw new AssertionError(entry, ex);
                }
            }
        }
        return null;
    }

    static String stripComments(String code) {
        return code.replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("(?m)//.*$", "");
    }

    @Test
    void listAndDescribe() {
        CliTest.Outcome list = CliTest.run("list", "strategies");
        assertThat(list.code()).isZero();
        assertThat(list.out()).startsWith("strategies: ").contains("  ewc ", "  derpp ", "  gem ");
        CliTest.Outcome all = CliTest.run("list");
        assertThat(all.out()).contains("datasets: ", "scenarios: ", "models: ", "optimizers: ", "optimizer-wrappers: ", "schedules: ",
                "averages: ", "strategies: ");
        CliTest.Outcome ewc = CliTest.run("describe", "ewc");
        assertThat(ewc.code()).isZero();
        assertThat(ewc.out()).contains("strategy ewc: elastic weight consolidation", "source: Kirkpatrick et al. 2017",
                "lambda             number, default 100, > 0: penalty strength λ", "use: strategy.name: ewc");
        assertThat(CliTest.run("describe", "icarl").out()).contains("needs: a class-incremental stream");
        CliTest.assertOneLineError(CliTest.run("describe", "ewcc"), "no component is called 'ewcc'");
        CliTest.assertOneLineError(CliTest.run("list", "gadgets"), "unknown kind 'gadgets'", "strategies");
    }

    /** Every per-benchmark hyperparameter file names real strategies and parameters, each with a value that differs from its default. */
    @Test
    void everyHyperparameterFileIsValid() throws IOException {
        try (Stream<Path> files = Files.list(ROOT.resolve("presets/hparams"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).toList()) {
                com.fasterxml.jackson.databind.JsonNode root = Hyperparameters.YAML.readTree(f.toFile());
                assertThat(root.size()).as(f.toString()).isPositive();
                root.fieldNames().forEachRemaining(strategy -> assertThat(Hyperparameters.overrides(f.toString(), "any", strategy))
                        .as(f + " " + strategy).isNotEmpty());
            }
        }
    }
}
