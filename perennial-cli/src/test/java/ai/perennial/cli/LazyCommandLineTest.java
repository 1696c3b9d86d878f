package ai.perennial.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The command line built for one command (to start faster) is that command exactly as in the full command line. */
class LazyCommandLineTest {
    @Test
    void eachCommandAloneHasTheSameOptionsAndHelpAsInTheWholeCommandLine() {
        Map<String, CommandLine> all = Main.commandLine().getSubcommands();
        assertThat(all).hasSameSizeAs(Main.COMMANDS);
        for (String name : all.keySet()) {
            if (name.equals("help")) {
                continue;
            }
            CommandLine alone = Main.commandLine("--debug", name, "--some-option", "value");
            assertThat(alone.getSubcommands().keySet()).as(name).containsExactly(name);
            CommandLine sub = alone.getSubcommands().get(name);
            assertThat(sub.getUsageMessage(CommandLine.Help.Ansi.OFF)).as(name)
                    .isEqualTo(all.get(name).getUsageMessage(CommandLine.Help.Ansi.OFF));
            assertThat(sub.getSubcommands().keySet()).as(name).isEqualTo(all.get(name).getSubcommands().keySet());
        }
    }

    /** Help, a bare command, an unknown command: everything, so help lists all and errors can suggest. */
    @Test
    void withoutAKnownCommandEveryCommandIsThere() {
        for (String[] args : new String[][] {{}, {"--help"}, {"help", "run"}, {"runn"}}) {
            assertThat(Main.commandLine(args).getSubcommands()).as(String.join(" ", args)).hasSameSizeAs(Main.COMMANDS);
        }
        CliTest.Outcome help = CliTest.run("help", "run");
        assertThat(help.code()).isZero();
        assertThat(help.out()).contains("Usage: perennial run");
    }
}
