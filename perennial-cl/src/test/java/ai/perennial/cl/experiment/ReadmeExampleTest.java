package ai.perennial.cl.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Java example in README.md, compiled and run exactly as printed there. */
class ReadmeExampleTest {
    @TempDir
    Path dir;

    @Test
    void theReadmeExampleCompilesAndRuns() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        Matcher block = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(readme);
        assertThat(block.find()).as("README.md has a ```java block").isTrue();
        String source = block.group(1);
        Matcher name = Pattern.compile("public class (\\w+)").matcher(source);
        assertThat(name.find()).isTrue();
        assertThat(source.lines().count()).as("a short example").isLessThanOrEqualTo(40);
        Path file = dir.resolve(name.group(1) + ".java");
        Files.writeString(file, source);

        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        int code = javac.run(null, null, diagnostics, "-proc:none", "-cp", classpath, "-d", dir.toString(), file.toString());
        assertThat(code).as(diagnostics.toString(StandardCharsets.UTF_8)).isZero();

        PrintStream out = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        Path workDir = dir.resolve("work");
        Files.createDirectories(workDir);
        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader())) {
            System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
            System.setProperty("user.dir", workDir.toString());
            loader.loadClass(name.group(1)).getMethod("main", String[].class).invoke(null, (Object) new String[] {workDir.toString()});
        } finally {
            System.setOut(out);
        }
        String text = printed.toString(StandardCharsets.UTF_8);
        Matcher acc = Pattern.compile("ACC (\\d\\.\\d+)").matcher(text);
        assertThat(acc.find()).as(text).isTrue();
        assertThat(Double.parseDouble(acc.group(1))).as(text).isGreaterThan(0.5);
        assertThat(Files.readString(workDir.resolve("result.json"))).contains("\"accuracy_matrix\"", "\"provenance\"", "\"ewc+er\"");
        List<String> csv = Files.readAllLines(workDir.resolve("metrics.csv"));
        assertThat(csv.get(0)).isEqualTo("step,training_experience,metric,subject,value");
    }
}
