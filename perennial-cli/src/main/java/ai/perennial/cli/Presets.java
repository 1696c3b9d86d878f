package ai.perennial.cli;

import java.nio.file.Path;

/** Where ready-made run configs live: {@code $PERENNIAL_HOME/presets}, else {@code ./presets}. */
final class Presets {
    private Presets() {
    }

    static Path dir() {
        String home = System.getenv("PERENNIAL_HOME");
        return (home != null ? Path.of(home) : Path.of("")).resolve("presets");
    }
}
