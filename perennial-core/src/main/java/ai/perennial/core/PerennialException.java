package ai.perennial.core;

/**
 * A problem the user can fix: bad input, bad configuration, missing files. The message names the
 * problem and the fix in one line; the CLI prints it without a stack trace.
 */
public class PerennialException extends RuntimeException {
    public PerennialException(String message) {
        super(message);
    }

    public PerennialException(String message, Throwable cause) {
        super(message, cause);
    }
}
