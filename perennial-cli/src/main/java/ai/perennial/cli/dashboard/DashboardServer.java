package ai.perennial.cli.dashboard;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Pattern;

/**
 * The dashboard's HTTP server (the JDK's own): a fixed set of page files from the class path, the run list and each
 * run's metrics log read from a byte offset on. Nothing else is served; no request text ever becomes a file path.
 */
public final class DashboardServer implements AutoCloseable {
    private static final String PAGE = "/ai/perennial/cli/dashboard/";
    private static final Pattern LOOPBACK_HOST = Pattern.compile("(?i)localhost|127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}|\\[::1\\]");

    /** The page's files: request path → class-path resource and content type. Any other path is 404. */
    private static final Map<String, Asset> ASSETS = assets();

    private static final String PAGE_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
            + " connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private final ObjectMapper json = new ObjectMapper();
    private final HttpServer server;
    private final ExecutorService workers;
    private final RunIndex index;
    private final boolean loopback;

    private record Asset(String resource, String type) {
    }

    private DashboardServer(HttpServer server, ExecutorService workers, RunIndex index) {
        this.server = server;
        this.workers = workers;
        this.index = index;
        this.loopback = server.getAddress().getAddress().isLoopbackAddress();
    }

    /**
     * Serves the runs under {@code runsDir} at {@code address} (port 0: any free port) until closed.
     *
     * @throws java.net.BindException the address is not this machine's, or the port is taken
     */
    public static DashboardServer start(Path runsDir, InetSocketAddress address, Duration staleAfter) throws IOException {
        RunIndex index = new RunIndex(runsDir, staleAfter);
        HttpServer http = HttpServer.create(address, 0);
        ExecutorService workers = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "dashboard-http");
            t.setDaemon(true);
            return t;
        });
        http.setExecutor(workers);
        DashboardServer dashboard = new DashboardServer(http, workers, index);
        http.createContext("/", dashboard::handle);
        http.start();
        return dashboard;
    }

    /** The address it listens on (with the port chosen when 0 was asked for). */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    /** The page's address, for a browser. */
    public String url() {
        InetSocketAddress a = address();
        String host = a.getAddress().getHostAddress();
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort() + "/";
    }

    @Override
    public void close() {
        server.stop(0);
        workers.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
            exchange.getResponseHeaders().set("Referrer-Policy", "no-referrer");
            if (!"GET".equals(exchange.getRequestMethod())) {
                exchange.getResponseHeaders().set("Allow", "GET");
                error(exchange, 405, "only GET is served");
                return;
            }
            if (loopback && !hostAllowed(exchange.getRequestHeaders().getFirst("Host"))) {
                // a page elsewhere whose name was pointed at 127.0.0.1 (DNS rebinding) must not read the runs
                error(exchange, 403, "this dashboard answers requests addressed to localhost or 127.0.0.1 only");
                return;
            }
            String path = exchange.getRequestURI().getRawPath();
            switch (path) {
                case "/api/runs" -> runs(exchange);
                case "/api/metrics" -> metrics(exchange);
                default -> asset(exchange, ASSETS.get(path));
            }
        } catch (IllegalArgumentException e) {
            error(exchange, 400, "malformed query: " + e.getMessage()); // URLDecoder on a bad %-escape
        } catch (IOException | UncheckedIOException e) {
            try {
                error(exchange, 500, "cannot read the runs: " + e.getMessage());
            } catch (IOException | IllegalStateException alreadyAnswering) {
                // the browser went away, or the answer had begun: the next poll tries again
            }
        }
    }

    static boolean hostAllowed(String host) {
        if (host == null) {
            return false;
        }
        String name = host.replaceFirst(":\\d+$", "");
        return LOOPBACK_HOST.matcher(name).matches();
    }

    private void runs(HttpExchange exchange) throws IOException {
        ObjectNode body = json.createObjectNode();
        body.set("runs", json.valueToTree(index.scan()));
        send(exchange, 200, "application/json; charset=utf-8", json.writeValueAsBytes(body));
    }

    /** {@code /api/metrics?run=ID&from=OFFSET}: the run's complete log lines from byte OFFSET on, and where to go on. */
    private void metrics(HttpExchange exchange) throws IOException {
        Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
        String run = query.get("run");
        Optional<Path> log = run == null ? Optional.empty() : index.log(run);
        if (log.isEmpty()) {
            error(exchange, 404, "no run " + (run == null ? "given (add ?run=ID)" : "with id " + run) + " under the runs directory");
            return;
        }
        long from;
        try {
            from = Long.parseLong(query.getOrDefault("from", "0"));
        } catch (NumberFormatException e) {
            from = -1;
        }
        if (from < 0) {
            error(exchange, 400, "from must be a byte offset (a whole number >= 0), as 'next' of the previous answer");
            return;
        }
        MetricsLog.Chunk chunk = MetricsLog.read(log.get(), from, RunIndex.READ_LIMIT);
        ObjectNode body = json.createObjectNode();
        body.put("run", run);
        body.put("from", chunk.from());
        body.put("next", chunk.next());
        body.put("size", chunk.size());
        body.putArray("records").addAll(chunk.records());
        send(exchange, 200, "application/json; charset=utf-8", json.writeValueAsBytes(body));
    }

    private void asset(HttpExchange exchange, Asset asset) throws IOException {
        byte[] bytes = null;
        if (asset != null) {
            try (InputStream in = DashboardServer.class.getResourceAsStream(asset.resource())) {
                bytes = in == null ? null : in.readAllBytes();
            }
        }
        if (bytes == null) {
            error(exchange, 404, "not found");
            return;
        }
        if (asset.type().startsWith("text/html")) {
            exchange.getResponseHeaders().set("Content-Security-Policy", PAGE_POLICY);
        }
        send(exchange, 200, asset.type(), bytes);
    }

    private void error(HttpExchange exchange, int status, String message) throws IOException {
        ObjectNode body = json.createObjectNode().put("error", message);
        send(exchange, status, "application/json; charset=utf-8", json.writeValueAsBytes(body));
    }

    private static void send(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> params = new HashMap<>();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                params.putIfAbsent(key, eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return params;
    }

    private static Map<String, Asset> assets() {
        // the chart library's own jar, versioned by the build (pom.xml); its version is read from the jar itself
        String uplot = "/META-INF/resources/webjars/uplot/" + webJarVersion("uplot") + "/dist/";
        return Map.of(
                "/", new Asset(PAGE + "index.html", "text/html; charset=utf-8"),
                "/dashboard.js", new Asset(PAGE + "dashboard.js", "text/javascript; charset=utf-8"),
                "/dashboard.css", new Asset(PAGE + "dashboard.css", "text/css; charset=utf-8"),
                "/vendor/uPlot.iife.min.js", new Asset(uplot + "uPlot.iife.min.js", "text/javascript; charset=utf-8"),
                "/vendor/uPlot.min.css", new Asset(uplot + "uPlot.min.css", "text/css; charset=utf-8"));
    }

    private static String webJarVersion(String artifact) {
        Properties p = new Properties();
        try (InputStream in = DashboardServer.class.getResourceAsStream("/META-INF/maven/org.webjars.npm/" + artifact + "/pom.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p.getProperty("version", "missing");
    }
}
