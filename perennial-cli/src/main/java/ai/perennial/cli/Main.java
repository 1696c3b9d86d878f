package ai.perennial.cli;

import ai.perennial.core.PerennialException;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.run.Startup;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/** Entry point of the {@code perennial} command. */
@Command(name = "perennial", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Continual-learning training system for the JVM.")
public final class Main implements Runnable {
    /** The subcommands, in the order help lists them. */
    static final List<Class<?>> COMMANDS = List.of(TrainCommand.class, LrFindCommand.class, RunCommand.class, SparkTrainCommand.class,
            SparkBenchCommand.class, CompareCommand.class, ContinueCommand.class, ExportCommand.class, PredictCommand.class, ResultsCommand.class, LotteryCommand.class,
            InterpolateCommand.class, MergeCommand.class, ComponentsCommand.ListCommand.class, ComponentsCommand.DescribeCommand.class,
            ScheduleCommand.class, BenchCommand.class, ai.perennial.cli.theory.TheoryCommand.class,
            ai.perennial.cli.dashboard.DashboardCommand.class, CommandLine.HelpCommand.class);

    /** Exit code for user errors (bad input or configuration). */
    public static final int USAGE_ERROR = 2;

    /** Exit code for failures that are Perennial's fault (a bug): the message asks for a report. */
    public static final int INTERNAL_ERROR = 1;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Option(names = "--debug", scope = CommandLine.ScopeType.INHERIT,
            description = "On an error, also print the full stack trace (as does PERENNIAL_DEBUG=1)")
    boolean debug;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        Startup.process().mark(Startup.JVM);
        System.exit(execute(args));
    }

    /** Runs the command line and returns the exit code; errors become one line on stderr. */
    public static int execute(String... args) {
        Class<?> command = named(args);
        if (command != null && UsesEngine.class.isAssignableFrom(command)) {
            Engines.preload();
        }
        CommandLine cli = command != null ? withCommands(List.of(command)) : commandLine();
        Startup.process().mark(Startup.CLI);
        cli.setParameterExceptionHandler((e, a) -> {
            System.err.println("error: " + Text.printable(e.getMessage()) + "; run '"
                    + e.getCommandLine().getCommandSpec().qualifiedName() + " --help' for usage");
            return USAGE_ERROR;
        });
        Main main = cli.getCommand();
        cli.setExecutionExceptionHandler((e, c, parsed) -> {
            if (main.debug || "1".equals(System.getenv("PERENNIAL_DEBUG"))) {
                e.printStackTrace();
            }
            Failure f = Failure.of(e);
            System.err.println("error: " + Text.printable(f.message()));
            return f.code();
        });
        return cli.execute(args);
    }

    /** Every command with its options, including those derived from the component registry. */
    static CommandLine commandLine() {
        return withCommands(COMMANDS);
    }

    /**
     * The command line for {@code args}: only the subcommand they name when they name one (building every command's
     * options by reflection, and the registry-derived ones, took most of a second of start-up), else every command (for
     * help, usage errors and suggestions).
     */
    static CommandLine commandLine(String... args) {
        Class<?> command = named(args);
        return command != null ? withCommands(List.of(command)) : commandLine();
    }

    /** The command {@code args} run (the first argument that is not an option), or null (none, an unknown one, help). */
    private static Class<?> named(String... args) {
        String name = java.util.Arrays.stream(args).filter(a -> !a.startsWith("-")).findFirst().orElse(null);
        for (Class<?> c : COMMANDS) {
            if (c != CommandLine.HelpCommand.class && c.getAnnotation(Command.class).name().equals(name)) {
                return c;
            }
        }
        return null;
    }

    private static CommandLine withCommands(List<Class<?>> commands) {
        CommandLine cli = new CommandLine(new Main());
        for (Class<?> c : commands) {
            cli.addSubcommand(c);
        }
        // no option of any command means infinity or NaN; picocli would accept "1e309" and "NaN"
        CommandLine.ITypeConverter<Double> finite = text -> {
            double v = Double.parseDouble(text);
            if (!Double.isFinite(v)) {
                throw new CommandLine.TypeConversionException("'" + text + "' is not a finite number");
            }
            return v;
        };
        cli.registerConverter(Double.class, finite);
        cli.registerConverter(Double.TYPE, finite);
        Map<String, CommandLine> subcommands = cli.getSubcommands();
        if (subcommands.containsKey("train")) {
            TrainCommand.declareOptions(subcommands.get("train"));
        }
        if (subcommands.containsKey("lr-find")) {
            LrFindCommand.declareOptions(subcommands.get("lr-find"));
        }
        if (subcommands.containsKey("lottery")) {
            LotteryCommand.declareOptions(subcommands.get("lottery"));
        }
        if (subcommands.containsKey("spark-train")) {
            SparkTrainCommand.declareOptions(subcommands.get("spark-train"));
        }
        return cli;
    }

    /** What to tell the user about an exception, and the exit code. */
    record Failure(String message, int code) {
        static Failure of(Throwable e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof PerennialException) {
                    return new Failure(t.getMessage(), USAGE_ERROR);
                }
            }
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof OutOfMemoryError) {
                    return new Failure("out of memory (" + t.getMessage() + "); use smaller batches, models or memories, or give Java "
                            + "more heap, e.g. PERENNIAL_JAVA_OPTS=-Xmx16g", USAGE_ERROR);
                }
                if (t instanceof java.io.IOException) {
                    return new Failure(t.getClass().getSimpleName().replace("Exception", "") + ": " + t.getMessage()
                            + "; check the path, its permissions and the free disk space", USAGE_ERROR);
                }
            }
            StackTraceElement where = e.getStackTrace().length > 0 ? e.getStackTrace()[0] : null;
            return new Failure("internal error " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage())
                    + (where == null ? "" : " at " + where.getClassName().replaceAll(".*\\.", "") + "." + where.getMethodName() + ":"
                    + where.getLineNumber()) + "; this is a bug in Perennial: please report it with the output of the same command "
                    + "run with --debug", INTERNAL_ERROR);
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"perennial " + (v == null ? "dev" : v)};
        }
    }
}
