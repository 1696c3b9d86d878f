package ai.perennial.cli;

import ai.perennial.core.PerennialException;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/** Entry point of the {@code perennial} command. */
@Command(name = "perennial", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Continual-learning training system for the JVM.",
        subcommands = {TrainCommand.class, LrFindCommand.class, RunCommand.class, CompareCommand.class, ContinueCommand.class,
            ExportCommand.class, PredictCommand.class, ResultsCommand.class,
            ComponentsCommand.ListCommand.class, ComponentsCommand.DescribeCommand.class, ScheduleCommand.class, BenchCommand.class,
            ai.perennial.cli.theory.TheoryCommand.class,
            CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    /** Exit code for user errors (bad input or configuration). */
    public static final int USAGE_ERROR = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns the exit code; errors become one line on stderr. */
    public static int execute(String... args) {
        CommandLine cli = new CommandLine(new Main());
        TrainCommand.declareOptions(cli.getSubcommands().get("train"));
        LrFindCommand.declareOptions(cli.getSubcommands().get("lr-find"));
        cli.setParameterExceptionHandler((e, a) -> {
            String command = e.getCommandLine().getCommandName();
            System.err.println("error: " + e.getMessage() + "; run 'perennial "
                    + (command.equals("perennial") ? "" : command + " ") + "--help' for usage");
            return USAGE_ERROR;
        });
        cli.setExecutionExceptionHandler((e, c, parsed) -> {
            Throwable user = e;
            while (user != null && !(user instanceof PerennialException)) {
                user = user.getCause();
            }
            if (user != null) {
                System.err.println("error: " + user.getMessage());
                return USAGE_ERROR;
            }
            throw e;
        });
        return cli.execute(args);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"perennial " + (v == null ? "dev" : v)};
        }
    }
}
