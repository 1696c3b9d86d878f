package ai.perennial.cli;

import ai.perennial.cl.strategy.Strategy;
import ai.perennial.cli.config.ConfigLoader;
import ai.perennial.core.PerennialException;
import ai.perennial.core.optim.OptimizerConfig;
import ai.perennial.core.optim.Optimizers;
import ai.perennial.core.registry.Component;
import ai.perennial.core.registry.Kind;
import ai.perennial.core.registry.Param;
import ai.perennial.core.registry.Registry;
import ai.perennial.core.registry.Trait;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code perennial list [KIND]} and {@code perennial describe NAME}: the registry, as text or as docs/components.md. */
final class ComponentsCommand {
    private ComponentsCommand() {
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = {"List the registered components: data sets, scenarios, models, optimizers, schedules, strategies and more.",
                "With --markdown, print docs/components.md."})
    static final class ListCommand implements Callable<Integer> {
        @Parameters(paramLabel = "KIND", arity = "0..1", description = "Only this kind, e.g. strategies (default: every kind)")
        String kind;

        @Option(names = "--markdown", description = "Print the reference page docs/components.md (every kind, with parameters)")
        boolean markdown;

        @Option(names = "--names", description = "Only the names of KIND, comma-separated, grouped by family (for scripts)")
        boolean names;

        @Option(names = "--for", paramLabel = "CONFIG",
                description = "With --names strategies: only the strategies that this run config (a YAML file or preset) supports")
        String config;

        @Override
        public Integer call() {
            Registry r = Registry.global();
            if (markdown) {
                System.out.print(markdown(r));
                return 0;
            }
            List<Kind<?, ?>> kinds = r.kinds();
            if (names) {
                System.out.println(names(r));
                return 0;
            }
            if (kind != null) {
                Kind<?, ?> k = r.kind(kind);
                if (k == null) {
                    throw new PerennialException("list: unknown kind '" + kind + "'; choose one of "
                            + kinds.stream().map(Kind::plural).collect(Collectors.joining(", ")));
                }
                kinds = List.of(k);
            }
            StringBuilder b = new StringBuilder();
            for (Kind<?, ?> k : kinds) {
                b.append(k.plural()).append(": ").append(k.doc()).append('\n');
                List<? extends Component<?, ?>> all = r.all(k);
                int width = all.stream().mapToInt(c -> c.name().length()).max().orElse(0);
                for (Component<?, ?> c : all) {
                    b.append(String.format("  %-" + width + "s  %s%n", c.name(), c.summary()));
                }
                b.append('\n');
            }
            System.out.print(b.toString().stripTrailing() + "\n");
            return 0;
        }

        /** The names of one kind by family, then name; with --for, the strategies that config supports. */
        private String names(Registry r) {
            Kind<?, ?> k = kind == null ? null : r.kind(kind);
            if (k == null) {
                throw new PerennialException("list --names needs a KIND, e.g. 'list strategies --names'");
            }
            if (config != null && !k.equals(Strategy.KIND)) {
                throw new PerennialException("list --for checks strategies against a config; use 'list strategies --names --for CONFIG'");
            }
            List<String> out = new ArrayList<>();
            for (Component<?, ?> c : r.all(k).stream().sorted(java.util.Comparator.comparing((Component<?, ?> c) -> c.family())).toList()) {
                if (config != null) {
                    try {
                        ConfigLoader.load(config, Presets.dir(), List.of("strategy={name: " + c.name() + "}"));
                    } catch (PerennialException e) {
                        continue;
                    }
                }
                out.add(c.name());
            }
            return String.join(",", out);
        }
    }

    @Command(name = "describe", mixinStandardHelpOptions = true,
            description = "Show a component: what it does, where it comes from, its parameters with defaults and ranges, what it needs.")
    static final class DescribeCommand implements Callable<Integer> {
        @Parameters(paramLabel = "NAME", description = "A component name, e.g. ewc, adamw, cosine, split")
        String name;

        @Override
        public Integer call() {
            Registry r = Registry.global();
            List<Component<?, ?>> found = r.find(name);
            if (found.isEmpty()) {
                List<String> all = new ArrayList<>();
                r.everything().values().forEach(list -> list.forEach(c -> all.add(c.name())));
                throw new PerennialException("describe: no component is called '" + name + "'; see 'perennial list' ("
                        + all.stream().sorted().distinct().collect(Collectors.joining(", ")) + ")");
            }
            StringBuilder b = new StringBuilder();
            for (Component<?, ?> c : found) {
                b.append(describe(c)).append('\n');
            }
            System.out.print(b.toString().stripTrailing() + "\n");
            return 0;
        }
    }

