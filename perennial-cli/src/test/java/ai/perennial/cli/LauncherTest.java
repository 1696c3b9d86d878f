package ai.perennial.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/perennial's class-data-sharing archive, on a copy of the launcher in a tree laid out as a build leaves it (the
 * jar, its lib/ folder, the presets) but made from the test class path, so it runs before 'mvn package' too.
 */
class LauncherTest {
    @TempDir
    Path root;

    private Path jar;
    private Path archive;

    record Outcome(int code, String out, String err) {
    }

    @BeforeEach
    void layOut() throws IOException {
        assumeTrue(new File("/bin/bash").canExecute() && Files.isRegularFile(Path.of("../bin/perennial")), "needs bash and the launcher");
        Files.createDirectories(root.resolve("bin"));
        Files.copy(Path.of("../bin/perennial"), root.resolve("bin/perennial"));
        root.resolve("bin/perennial").toFile().setExecutable(true);
        Files.createSymbolicLink(root.resolve("presets"), Path.of("../presets").toAbsolutePath().normalize());
        Path target = Files.createDirectories(root.resolve("perennial-cli/target"));
        Path lib = Files.createDirectories(target.resolve("lib"));
        List<String> classPath = new ArrayList<>();
        int n = 0;
        for (String entry : System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")).split(File.pathSeparator)) {
            Path p = Path.of(entry);
            if (entry.isBlank() || !Files.exists(p) || p.endsWith("test-classes")) {
                continue;
            }
            Path inLib = lib.resolve(n++ + "-" + (Files.isDirectory(p) ? p.getParent().getParent().getFileName() + ".jar" : p.getFileName()));
            if (Files.isDirectory(p)) { // a module's classes in a reactor build: CDS archives only classes from jars
                jarOf(p, inLib, null);
            } else {
                Files.createSymbolicLink(inLib, p.toAbsolutePath());
            }
            classPath.add("lib/" + inLib.getFileName());
        }
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, Main.class.getName());
        manifest.getMainAttributes().put(Attributes.Name.CLASS_PATH, String.join(" ", classPath));
        jar = target.resolve("perennial-cli.jar");
        jarOf(null, jar, manifest);
        archive = target.resolve("perennial-cli.jsa");
    }

    @Test
    void theArchiveIsBuiltOnceUsedRebuiltForChangedJarsAndSkippedWhenUnusable() throws Exception {
        Outcome first = launch(Map.of(), "--version");
        assertThat(first.code()).as(first.err()).isZero();
        assertThat(first.err()).contains("preparing the start-up archive");
        assertThat(archive).isNotEmptyFile();
        Path old = Files.copy(archive, root.resolve("old.jsa"));

        // used from now on: -Xshare:on makes the JVM fail when it cannot map the archive
        Outcome second = launch(Map.of("PERENNIAL_JAVA_OPTS", "-Xshare:on"), "--version");
        assertThat(second.code()).as(second.err()).isZero();
        assertThat(second.err()).isEmpty();
        assertThat(second.out()).startsWith("perennial ");

        // a new build (a jar of the class path changed): rebuilt, and used again
        Files.setLastModifiedTime(jar, FileTime.from(Instant.now().plusSeconds(2)));
        Outcome rebuilt = launch(Map.of("PERENNIAL_JAVA_OPTS", "-Xshare:on"), "--version");
        assertThat(rebuilt.code()).as(rebuilt.err()).isZero();
        assertThat(rebuilt.err()).contains("preparing the start-up archive");

        // an archive the JVM refuses though the launcher took it for current (as after a JDK update; here the one built
        // for the jar before it changed) is skipped without a word
        Files.copy(old, archive, StandardCopyOption.REPLACE_EXISTING);
        Outcome refused = launch(Map.of(), "--version");
        assertThat(refused.code()).isZero();
        assertThat(refused.err()).isEmpty();
        assertThat(refused.out()).startsWith("perennial ");
        assertThat(launch(Map.of("PERENNIAL_JAVA_OPTS", "-Xshare:on"), "--version").code()).as("the old archive was not used").isNotZero();

        // turned off: neither built nor used
        Files.delete(archive);
        Files.setLastModifiedTime(jar, FileTime.from(Instant.now().plusSeconds(4)));
        Outcome off = launch(Map.of("PERENNIAL_CDS", "0"), "--version");
        assertThat(off.code()).isZero();
        assertThat(off.err()).isEmpty();
        assertThat(archive).doesNotExist();
    }

    /** A build that fails (here the archive's run: no presets) is said once; the command runs, and it is not retried. */
    @Test
    void aFailedBuildIsReportedOnceAndNotRetriedUntilTheJarsChange() throws Exception {
        Files.delete(root.resolve("presets"));
        Outcome first = launch(Map.of(), "--version");
        assertThat(first.code()).isZero();
        assertThat(first.out()).startsWith("perennial ");
        assertThat(first.err()).contains("preparing the start-up archive", "note: no start-up archive");
        assertThat(archive).doesNotExist();
        Outcome second = launch(Map.of(), "--version");
        assertThat(second.code()).isZero();
        assertThat(second.err()).isEmpty();
    }

    private Outcome launch(Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("/bin/bash", root.resolve("bin/perennial").toString()));
        command.addAll(List.of(args));
        ProcessBuilder b = new ProcessBuilder(command);
        b.environment().remove("PERENNIAL_JAVA_OPTS");
        b.environment().remove("PERENNIAL_CDS");
        b.environment().put("PATH", Path.of(System.getProperty("java.home"), "bin") + File.pathSeparator + System.getenv("PATH"));
        b.environment().putAll(env);
        Path out = root.resolve("out.txt");
        Path err = root.resolve("err.txt");
        Process p = b.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
        return new Outcome(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    /** A jar of the files under {@code dir} (none: only the manifest). */
    private static void jarOf(Path dir, Path jarFile, Manifest manifest) throws IOException {
        try (OutputStream file = Files.newOutputStream(jarFile);
                JarOutputStream out = manifest == null ? new JarOutputStream(file) : new JarOutputStream(file, manifest)) {
            if (dir == null) {
                return;
            }
            List<Path> files;
            try (Stream<Path> s = Files.walk(dir)) {
                files = s.filter(Files::isRegularFile).sorted().toList();
            }
            for (Path f : files) {
                out.putNextEntry(new JarEntry(dir.relativize(f).toString().replace(File.separatorChar, '/')));
                Files.copy(f, out);
                out.closeEntry();
            }
        }
    }
}
