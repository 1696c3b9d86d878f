package ai.perennial.cli.theory;

import ai.perennial.core.PerennialException;
import ai.perennial.theory.TheoryException;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code perennial theory}: the exact linear-model laboratory. */
@Command(name = "theory", mixinStandardHelpOptions = true,
        description = "Exact continual linear regression and classification: forgetting rates, closed forms, bounds.",
        subcommands = {RegressionCommand.class, TwoTaskCommand.class, GaussianCommand.class, ClassificationCommand.class,
            TheoryBenchCommand.class})
public final class TheoryCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Base of the subcommands: theory-lab input errors become the CLI's one-line user errors. */
    abstract static class Experiment implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public final Integer call() {
            try {
                return execute();
            } catch (TheoryException e) {
                throw new PerennialException(e.getMessage());
            }
        }

        abstract int execute();

        List<String> args() {
            return spec.root().commandLine().getParseResult().originalArgs();
        }
    }
}
