package ai.perennial.theory;

/** Invalid input to the theory lab (bad dimensions, out-of-range settings); the message names the fix. */
public final class TheoryException extends IllegalArgumentException {
    public TheoryException(String message) {
        super(message);
    }
}
