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
final class OutputDir {
    private OutputDir() {
    }

    /**
     * @param keep the command continues what {@code dir} holds (a resume): it may be non-empty
     * @param ours the names Perennial writes in {@code dir} for this command (files or directories), which {@code force}
     *     removes
     */
    static void prepare(Path dir, boolean keep, boolean force, List<String> ours) {
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
        try {
            Files.createDirectories(dir);
            Path probe = Files.createTempFile(dir, ".write-test", ".tmp");
            Files.delete(probe);
        } catch (IOException e) {
            throw new PerennialException("--out " + dir + " is not writable (" + e.getMessage() + "); choose a writable directory");
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
