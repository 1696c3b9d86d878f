package ai.perennial.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.perennial.cl.experiment.ExperimentConfig;
import ai.perennial.cl.scenario.Scenario;
import ai.perennial.cl.strategy.Strategy;
import ai.perennial.core.data.DataSources;
import ai.perennial.core.model.Model;
import ai.perennial.core.optim.OptimizerConfig;
import ai.perennial.core.optim.Optimizers;
import ai.perennial.core.registry.Param;
import ai.perennial.core.registry.Registry;
import ai.perennial.core.state.Checkpointer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Bad input of every kind, generated from a seed: mutated IDX files, invalid run configs and random command lines for
 * every command. Each case must end within {@link #TIME_LIMIT_SECONDS} either correctly (exit 0, its outputs complete)
 * or with exit 2 and exactly one {@code error:} line that names the problem; never a stack trace, an internal error,
 * or a temporary file left behind. {@code -Dperennial.fuzz.cases=10000 -Dperennial.fuzz.seed=N} runs more.
 */
class FuzzTest {
    private static final int CASES = Integer.getInteger("perennial.fuzz.cases", 300);
    private static final long SEED = Long.getLong("perennial.fuzz.seed", 1);
    private static final int TIME_LIMIT_SECONDS = 120;

    @TempDir
    static Path root;

    static Path data;
    static Path config;
    static Path finishedRun;
    static Path model;
    static Path comparison;
    static ExecutorService executor;

    /** One generated input: the arguments, and words of which the error message must contain at least one. */
    record Case(String kind, String description, List<String> args, List<String> names) {
    }

    record Outcome(int code, String out, String err, double seconds) {
    }

    @BeforeAll
    static void fixtures() throws IOException {
        executor = newExecutor();
        data = root.resolve("idx");
        Files.createDirectories(data);
        writeIdxSet(data);
        config = root.resolve("base.yaml");
        Files.writeString(config, new YAMLMapper().writeValueAsString(baseConfig()));
        finishedRun = root.resolve("finished");
        Outcome run = execute(List.of("run", config.toString(), "--out", finishedRun.toString()));
        assertThat(run.code()).as(run.err()).isZero();
        // predict cases need a model of the IDX data, so that their option errors are reached
        Path idxRun = root.resolve("idx-run");
        Outcome idxTrain = execute(List.of("train", "--dataset", "idx", "--data-dir", data.toString(), "--hidden", "8", "--out",
                idxRun.toString()));
        assertThat(idxTrain.code()).as(idxTrain.err()).isZero();
        model = root.resolve("model").resolve("m.safetensors");
        Outcome export = execute(List.of("export", idxRun.toString(), "--out", model.toString()));
        assertThat(export.code()).as(export.err()).isZero();
        comparison = root.resolve("comparison");
        Outcome compare = execute(List.of("compare", config.toString(), "--strategies", "naive,ewc", "--seeds", "1",
                "--out", comparison.toString()));
        assertThat(compare.code()).as(compare.err()).isZero();
    }

    static ExecutorService newExecutor() {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fuzz-case");
            t.setDaemon(true); // a hung case must not keep the test JVM alive
            return t;
        });
    }

    @AfterAll
    static void stop() {
        executor.shutdownNow();
    }

    /** A run that trains in well under a second: 4 Gaussian classes in 2 experiences, an 8-unit MLP, one epoch. */
    static Map<String, Object> baseConfig() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("name", "fuzz");
        c.put("seed", 1);
        c.put("dataset", new LinkedHashMap<>(Map.of("name", "gaussian-clusters", "samples", 240, "features", 8, "classes", 4)));
        c.put("scenario", new LinkedHashMap<>(Map.of("name", "split", "classes_per_experience", 2)));
        c.put("model", new LinkedHashMap<>(Map.of("name", "mlp", "hidden", List.of(8))));
        c.put("optimizer", new LinkedHashMap<>(Map.of("name", "sgd", "lr", 0.05)));
        c.put("training", new LinkedHashMap<>(Map.of("epochs", 1, "batch_size", 32)));
        c.put("strategy", new LinkedHashMap<>(Map.of("name", "er", "memory", 40)));
        c.put("evaluation", new LinkedHashMap<>(Map.of("every_steps", 5, "subset_size", 20)));
        return c;
    }

    @Test
    void everyBadInputEndsInOneNamedErrorOrACorrectRun() throws IOException {
        SplittableRandom random = new SplittableRandom(SEED);
        Map<String, Integer> byKind = new TreeMap<>();
        Map<Integer, Integer> byCode = new TreeMap<>();
        Map<String, Integer> messages = new TreeMap<>();
        List<String> failures = new ArrayList<>();
        double slowest = 0;
        List<CommandLine> commands = new ArrayList<>();
        collect(Main.commandLine(), commands);
        for (int i = 0; i < CASES && failures.size() < 5; i++) {
            Path dir = root.resolve("case-" + i);
            Files.createDirectories(dir);
            int pick = random.nextInt(10);
            Case c = pick < 3 ? idxCase(random, dir) : pick < 6 ? configCase(random, dir) : commandCase(random, dir, commands);
            Outcome o = execute(c.args());
            byKind.merge(c.kind(), 1, Integer::sum);
            byCode.merge(o.code(), 1, Integer::sum);
            slowest = Math.max(slowest, o.seconds());
            String problem = check(c, o, dir);
            if (problem != null) {
                failures.add("case " + i + " (" + c.kind() + ": " + c.description() + ")\n  args: " + c.args() + "\n  " + problem
                        + "\n  exit " + o.code() + ", stderr:\n" + o.err().indent(4));
            } else if (o.code() != 0) {
                messages.merge(errorLine(o).replace(dir.toString(), "CASE").replace(root.toString(), "ROOT").replaceAll("\\d+", "N"), 1,
                        Integer::sum);
            }
            deleteTree(dir);
        }
        System.out.printf("fuzz seed %d: %d cases %s, exit codes %s, %d distinct error messages, slowest case %.1f s%n", SEED,
                byKind.values().stream().mapToInt(Integer::intValue).sum(), byKind, byCode, messages.size(), slowest);
        assertThat(failures).as(String.join("\n", failures)).isEmpty();
    }

    /** Null when the outcome satisfies the property, else what is wrong. */
    static String check(Case c, Outcome o, Path dir) throws IOException {
        String all = o.out() + o.err();
        if (all.contains("\tat ") || all.contains("Caused by:") || all.contains("Exception in thread")) {
            return "a stack trace was printed";
        }
        if (o.code() == -1) {
            return "did not end within " + TIME_LIMIT_SECONDS + " s";
        }
        try (Stream<Path> files = Files.walk(dir)) {
            List<Path> left = files.filter(p -> p.getFileName().toString().contains(".tmp")).toList();
            if (!left.isEmpty()) {
                return "temporary files left behind: " + left;
            }
        }
        List<String> errors = o.err().lines().filter(l -> l.startsWith("error:")).toList();
        if (o.code() == 0) {
            return errors.isEmpty() ? null : "exit 0 with an error line";
        }
        if (o.code() != Main.USAGE_ERROR) {
            return "exit " + o.code() + " instead of 0 or " + Main.USAGE_ERROR;
        }
        if (errors.size() != 1) {
            return errors.size() + " error lines instead of one";
        }
        if (errors.get(0).contains("(status diverged)")) {
            return null; // a valid setting whose training diverged: the run stopped and kept what it measured
        }
        String line = errors.get(0);
        if (line.length() < 20 || line.chars().anyMatch(ch -> ch < 0x20)) {
            return "the error line is empty or holds control characters";
        }
        String lower = line.toLowerCase(java.util.Locale.ROOT);
        if (c.names().stream().noneMatch(n -> lower.contains(n.toLowerCase(java.util.Locale.ROOT)))) {
            return "the error line names none of " + c.names();
        }
        return null;
    }

    static String errorLine(Outcome o) {
        return o.err().lines().filter(l -> l.startsWith("error:")).findFirst().orElse("");
    }

    // ----- IDX files

    static void writeIdxSet(Path dir) throws IOException {
        Files.write(dir.resolve("train-images-idx3-ubyte"), idx(new int[] {40, 6, 6}, 40 * 36, 0));
        Files.write(dir.resolve("train-labels-idx1-ubyte"), idx(new int[] {40}, 40, 4));
        Files.write(dir.resolve("t10k-images-idx3-ubyte"), idx(new int[] {12, 6, 6}, 12 * 36, 0));
        Files.write(dir.resolve("t10k-labels-idx1-ubyte"), idx(new int[] {12}, 12, 4));
    }

    /** An unsigned-byte IDX file; payload byte i is {@code i % modulus} (labels) or pseudo-random pixels. */
    static byte[] idx(int[] dims, int payload, int modulus) {
        byte[] out = new byte[4 + 4 * dims.length + payload];
        out[2] = 8;
        out[3] = (byte) dims.length;
        for (int i = 0; i < dims.length; i++) {
            for (int b = 0; b < 4; b++) {
                out[4 + 4 * i + b] = (byte) (dims[i] >>> (24 - 8 * b));
            }
        }
        for (int i = 0; i < payload; i++) {
            out[4 + 4 * dims.length + i] = (byte) (modulus > 0 ? i % modulus : (i * 37) & 0xff);
        }
        return out;
    }

    static Case idxCase(SplittableRandom r, Path dir) throws IOException {
        Path set = dir.resolve("data");
        Files.createDirectories(set);
        for (Path f : list(data)) {
            Files.copy(f, set.resolve(f.getFileName()));
        }
        List<Path> files = list(set);
        Path file = files.get(r.nextInt(files.size()));
        byte[] bytes = Files.readAllBytes(file);
        boolean gzip = r.nextInt(3) == 0;
        String what;
        switch (r.nextInt(gzip ? 9 : 8)) {
            case 0 -> {
                int at = r.nextInt(bytes.length);
                bytes = Arrays.copyOf(bytes, at);
                what = "truncated at " + at;
            }
            case 1 -> {
                int at = r.nextInt(bytes.length);
                bytes[at] ^= (byte) (1 + r.nextInt(255));
                what = "byte " + at + " flipped";
            }
            case 2 -> {
                int at = r.nextInt(4);
                bytes[at] = (byte) r.nextInt(256);
                what = "magic byte " + at + " set to " + (bytes[at] & 0xff);
            }
            case 3 -> {
                int rank = bytes[3];
                int d = r.nextInt(Math.max(1, Math.min(rank, 4)));
                int[] values = {0, -1, 1, 7, 41, 1 << 20, Integer.MAX_VALUE, r.nextInt()};
                int v = values[r.nextInt(values.length)];
                for (int b = 0; b < 4 && 4 + 4 * d + b < bytes.length; b++) {
                    bytes[4 + 4 * d + b] = (byte) (v >>> (24 - 8 * b));
                }
                what = "dimension " + d + " set to " + v;
            }
            case 4 -> {
                byte[] extra = new byte[1 + r.nextInt(100)];
                r.nextBytes(extra);
                byte[] longer = Arrays.copyOf(bytes, bytes.length + extra.length);
                System.arraycopy(extra, 0, longer, bytes.length, extra.length);
                bytes = longer;
                what = extra.length + " bytes appended";
            }
            case 5 -> {
                Files.delete(file);
                return idxRun(dir, set, "deleted " + file.getFileName(), file.getFileName().toString());
            }
            case 6 -> {
                bytes = new byte[0];
                what = "emptied";
            }
            case 7 -> {
                if (file.getFileName().toString().contains("labels")) {
                    int at = 8 + r.nextInt(bytes.length - 8);
                    bytes[at] = (byte) (10 + r.nextInt(246));
                    what = "label at byte " + at + " set to " + (bytes[at] & 0xff);
                } else {
                    bytes[r.nextInt(bytes.length)] = (byte) r.nextInt(256);
                    what = "one pixel changed";
                }
            }
            default -> {
                what = "gzip stream damaged";
            }
        }
        if (gzip) {
            Files.delete(file);
            file = file.resolveSibling(file.getFileName() + ".gz");
            ByteArrayOutputStream packed = new ByteArrayOutputStream();
            try (GZIPOutputStream z = new GZIPOutputStream(packed)) {
                z.write(bytes);
            }
            bytes = packed.toByteArray();
            if (what.equals("gzip stream damaged")) {
                int at = r.nextInt(bytes.length);
                if (r.nextBoolean()) {
                    bytes = Arrays.copyOf(bytes, at);
                } else {
                    bytes[at] ^= (byte) (1 + r.nextInt(255));
                }
            }
            what = "gzipped, " + what;
        }
        Files.write(file, bytes);
        return idxRun(dir, set, file.getFileName() + " " + what, file.getFileName().toString());
    }

    static Case idxRun(Path dir, Path set, String what, String name) {
        return new Case("idx", what, List.of("train", "--dataset", "idx", "--data-dir", set.toString(), "--hidden", "8", "--epochs",
                "1", "--batch-size", "16", "--out", dir.resolve("out").toString()), List.of(name.replace(".gz", ""), "data directory"));
    }

    // ----- run configs

    /** Values of the wrong type, out of range, null, non-finite, empty, huge or with control characters. */
    static final List<Supplier<Object>> BAD_VALUES = List.of(() -> null, () -> -1, () -> 0, () -> 0.5, () -> 1e12, () -> -1e300,
            () -> "abc", () -> true, () -> List.of(1, 2), () -> Map.of("a", 1), () -> "", () -> "x".repeat(20_000),
            () -> "\u001b[31mred\u0000", () -> Long.MAX_VALUE, () -> "1,2", () -> List.of());

    static Case configCase(SplittableRandom r, Path dir) throws IOException {
        Map<String, Object> c = baseConfig();
        Registry registry = Registry.global();
        List<String> names = new ArrayList<>();
        String what;
        String text = null;
        switch (r.nextInt(8)) {
            case 0, 1 -> {
                // a declared key of a section set to a bad value
                Map<String, List<Param<?>>> sections = new LinkedHashMap<>();
                sections.put("dataset", registry.get(DataSources.KIND, "gaussian-clusters", "dataset").params());
                sections.put("scenario", registry.get(Scenario.KIND, "split", "scenario").params());
                sections.put("model", registry.get(Model.KIND, "mlp", "model").params());
                List<Param<?>> optimizer = new ArrayList<>(registry.get(Optimizers.KIND, "sgd", "optimizer").params());
                optimizer.addAll(OptimizerConfig.sharedParams(registry));
                sections.put("optimizer", optimizer);
                sections.put("training", ExperimentConfig.TRAINING_PARAMS);
                sections.put("strategy", registry.get(Strategy.KIND, "er", "strategy").params());
                sections.put("evaluation", ExperimentConfig.EVALUATION_PARAMS);
                sections.put("checkpoint", Checkpointer.PARAMS);
                sections.put("logging", ai.perennial.core.observe.RunLog.PARAMS);
                List<String> keys = new ArrayList<>(sections.keySet());
                String section = keys.get(r.nextInt(keys.size()));
                List<Param<?>> params = sections.get(section);
                String key = params.get(r.nextInt(params.size())).name();
                Object value = BAD_VALUES.get(r.nextInt(BAD_VALUES.size())).get();
                @SuppressWarnings("unchecked")
                Map<String, Object> s = (Map<String, Object>) c.computeIfAbsent(section, k -> new LinkedHashMap<>());
                s.put(key, value);
                what = section + "." + key + " = " + shown(value);
                names.addAll(List.of(section + "." + key, key));
            }
            case 2 -> {
                String section = List.of("name", "seed", "dataset", "scenario", "model", "optimizer", "training", "strategy",
                        "evaluation").get(r.nextInt(9));
                Object value = BAD_VALUES.get(r.nextInt(BAD_VALUES.size())).get();
                c.put(section, value);
                what = section + " = " + shown(value);
                names.add(section);
            }
            case 3 -> {
                // strategy combinations, including empty members, baselines and repeats
                List<String> all = new ArrayList<>(registry.names(Strategy.KIND));
                all.add("");
                all.add("nonesuch");
                int n = 1 + r.nextInt(3);
                List<String> members = new ArrayList<>();
                for (int k = 0; k < n; k++) {
                    members.add(all.get(r.nextInt(all.size())));
                }
                String name = String.join("+", members);
                Map<String, Object> strategy = new LinkedHashMap<>(Map.of("name", name));
                c.put("strategy", strategy);
                List<String> scenarios = registry.names(Scenario.KIND);
                String scenario = scenarios.get(r.nextInt(scenarios.size()));
                c.put("scenario", new LinkedHashMap<>(Map.of("name", scenario)));
                what = "strategy " + name + " on scenario " + scenario;
                names.addAll(members.stream().filter(m -> !m.isEmpty()).toList());
                names.addAll(List.of("strategy", "scenario", "member"));
            }
            case 4 -> {
                String section = List.of("dataset", "model", "optimizer", "strategy", "training", "evaluation", "checkpoint")
                        .get(r.nextInt(7));
                @SuppressWarnings("unchecked")
                Map<String, Object> s = (Map<String, Object>) c.computeIfAbsent(section, k -> new LinkedHashMap<>());
                String key = "unknown_" + r.nextInt(100);
                s.put(key, 1);
                what = "unknown key " + section + "." + key;
                names.add(key);
            }
            case 5 -> {
                String yaml = new YAMLMapper().writeValueAsString(c);
                int at = 4 + r.nextInt(yaml.length() - 4);
                text = yaml.substring(0, at) + List.of("\"", "{", ": :", "\t", "[", "&a *b", "!!binary x", "? ").get(r.nextInt(8))
                        + yaml.substring(at);
                what = "YAML damaged at " + at;
                names.addAll(List.of("yaml", "line", "config"));
            }
            case 6 -> {
                String yaml = new YAMLMapper().writeValueAsString(c);
                text = yaml + "seed: 2\n";
                what = "seed given twice";
                names.add("seed");
            }
            default -> {
                // a mix of valid changes that must run: another strategy, optimizer or schedule
                List<String> strategies = registry.names(Strategy.KIND);
                String strategy = strategies.get(r.nextInt(strategies.size()));
                c.put("strategy", new LinkedHashMap<>(Map.of("name", strategy)));
                List<String> optimizers = registry.names(Optimizers.KIND);
                String optimizer = optimizers.get(r.nextInt(optimizers.size()));
                c.put("optimizer", new LinkedHashMap<>(Map.of("name", optimizer, "lr", 0.01)));
                what = "valid: " + strategy + " with " + optimizer;
                names.addAll(List.of(strategy, optimizer));
            }
        }
        Path file = dir.resolve("config.yaml");
        Files.writeString(file, text != null ? text : new ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
                .writeValueAsString(c));
        names.add(file.toString());
        return new Case("config", what, List.of("run", file.toString(), "--out", dir.resolve("out").toString()), names);
    }

    static String shown(Object v) {
        String s = String.valueOf(v);
        return s.length() > 40 ? s.substring(0, 40) + "..." : s.replaceAll("\\p{Cntrl}", "?");
    }

    // ----- command lines

    static void collect(CommandLine cli, List<CommandLine> out) {
        if (cli.getSubcommands().isEmpty()) {
            out.add(cli);
        }
        cli.getSubcommands().forEach((name, sub) -> {
            if (!name.equals("help")) {
                collect(sub, out);
            }
        });
    }

    static String path(CommandLine cli) {
        List<String> names = new ArrayList<>();
        for (CommandLine c = cli; c.getParent() != null; c = c.getParent()) {
            names.add(0, c.getCommandName());
        }
        return String.join(" ", names);
    }

    /** Arguments that make {@code command} run quickly, or null when it has no quick form (benchmarks). */
    static List<String> quickArguments(String command, Path out) {
        String o = out.toString();
        return switch (command) {
            case "train" -> List.of("train", "--dataset", "gaussian-clusters", "--samples", "300", "--hidden", "8", "--out", o);
            case "lr-find" -> List.of("lr-find", "--dataset", "gaussian-clusters", "--samples", "300", "--hidden", "8", "--steps", "20",
                    "--out", o);
            case "run" -> List.of("run", config.toString(), "--out", o);
            case "compare" -> List.of("compare", config.toString(), "--strategies", "naive,er", "--seeds", "1", "--out", o);
            case "continue" -> List.of("continue", finishedRun.toString(), "--out", o);
            case "export" -> List.of("export", finishedRun.toString(), "--out", out.resolve("m.safetensors").toString());
            case "predict" -> List.of("predict", model.toString(), "--data", data.toString(), "--out",
                    out.resolve("p.csv").toString());
            case "results" -> List.of("results", comparison.toString(), "--out", out.resolve("r.md").toString());
            case "list" -> List.of("list");
            case "describe" -> List.of("describe", "ewc");
            case "schedule plot" -> List.of("schedule", "plot", "--schedule", "cosine", "--out", out.resolve("s.svg").toString());
            case "theory regression" -> List.of("theory", "regression", "--tasks", "3", "--dim", "6", "--iterations", "40", "--seeds",
                    "2", "--out", o);
            case "theory classification" -> List.of("theory", "classification", "--tasks", "3", "--dim", "5", "--points", "4",
                    "--iterations", "40", "--seeds", "2", "--out", o);
            case "theory gaussian" -> List.of("theory", "gaussian", "--features", "12", "--samples", "4", "--tasks", "2", "--trials",
                    "20", "--out", o);
            case "theory two-task" -> List.of("theory", "two-task", "--features", "20", "--samples", "4", "--trials", "10", "--out", o);
            default -> null;
        };
    }

    static final List<String> BAD_ARGUMENTS = List.of("", "-1", "0", "0.5", "1e12", "1e309", "abc", "NaN", "-0", "99999999999999999999",
            "\u001b[2J", "+", ",", "a,b", "@", "x:y=z", "-", "--");

    static Case commandCase(SplittableRandom r, Path dir, List<CommandLine> commands) {
        CommandLine cli = commands.get(r.nextInt(commands.size()));
        String command = path(cli);
        Path out = dir.resolve("out");
        List<String> quick = quickArguments(command, out);
        List<OptionSpec> options = cli.getCommandSpec().options().stream()
                .filter(o -> !o.usageHelp() && !o.versionHelp() && !o.longestName().equals("--debug")).toList();
        List<String> args = new ArrayList<>(quick != null ? quick : List.of(command.split(" ")));
        List<String> names = new ArrayList<>();
        List<String> parts = new ArrayList<>();
        int mutations = 1 + r.nextInt(2);
        for (int k = 0; k < mutations; k++) {
            int kind = r.nextInt(quick == null ? 2 : 5);
            if (kind == 0 || options.isEmpty()) {
                String bogus = "--no-such-option-" + r.nextInt(10);
                args.add(bogus);
                names.add(bogus);
                parts.add(bogus);
            } else if (kind == 1) {
                // a numeric option given text: rejected while parsing, so benchmarks never start
                List<OptionSpec> numeric = options.stream().filter(o -> Number.class.isAssignableFrom(box(o.type()))).toList();
                if (numeric.isEmpty()) {
                    String bogus = "--no-such-option";
                    args.add(bogus);
                    names.add(bogus);
                    parts.add(bogus);
                } else {
                    OptionSpec o = numeric.get(r.nextInt(numeric.size()));
                    args.add(o.longestName());
                    args.add("abc");
                    names.add(o.longestName());
                    parts.add(o.longestName() + " abc");
                }
            } else {
                OptionSpec o = options.get(r.nextInt(options.size()));
                if (o.arity().max() == 0) {
                    args.add(o.longestName());
                    parts.add(o.longestName());
                    names.add(o.longestName());
                    continue;
                }
                String value = BAD_ARGUMENTS.get(r.nextInt(BAD_ARGUMENTS.size()));
                if (o.type() == Path.class) { // any text is a directory name: keep what a command may write inside the case's own directory
                    value = dir.resolve("paths").resolve(value).toString();
                }
                if (kind == 4 && r.nextBoolean()) {
                    args.add(o.longestName()); // the value is missing
                    parts.add(o.longestName() + " (no value)");
                } else {
                    args.add(o.longestName());
                    args.add(value);
                    parts.add(o.longestName() + " '" + value.replaceAll("\\p{Cntrl}", "?") + "'");
                }
                names.add(o.longestName());
                names.add(o.longestName().replaceFirst("^--", "").replace('-', '_'));
                if (value.length() > 1) {
                    names.add(value.replaceAll("\\p{Cntrl}", ""));
                }
            }
        }
        names.add("missing");
        return new Case("command", command + ": " + String.join(", ", parts), args, names);
    }

    static Class<?> box(Class<?> type) {
        if (!type.isPrimitive()) {
            return type;
        }
        return type == int.class ? Integer.class : type == long.class ? Long.class : type == double.class ? Double.class
                : type == float.class ? Float.class : type == boolean.class ? Boolean.class : Object.class;
    }

    // ----- running

    /** Runs the command line in this JVM, as the CLI would; code -1 when it did not end within the time limit. */
    static Outcome execute(List<String> args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        long start = System.nanoTime();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            Future<Integer> f = executor.submit(() -> Main.execute(args.toArray(String[]::new)));
            int code;
            try {
                code = f.get(TIME_LIMIT_SECONDS, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                f.cancel(true);
                executor.shutdownNow();
                executor = newExecutor(); // the hung case keeps its thread; later cases must not queue behind it
                code = -1;
            } catch (Exception e) {
                throw new AssertionError("the command threw instead of returning an exit code: " + args, e);
            }
            return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8),
                    (System.nanoTime() - start) / 1e9);
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    static void deleteTree(Path p) throws IOException {
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }
}
