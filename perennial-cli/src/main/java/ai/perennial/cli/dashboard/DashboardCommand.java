package ai.perennial.cli.dashboard;

import ai.perennial.core.PerennialException;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code perennial dashboard RUNS_DIR}: a local web page of the runs under a directory, updated as they go. */
@Command(name = "dashboard", mixinStandardHelpOptions = true,
        description = "Serve a web page of the runs under RUNS_DIR, finished and in progress: status, live curves, accuracy"
                + " matrices, and selected runs side by side. Reads each run's metrics.jsonl; stops with Ctrl-C.")
public final class DashboardCommand implements Callable<Integer> {
    /** Dotted IPv4, or anything with a colon (IPv6, which InetAddress parses without a name lookup). */
    private static final Pattern IP_LITERAL = Pattern.compile("((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(?!$)|$)){4}|.*:.*");

    @Parameters(paramLabel = "RUNS_DIR", description = "Directory holding runs (each an output directory with metrics.jsonl),"
            + " found up to " + RunIndex.DEPTH + " levels down")
    Path runsDir;

    @Option(names = "--port", defaultValue = "8050", description = "TCP port; 0 picks a free one (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--bind", defaultValue = "127.0.0.1", description = "Address to listen on (default: ${DEFAULT-VALUE}, this"
            + " machine only). 0.0.0.0 listens on every network this machine is on: whoever reaches it reads the runs' logs")
    String bind;

    @Option(names = "--stale-after", defaultValue = "120", paramLabel = "SECONDS", description = "A run whose log has no end"
            + " line and has not grown for this long is shown as stale (killed, or its machine lost) (default: ${DEFAULT-VALUE})")
    double staleAfter;

    @Override
    public Integer call() throws IOException, InterruptedException {
        InetSocketAddress address = address();
        if (!Files.isDirectory(runsDir)) {
            throw new PerennialException("RUNS_DIR " + runsDir + (Files.exists(runsDir) ? " is a file" : " does not exist")
                    + "; give the directory your runs write to (their --out, or a directory above it)");
        }
        if (!(staleAfter > 0)) {
            throw new PerennialException("--stale-after " + staleAfter + " must be a number of seconds > 0");
        }
        try (DashboardServer server = start(address)) {
            System.out.println("dashboard of " + runsDir + " at " + server.url() + " (Ctrl-C stops it)");
            if (!server.address().getAddress().isLoopbackAddress()) {
                System.err.println("note: listening on " + bind + ", not only on this machine: anyone who can reach it can read"
                        + " the runs' metrics and configurations");
            }
            new CountDownLatch(1).await(); // serves until the process is stopped
        }
        return 0;
    }

    /** The address to listen on, checked: an IP address of this machine (no name lookups) and a port in range. */
    InetSocketAddress address() {
        if (port < 0 || port > 65535) {
            throw new PerennialException("--port " + port + " is out of range; give 1-65535, or 0 for any free port");
        }
        InetAddress ip = null;
        if (bind.equals("localhost") || IP_LITERAL.matcher(bind).matches()) {
            try {
                ip = InetAddress.getByName(bind); // a literal: parsed, not looked up
            } catch (UnknownHostException e) {
                ip = null;
            }
        }
        if (ip == null) {
            throw new PerennialException("--bind '" + bind + "' is not an IP address; give one of this machine's addresses, e.g."
                    + " 127.0.0.1 (the default: this machine only) or 0.0.0.0 (every network)");
        }
        return new InetSocketAddress(ip, port);
    }

    private DashboardServer start(InetSocketAddress address) throws IOException {
        try {
            return DashboardServer.start(runsDir, address, Duration.ofMillis(Math.round(staleAfter * 1000)));
        } catch (BindException e) {
            boolean taken = String.valueOf(e.getMessage()).contains("in use");
            throw new PerennialException(taken
                    ? "port " + port + " on " + bind + " is in use; choose another with --port (0 picks a free one)"
                    : "cannot listen on " + bind + ":" + port + " (" + e.getMessage() + "); --bind takes an address of this"
                            + " machine, e.g. 127.0.0.1");
        }
    }
}
