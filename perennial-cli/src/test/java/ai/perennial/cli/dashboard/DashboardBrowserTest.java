package ai.perennial.cli.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * The dashboard in headless Chromium, as a person uses it: the page opens without console errors, a run started
 * afterwards appears and its curve grows as its log does, and two runs selected together render side by side.
 * Screenshots go to target/dashboard-screenshots.
 */
class DashboardBrowserTest {
    /** Debian's packages chromium and chromium-driver; .ci/run installs them. */
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final Path SCREENSHOTS = Path.of("target/dashboard-screenshots");
    static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    @Test
    void aRunStartedAfterThePageOpenedAppearsGrowsAndComparesWithAFinishedOne() throws IOException {
        assertThat(CHROMEDRIVER).as("the browser test needs Debian's chromium and chromium-driver: apt-get install chromium"
                + " chromium-driver (.ci/run installs them)").isExecutable();
        Path runs = Files.createDirectories(dir.resolve("runs"));
        String hostileName = "<img src=x onerror=alert(1)> finished";
        MetricsFixture finished = new MetricsFixture(runs.resolve("finished")).start("run", hostileName,
                Map.of("note", "</pre><script>alert(2)</script>"), 10L);
        for (int step = 1; step <= 10; step++) {
            finished.scalar("train/loss", step, 2.0 / step);
        }
        finished.matrix(10, List.of(Arrays.asList(0.9, null), List.of(0.4, 0.85)), List.of(0, 1)).end("finished", null);
        Files.createDirectories(SCREENSHOTS);

        try (DashboardServer server = DashboardServer.start(runs, new InetSocketAddress("127.0.0.1", 0), Duration.ofSeconds(60))) {
            ChromeDriver browser = browser();
            try {
                browser.get(server.url());
                WebElement finishedChart = waitFor(() -> chart(browser, "train/loss"), "the finished run's loss curve");
                waitUntil(() -> "10".equals(finishedChart.getAttribute("data-points")), "its 10 points drawn");
                assertThat(browser.findElement(By.cssSelector("tr[data-run='finished'] button.run-name")).getText()).isEqualTo(hostileName);
                assertThat(browser.findElements(By.cssSelector("#runs img, #view img"))).isEmpty();
                assertThat(browser.findElement(By.cssSelector("#configs pre")).getAttribute("textContent")).contains("<script>alert(2)</script>");
                assertThat(consoleErrors(browser)).isEmpty();
                screenshot(browser, "1-opened.png");

                MetricsFixture live = new MetricsFixture(runs.resolve("cmp/live/seed-1")).start("compare", "live", Map.of("lr", 0.01), 8L);
                for (int step = 1; step <= 3; step++) {
                    live.scalar("train/loss", step, 1.0 / step);
                }
                WebElement liveName = waitFor(() -> first(browser, "tr[data-run='cmp/live/seed-1'] button.run-name"), "the new run's row");
                assertThat(browser.findElement(By.cssSelector("tr[data-run='cmp/live/seed-1'] .status")).getText()).isEqualTo("running");
                liveName.click();
                waitUntil(() -> "3".equals(attribute(browser, "train/loss", "data-points")), "the new run's first 3 points");
                assertThat(attribute(browser, "train/loss", "data-series")).isEqualTo("1");
                screenshot(browser, "2-new-run.png");

                for (int step = 4; step <= 8; step++) {
                    live.scalar("train/loss", step, 1.0 / step);
                }
                live.matrix(8, List.of(Arrays.asList(0.7, null), List.of(0.6, 0.75)), List.of(0, 1));
                live.partial("{\"time\":1.0,\"kind\":\"scalar\",\"tag\":\"train/lo"); // mid-write: must be left alone
                waitUntil(() -> "8".equals(attribute(browser, "train/loss", "data-points")), "the curve grown to 8 points");
                screenshot(browser, "3-grown.png");

                browser.findElement(By.cssSelector("tr[data-run='finished'] input[type=checkbox]")).click();
                waitUntil(() -> "2".equals(attribute(browser, "train/loss", "data-series")), "both runs on the loss chart");
                assertThat(attribute(browser, "train/loss", "data-points")).isEqualTo("18");
                assertThat(browser.findElement(By.id("view-title")).getText()).isEqualTo("Comparing 2 runs");
                waitUntil(() -> browser.findElements(By.cssSelector("#matrices figure.matrix")).size() == 2, "both accuracy matrices");
                assertThat(browser.findElements(By.cssSelector("#matrices figure.matrix td")).stream().map(WebElement::getText)
                        .collect(Collectors.toList())).containsExactly("0.70", "–", "0.60", "0.75", "0.90", "–", "0.40", "0.85");
                screenshot(browser, "4-comparison.png");

                live.partial("ss\",\"step\":9,\"value\":0.1}\n").end("finished", null);
                waitUntil(() -> "finished".equals(browser.findElement(By.cssSelector("tr[data-run='cmp/live/seed-1'] .status")).getText()),
                        "the new run shown finished");
                assertThat(consoleErrors(browser)).isEmpty();
            } finally {
                browser.quit();
            }
        }
    }

    private ChromeDriver browser() throws IOException {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        // as this machine's notes run it: no sandbox as root, and no background connections to a closed network
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + Files.createDirectories(dir.resolve("profile")), "--window-size=1400,1000");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability(ChromeOptions.LOGGING_PREFS, logs);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    /** The console's errors since the last call: failed loads, script errors, policy violations. */
    private static List<String> consoleErrors(WebDriver browser) {
        return browser.manage().logs().get(LogType.BROWSER).getAll().stream().filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
                .map(LogEntry::getMessage).collect(Collectors.toList());
    }

    private static WebElement chart(WebDriver browser, String tag) {
        return browser.findElements(By.cssSelector("#charts figure.chart")).stream().filter(f -> tag.equals(f.getAttribute("data-tag")))
                .findFirst().orElse(null);
    }

    private static String attribute(WebDriver browser, String tag, String name) {
        WebElement chart = chart(browser, tag);
        return chart == null ? null : chart.getAttribute(name);
    }

    private static WebElement first(WebDriver browser, String css) {
        return browser.findElements(By.cssSelector(css)).stream().findFirst().orElse(null);
    }

    private static void screenshot(ChromeDriver browser, String name) throws IOException {
        Files.write(SCREENSHOTS.resolve(name), browser.getScreenshotAs(OutputType.BYTES));
    }

    private static <T> T waitFor(Supplier<T> found, String what) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            T value = found.get();
            if (value != null) {
                return value;
            }
            pause();
        }
        throw new AssertionError("not seen within " + WAIT.toSeconds() + " s: " + what);
    }

    private static void waitUntil(Supplier<Boolean> condition, String what) {
        waitFor(() -> condition.get() ? Boolean.TRUE : null, what);
    }

    private static void pause() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
