package ai.perennial.cli;

import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * SIGINT (Ctrl-C) and SIGTERM ask the running command to stop after its current step and save a checkpoint, instead
 * of killing it. A second signal kills at once (the default handlers are back after the first).
 */
final class Signals implements AutoCloseable {
    private final SignalHandler oldInt;
    private final SignalHandler oldTerm;
    private volatile String received;

    private Signals(Runnable onSignal) {
        SignalHandler handler = signal -> {
            received = signal.getName();
            restore();
            onSignal.run();
        };
        this.oldInt = Signal.handle(new Signal("INT"), handler);
        this.oldTerm = Signal.handle(new Signal("TERM"), handler);
    }

    static Signals install(Runnable onSignal) {
        return new Signals(onSignal);
    }

    /** The signal's name ("INT", "TERM"), or null. */
    String received() {
        return received;
    }

    /** The shell's convention: 128 + the signal number (130 for SIGINT, 143 for SIGTERM). */
    int exitCode() {
        return "TERM".equals(received) ? 143 : 130;
    }

    private void restore() {
        Signal.handle(new Signal("INT"), oldInt);
        Signal.handle(new Signal("TERM"), oldTerm);
    }

    @Override
    public void close() {
        if (received == null) {
            restore();
        }
    }
}
