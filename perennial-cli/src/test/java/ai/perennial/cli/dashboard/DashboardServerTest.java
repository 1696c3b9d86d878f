package ai.perennial.cli.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The dashboard's server over real HTTP on 127.0.0.1: what it lists, what it reads, and what it refuses to serve. */
class DashboardServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    Path runs;
    DashboardServer server;

    /** An HTTP answer: status, raw header block, body. */
    record Answer(int status, String headers, String body) {
        JsonNode json() throws IOException {
            return JSON.readTree(body);
        }

        String header(String name) {
            for (String line : headers.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).equalsIgnoreCase(name)) {
                    return line.substring(colon + 1).strip();
                }
            }
            return null;
        }
    }

    @BeforeEach
    void start() throws IOException {
        runs = Files.createDirectories(dir.resolve("runs"));
        server = DashboardServer.start(runs, new InetSocketAddress("127.0.0.1", 0), Duration.ofSeconds(60));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** One request as written, byte for byte: no client library normalizes the path on the way. */
    Answer get(String target, String host) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", server.address().getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            String all = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            int split = all.indexOf("\r\n\r\n");
            String head = all.substring(0, split);
            return new Answer(Integer.parseInt(head.split(" ")[1]), head, all.substring(split + 4));
        }
    }

    Answer get(String target) throws IOException {
        return get(target, "127.0.0.1:" + server.address().getPort());
    }

    Map<String, JsonNode> listed() throws IOException {
        Answer a = get("/api/runs");
        assertThat(a.status()).isEqualTo(200);
        Map<String, JsonNode> byId = new java.util.LinkedHashMap<>();
        a.json().get("runs").forEach(r -> byId.put(r.get("id").asText(), r));
        return byId;
    }

    @Test
    void listsFinishedRunningStaleAndFailedRunsNestedUnderTheDirectory() throws IOException {
        new MetricsFixture(runs.resolve("single")).start("train", "single", Map.of("lr", 0.1), 200L)
                .scalar("train/loss", 100, 0.5).scalar("eval/average_accuracy", 200, 0.75).end("finished", null);
        new MetricsFixture(runs.resolve("cmp/ewc/seed-1")).start("compare", "cmp", Map.of(), null).scalar("train/loss", 7, 1.0);
        MetricsFixture killed = new MetricsFixture(runs.resolve("cmp/ewc/seed-2")).start("compare", "cmp", Map.of(), null);
        Files.setLastModifiedTime(killed.file, FileTime.from(Instant.now().minusSeconds(3600)));
        new MetricsFixture(runs.resolve("broken")).start("run", "broken", Map.of(), 10L).end("failed", "out of memory");

        Map<String, JsonNode> list = listed();

        assertThat(list.keySet()).containsExactlyInAnyOrder("single", "cmp/ewc/seed-1", "cmp/ewc/seed-2", "broken");
        JsonNode single = list.get("single");
        assertThat(single.get("status").asText()).isEqualTo("finished");
        assertThat(single.get("command").asText()).isEqualTo("train");
        assertThat(single.get("totalSteps").asLong()).isEqualTo(200);
        assertThat(single.get("lastStep").asLong()).isEqualTo(200);
        assertThat(single.get("averageAccuracy").asDouble()).isEqualTo(0.75);
        assertThat(list.get("cmp/ewc/seed-1").get("status").asText()).isEqualTo("running");
        assertThat(list.get("cmp/ewc/seed-2").get("status").asText()).isEqualTo("stale");
        assertThat(list.get("broken").get("status").asText()).isEqualTo("failed");
        assertThat(list.get("broken").get("error").asText()).isEqualTo("out of memory");
    }

    @Test
    void runsDirGivenAsALinkListsTheRunsOfTheDirectoryItNames() throws IOException {
        new MetricsFixture(runs.resolve("a/b")).start("run", "deep", Map.of(), null);
        Path link = Files.createSymbolicLink(dir.resolve("runs-link"), runs);
        server.close();
        server = DashboardServer.start(link, new InetSocketAddress("127.0.0.1", 0), Duration.ofSeconds(60));
        assertThat(listed().keySet()).containsExactly("a/b");
        assertThat(get("/api/metrics?run=a%2Fb").json().at("/records/0/name").asText()).isEqualTo("deep");
    }

    @Test
    void aResumedRunRunsAgainAfterItsEarlierEndLine() throws IOException {
        MetricsFixture run = new MetricsFixture(runs.resolve("r")).start("run", "r", Map.of(), 10L).end("stopped", null);
        assertThat(listed().get("r").get("status").asText()).isEqualTo("stopped");
        run.start("run", "r", Map.of(), 10L).scalar("train/loss", 6, 0.3);
        assertThat(listed().get("r").get("status").asText()).isEqualTo("running");
        assertThat(listed().get("r").get("lastStep").asLong()).isEqualTo(6);
    }

    @Test
    void readsOnlyNewCompleteLinesFromTheOffsetItGaveAndLeavesAPartialLastLine() throws IOException {
        MetricsFixture run = new MetricsFixture(runs.resolve("live")).start("run", "live", Map.of(), 100L)
                .scalar("train/loss", 1, 2.0).scalar("train/loss", 2, 1.9);
        long whole = Files.size(run.file);
        run.partial("{\"time\":1.0,\"kind\":\"scalar\",\"tag\":\"train/lo");

        JsonNode first = get("/api/metrics?run=live&from=0").json();
        assertThat(first.get("records")).hasSize(3);
        assertThat(first.get("next").asLong()).isEqualTo(whole);
        assertThat(first.get("size").asLong()).isGreaterThan(whole);

        run.partial("ss\",\"step\":3,\"value\":1.8}\n").scalar("train/loss", 4, 1.7);
        JsonNode second = get("/api/metrics?run=live&from=" + first.get("next").asLong()).json();
        assertThat(steps(second)).containsExactly(3L, 4L);
        assertThat(second.get("next").asLong()).isEqualTo(Files.size(run.file));

        JsonNode nothingNew = get("/api/metrics?run=live&from=" + second.get("next").asLong()).json();
        assertThat(nothingNew.get("records")).isEmpty();
    }

    @Test
    void aLogShorterThanTheOffsetIsReadFromItsStart() throws IOException {
        new MetricsFixture(runs.resolve("again")).start("run", "again", Map.of(), null).scalar("train/loss", 1, 1.0);
        JsonNode answer = get("/api/metrics?run=again&from=999999").json();
        assertThat(answer.get("from").asLong()).isZero();
        assertThat(answer.get("records")).hasSize(2);
    }

    @Test
    void aBadOffsetOrAnUnknownRunIsRefused() throws IOException {
        new MetricsFixture(runs.resolve("r")).start("run", "r", Map.of(), null);
        assertThat(get("/api/metrics?run=r&from=-3").status()).isEqualTo(400);
        assertThat(get("/api/metrics?run=r&from=abc").status()).isEqualTo(400);
        assertThat(get("/api/metrics?run=r%zz").status()).isEqualTo(400);
        assertThat(get("/api/metrics?run=nobody").status()).isEqualTo(404);
        assertThat(get("/api/metrics").status()).isEqualTo(404);
    }

    @Test
    void servesNothingOutsideTheRunsDirectoryHoweverThePathIsWritten() throws IOException {
        Path outside = dir.resolve("outside/secret");
        new MetricsFixture(outside).start("run", "SECRET", Map.of(), null);
        Files.createSymbolicLink(runs.resolve("link"), outside);
        Files.createDirectories(runs.resolve("linkfile"));
        Files.createSymbolicLink(runs.resolve("linkfile/metrics.jsonl"), outside.resolve("metrics.jsonl"));
        new MetricsFixture(runs.resolve("a")).start("run", "inside", Map.of(), null);
        List<String> attempts = List.of(
                "/api/metrics?run=..%2foutside%2fsecret",
                "/api/metrics?run=%2e%2e%2foutside%2fsecret",
                "/api/metrics?run=%2E%2E/outside/secret",
                "/api/metrics?run=..%252foutside%252fsecret",
                "/api/metrics?run=a%2f..%2f..%2foutside%2fsecret",
                "/api/metrics?run=" + outside.toAbsolutePath(),
                "/api/metrics?run=link",
                "/api/metrics?run=linkfile",
                "/..%2f..%2foutside%2fsecret%2fmetrics.jsonl",
                "/%2e%2e/%2e%2e/outside/secret/metrics.jsonl",
                "/../../outside/secret/metrics.jsonl",
                "/../../../../etc/passwd",
                "/vendor/..%2f..%2f..%2f..%2fetc%2fpasswd",
                "/vendor/../dashboard.js",
                "//etc/passwd",
                "/a/metrics.jsonl",
                "/ai/perennial/cli/dashboard/DashboardServer.class");
        List<String> served = new ArrayList<>();
        for (String target : attempts) {
            Answer a = get(target);
            if (a.status() != 404 || a.body().contains("SECRET")) {
                served.add(target + " -> " + a.status());
            }
        }
        assertThat(served).isEmpty();
        assertThat(listed().keySet()).containsExactly("a");
        assertThat(get("/api/metrics?run=a").status()).isEqualTo(200);
    }

    @Test
    void bindsToLoopbackByDefaultAndAnswersOnlyRequestsAddressedToIt() throws IOException {
        DashboardCommand command = new DashboardCommand();
        new CommandLine(command).parseArgs(runs.toString());
        assertThat(command.address().getAddress().getHostAddress()).isEqualTo("127.0.0.1");
        assertThat(command.address().getPort()).isEqualTo(8050);

        assertThat(server.address().getAddress().isLoopbackAddress()).isTrue();
        assertThat(get("/api/runs", "localhost:" + server.address().getPort()).status()).isEqualTo(200);
        assertThat(get("/api/runs", "attacker.example:" + server.address().getPort()).status()).isEqualTo(403);
        assertThat(get("/", "127.0.0.1.attacker.example").status()).isEqualTo(403);
    }

    @Test
    void thePageIsServedWithAPolicyThatAllowsOnlyItsOwnScriptsAndBuildsNoMarkupFromData() throws IOException {
        Answer page = get("/");
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.header("Content-Security-Policy")).contains("script-src 'self'").doesNotContain("unsafe");
        assertThat(page.header("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(page.body()).doesNotContainPattern("<script>|<script [^>]*>[^<]"); // scripts come from files only
        for (String asset : List.of("/dashboard.js", "/dashboard.css", "/vendor/uPlot.iife.min.js", "/vendor/uPlot.min.css")) {
            assertThat(get(asset).status()).as(asset).isEqualTo(200);
        }
        // run names, tags and configurations reach the page as text: the page's script never parses a string as HTML
        assertThat(get("/dashboard.js").body()).doesNotContain("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write");
    }

    @Test
    void runNamesAndConfigurationsTravelAsJsonStrings() throws IOException {
        String name = "<img src=x onerror=alert(1)>\"</script>";
        new MetricsFixture(runs.resolve("x")).start("run", name, Map.of("note", "</script><b>"), null);
        Answer list = get("/api/runs");
        assertThat(list.header("Content-Type")).startsWith("application/json");
        assertThat(list.json().at("/runs/0/name").asText()).isEqualTo(name);
        assertThat(get("/api/metrics?run=x").json().at("/records/0/config/note").asText()).isEqualTo("</script><b>");
    }

    private static List<Long> steps(JsonNode answer) {
        List<Long> steps = new ArrayList<>();
        answer.get("records").forEach(r -> steps.add(r.get("step").asLong()));
        return steps;
    }
}
