package ai.perennial.core.run;

import ai.djl.engine.Engine;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What is needed to reproduce a run: the full configuration, the seed, the command line, library and
 * JDK versions, the machine, and the git commit of the source tree when one is found.
 */
public record Provenance(Map<String, Object> config, long seed, String command, Map<String, String> versions,
        Map<String, String> machine, String gitCommit, Boolean gitDirty, String startedAt) {

    public static Provenance capture(Map<String, Object> config, long seed, String command) {
        return capture(config, seed, command, true);
    }

    /** As {@link #capture(Map, long, String)}; {@code withEngine = false} skips loading the tensor engine (theory lab). */
    public static Provenance capture(Map<String, Object> config, long seed, String command, boolean withEngine) {
        Map<String, String> versions = new LinkedHashMap<>();
        versions.put("perennial", String.valueOf(Provenance.class.getPackage().getImplementationVersion()));
        if (withEngine) {
            versions.put("djl", Engine.getDjlVersion());
            Engine engine = Engine.getEngine("PyTorch");
            versions.put("engine", engine.getEngineName() + " " + engine.getVersion());
        }
        versions.put("java", System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")");
        Map<String, String> machine = new LinkedHashMap<>();
        machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        machine.put("cpu", cpuModel());
        machine.put("cpus", Integer.toString(Runtime.getRuntime().availableProcessors()));
        machine.put("max_heap_mb", Long.toString(Runtime.getRuntime().maxMemory() >> 20));
        Path root = sourceRoot();
        String commit = root == null ? null : git(root, "rev-parse", "HEAD");
        Boolean dirty = null;
        if (commit != null) {
            String status = git(root, "status", "--porcelain", "--untracked-files=no");
            dirty = status != null && !status.isEmpty();
        }
        return new Provenance(config, seed, command, versions, machine, commit, dirty, Instant.now().toString());
    }

    /**
     * The CPU model and its widest vector extension: MKL picks kernels by instruction set, so the last digits of a run
     * can differ between CPUs (never between runs on one).
     */
    static String cpuModel() {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/cpuinfo"));
            String model = lines.stream().filter(l -> l.startsWith("model name")).findFirst().map(l -> l.replaceFirst("[^:]*:\\s*", ""))
                    .orElse(System.getProperty("os.arch"));
            String flags = lines.stream().filter(l -> l.startsWith("flags")).findFirst().orElse("");
            String vector = flags.contains(" avx512f") ? "AVX-512" : flags.contains(" avx2") ? "AVX2" : flags.contains(" avx") ? "AVX" : "SSE";
            return model + ", " + vector;
        } catch (IOException | RuntimeException e) {
            return System.getProperty("os.arch");
        }
    }

    /** The git work tree this code runs from: $PERENNIAL_HOME, else the nearest ancestor of the cwd with .git. */
    private static Path sourceRoot() {
        String home = System.getenv("PERENNIAL_HOME");
        Path dir = home != null ? Path.of(home) : Path.of("").toAbsolutePath();
        for (Path p = dir; p != null; p = p.getParent()) {
            if (Files.exists(p.resolve(".git"))) {
                return p;
            }
        }
        return null;
    }

    private static String git(Path dir, String... args) {
        String[] command = new String[args.length + 3];
        command[0] = "git";
        command[1] = "-C";
        command[2] = dir.toString();
        System.arraycopy(args, 0, command, 3, args.length);
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!process.waitFor(10, TimeUnit.SECONDS) || process.exitValue() != 0) {
                return null;
            }
            return out;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
