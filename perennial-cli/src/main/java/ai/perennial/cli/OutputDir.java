package ai.perennial.cli;

import ai.perennial.core.PerennialException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The output directory of a command, checked before anything is trained: a directory (not a file), writable, and
 * holding no earlier run unless the command resumes it ({@code --resume}) or replaces it ({@code --force}, which
 * removes only what Perennial writes there).
 */
public final class OutputDir {
    private OutputDir() {
    }

    /**
     * @param keep the command continues what {@code dir} holds (a resume): it may be non-empty
     * @param ours the names Perennial writes in {@code dir} for this command (files or directories), which {@code force}
     *     removes
     */
    static void prepare(Path dir, boolean keep, boolean force, List<String> ours) {
        named(dir);
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new PerennialException("--out " + dir + " is a file; choose a directory");
        }
        if (!keep && Files.isDirectory(dir) && !empty(dir)) {
            if (!force) {
                throw new PerennialException("--out " + dir + " is not empty (it holds " + listing(dir)
                        + "); pass --resume to continue the run there, --force to replace it, or choose another directory");
            }
            try {
                for (String name : ours) {
                    deleteTree(dir.resolve(name));
                }
            } catch (IOException e) {
                throw new PerennialException("--force: cannot clear " + dir + " (" + e.getMessage() + ")");
            }
            if (!empty(dir)) {
                throw new PerennialException("--out " + dir + " holds files Perennial did not write (" + listing(dir)
                        + "); --force only replaces a run's own outputs; choose another directory");
            }
        }
        writable(dir);
    }

    /** Creates {@code dir} if needed and checks that files can be written there; its contents are not looked at. */
    public static void writable(Path dir) {
        writable(dir, "--out");
    }

    /** As {@link #writable(Path)}, for the directory given by {@code flag}. */
    static void writable(Path dir, String flag) {
        named(dir);
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new PerennialException(flag + " " + dir + " is a file; choose a directory");
        }
        String problem = createAndProbe(dir);
        if (problem != null) {
            throw new PerennialException(flag + " " + dir + " is not writable (" + problem + "); choose a writable directory");
        }
    }

    /** Checks that {@code file} can be written: not a directory, in a writable directory (created if needed). */
    public static void writableFile(Path file) {
        named(file);
        if (Files.isDirectory(file)) {
            throw new PerennialException("--out " + file + " is a directory; give a file name");
        }
        Path parent = file.toAbsolutePath().getParent();
        if (Files.exists(parent) && !Files.isDirectory(parent)) {
            throw new PerennialException("--out " + file + ": " + parent + " is a file, not a directory");
        }
        String problem = createAndProbe(parent);
        if (problem != null) {
            throw new PerennialException("--out " + file + " cannot be written (" + problem + "); choose a writable place");
        }
    }

    /** Creates {@code dir} if needed and writes and deletes a file there; the failure's message, or null. */
    private static String createAndProbe(Path dir) {
        try {
            Files.createDirectories(dir);
            Files.delete(Files.createTempFile(dir, ".write-test", ".tmp"));
            return null;
        } catch (IOException e) {
            return e.getMessage();
        }
    }

    /** An empty name would mean the current directory, which is never what was meant. */
    private static void named(Path p) {
        if (p.toString().isBlank()) {
            throw new PerennialException("--out is empty; name a directory or file");
        }
    }

    private static boolean empty(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        } catch (IOException e) {
            throw new PerennialException("--out " + dir + " cannot be read (" + e.getMessage() + ")");
        }
    }

    private static String listing(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            List<String> names = s.map(p -> p.getFileName().toString()).sorted().toList();
            return String.join(", ", names.subList(0, Math.min(4, names.size()))) + (names.size() > 4 ? ", ..." : "");
        } catch (IOException e) {
            return "files";
        }
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }
}
