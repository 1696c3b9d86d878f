package ai.perennial.core.data;

import static org.assertj.core.api.Assertions.assertThat;

import ai.perennial.core.PerennialException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assertions;

/** Seeded mutations of valid data files, and the rule every reader must keep on them. */
final class Fuzz {
    /** Outcomes of one fuzz run, to check that the mutations reached both paths. */
    record Tally(int loaded, int rejected) {
    }

    /** Reads the file at the given path; any result but an exception counts as loaded. */
    @FunctionalInterface
    interface Reader {
        void read() throws Exception;
    }

    private Fuzz() {
    }

    /**
     * {@code original} with 1 to 3 edits: bit flips, bytes set to random or {@code interesting} values, a truncation,
     * inserted or deleted runs of bytes, or a duplicated run.
     */
    static byte[] mutate(byte[] original, SplittableRandom rng, byte[] interesting) {
        byte[] b = original.clone();
        int edits = 1 + rng.nextInt(3);
        for (int e = 0; e < edits && b.length > 0; e++) {
            int at = rng.nextInt(b.length);
            switch (rng.nextInt(6)) {
                case 0 -> b[at] ^= (byte) (1 << rng.nextInt(8));
                case 1 -> b[at] = interesting.length > 0 && rng.nextBoolean() ? interesting[rng.nextInt(interesting.length)]
                        : (byte) rng.nextInt(256);
                case 2 -> b = Arrays.copyOf(b, at);
                case 3 -> {
                    byte[] run = new byte[1 + rng.nextInt(8)];
                    for (int i = 0; i < run.length; i++) {
                        run[i] = interesting.length > 0 && rng.nextBoolean() ? interesting[rng.nextInt(interesting.length)]
                                : (byte) rng.nextInt(256);
                    }
                    b = splice(b, at, 0, run);
                }
                case 4 -> b = splice(b, at, Math.min(b.length - at, 1 + rng.nextInt(16)), new byte[0]);
                default -> {
                    int len = Math.min(b.length - at, 1 + rng.nextInt(32));
                    b = splice(b, rng.nextInt(b.length + 1), 0, Arrays.copyOfRange(b, at, at + len));
                }
            }
        }
        return b;
    }

    private static byte[] splice(byte[] b, int at, int remove, byte[] insert) {
        byte[] out = new byte[b.length - remove + insert.length];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(insert, 0, out, at, insert.length);
        System.arraycopy(b, at + remove, out, at + insert.length, b.length - at - remove);
        return out;
    }

    /**
     * Writes {@code cases} mutations of {@code original} to {@code file}, one after another, and reads each: it must
     * load, or fail with a one-line {@link PerennialException} that names {@code file}; any other exception fails the
     * test with the case number. The whole run must end within {@code limit}.
     */
    static Tally run(Path file, byte[] original, byte[] interesting, int cases, long seed, Duration limit, Reader reader) {
        return Assertions.assertTimeoutPreemptively(limit, () -> {
            SplittableRandom rng = new SplittableRandom(seed);
            int loaded = 0;
            int rejected = 0;
            for (int c = 0; c < cases; c++) {
                byte[] mutated = mutate(original, rng, interesting);
                write(file, mutated);
                try {
                    reader.read();
                    loaded++;
                } catch (PerennialException e) {
                    assertThat(e.getMessage()).as("case %d", c).contains(file.toString()).doesNotContain("\n");
                    rejected++;
                } catch (Throwable e) {
                    throw new AssertionError("case " + c + " of seed " + seed + " threw " + e + " instead of a PerennialException", e);
                }
            }
            return new Tally(loaded, rejected);
        }, () -> "a fuzz case did not end in time (seed " + seed + ")");
    }

    private static void write(Path file, byte[] bytes) {
        try {
            Files.write(file, bytes);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
