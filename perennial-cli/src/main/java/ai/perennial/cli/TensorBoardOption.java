package ai.perennial.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --tensorboard DIR}, shared by every command that records a run (a picocli mixin). */
public final class TensorBoardOption {
    @Option(names = "--tensorboard", paramLabel = "DIR", description = "Also write TensorBoard event files (scalars, weight histograms,"
            + " the accuracy matrix as an image) to DIR; compare puts each run's in DIR/STRATEGY/seed-N")
    Path dir;

    /** The directory, created and checked writable before anything is trained; null when not given. */
    public Path prepared() {
        if (dir != null) {
            OutputDir.writable(dir, "--tensorboard");
        }
        return dir;
    }
}