    /** Plain-text description of one component. */
    static String describe(Component<?, ?> c) {
        StringBuilder b = new StringBuilder();
        b.append(c.kind().id()).append(' ').append(c.name()).append(": ").append(c.summary()).append('\n');
        if (!c.source().isEmpty()) {
            b.append("source: ").append(c.source()).append('\n');
        }
        if (!c.family().isEmpty()) {
            b.append("family: ").append(c.family()).append('\n');
        }
        if (c.params().isEmpty()) {
            b.append("parameters: none\n");
        } else {
            b.append("parameters:\n");
            int width = c.params().stream().mapToInt(p -> p.name().length()).max().orElse(0);
            for (Param<?> p : c.params()) {
                b.append(String.format("  %-" + width + "s  %s%n", p.name(), paramText(p)));
            }
        }
        for (Set<Trait> need : c.requires()) {
            b.append("needs: ").append(need.stream().map(Trait::description).sorted().collect(Collectors.joining(" or "))).append('\n');
        }
        String notes = notes(c);
        if (!notes.isEmpty()) {
            b.append(notes).append('\n');
        }
        b.append("use: ").append(usage(c)).append('\n');
        return b.toString();
    }

    /** "number, default 100, > 0: penalty strength λ". */
    static String paramText(Param<?> p) {
        String def = p.isRequired() ? "required" : p.defaultValue() == null ? "unset by default" : "default " + plain(p.defaultValue());
        return p.typeName() + ", " + def + (p.rangeText().isEmpty() ? "" : ", " + p.rangeText()) + ": " + p.doc();
    }

    private static String notes(Component<?, ?> c) {
        List<String> out = new ArrayList<>();
        if (c.hasTag(Strategy.ALONE)) {
            out.add("not combined with other strategies");
        }
        if (c.hasTag(Strategy.SELECTS_DATA)) {
            out.add("chooses what to train on (at most one such member per combination)");
        }
        return String.join("; ", out);
    }

    /** How to select the component in a run config or on the command line. */
    static String usage(Component<?, ?> c) {
        String example = c.params().stream().filter(p -> p.defaultValue() != null || p.isRequired())
                .map(p -> p.name() + "=" + (p.isRequired() ? "..." : plain(p.defaultValue()))).collect(Collectors.joining(","));
        if (c.kind().equals(Optimizers.WRAPPER)) {
            return "optimizer." + c.params().get(0).name() + " in a run config, --" + c.params().get(0).name().replace('_', '-')
                    + " for train";
        }
        if (c.kind().id().equals("schedule") || c.kind().id().equals("average")) {
            return c.name() + (example.isEmpty() ? "" : ":" + example);
        }
        String section = c.kind().id();
        String keys = c.params().stream().map(p -> section + "." + p.name()).collect(Collectors.joining(", "));
        return section + ".name: " + c.name() + (keys.isEmpty() ? "" : " (with " + keys + ")");
    }

    static String plain(Object value) {
        return Param.display(value);
    }

    /** docs/components.md: every kind, every component, every parameter. */
    static String markdown(Registry r) {
        StringBuilder b = new StringBuilder();
        b.append("# Components\n\n");
        b.append("Generated from the components' own declarations by `bin/perennial list --markdown > docs/components.md`;\n");
        b.append("a test keeps this page current. `bin/perennial describe NAME` shows one entry. In a run config each\n");
        b.append("section picks a component by `name` and takes its parameters beside it, e.g.\n");
        b.append("`strategy: {name: ewc, lambda: 500}`; combined strategies (`ewc+er`) take one section per member.\n\n");
        for (Map.Entry<Kind<?, ?>, List<Component<?, ?>>> e : r.everything().entrySet()) {
            Kind<?, ?> k = e.getKey();
            b.append("## ").append(k.plural()).append("\n\n").append(capitalize(k.doc())).append(".");
            if (k.equals(Optimizers.KIND)) {
                b.append(" Every recipe also takes ").append(OptimizerConfig.sharedParams(r).stream()
                        .map(p -> "`" + p.name() + "` (" + paramText(p) + ")").collect(Collectors.joining("; "))).append('.');
            }
            boolean families = e.getValue().stream().anyMatch(c -> !c.family().isEmpty());
            b.append(families ? "\n\n| name | family | what it does | parameters | source |\n|---|---|---|---|---|\n"
                    : "\n\n| name | what it does | parameters | source |\n|---|---|---|---|\n");
            for (Component<?, ?> c : e.getValue()) {
                List<String> cells = new ArrayList<>();
                for (Param<?> p : c.params()) {
                    cells.add("`" + p.name() + "`: " + paramText(p));
                }
                for (Set<Trait> need : c.requires()) {
                    cells.add("needs " + need.stream().map(Trait::description).sorted().collect(Collectors.joining(" or ")));
                }
                String notes = notes(c);
                if (!notes.isEmpty()) {
                    cells.add(notes);
                }
                b.append("| `").append(c.name()).append("` | ").append(families ? c.family() + " | " : "").append(cell(c.summary())).append(" | ")
                        .append(cells.isEmpty() ? "—" : cell(String.join("<br>", cells))).append(" | ")
                        .append(c.source().isEmpty() ? "—" : cell(c.source())).append(" |\n");
            }
            b.append('\n');
        }
        return b.toString();
    }

    private static String cell(String text) {
        return text.replace("|", "\\|");
    }

    private static String capitalize(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}
