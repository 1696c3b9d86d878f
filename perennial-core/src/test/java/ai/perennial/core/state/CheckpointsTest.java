package ai.perennial.core.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.perennial.core.engine.Engines;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointsTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void engine() {
        Engines.pytorch();
    }

    static StateDict sample(int k) {
        StateDict s = new StateDict();
        s.putFloats("model.w", new long[] {2, 3}, new float[] {1.5f, -2, 3, Float.MIN_VALUE, k, 6});
        s.putDoubles("results.rows", new double[] {0.25, Double.NaN, 1e-300});
        s.putBytes("buffer.rows", new long[] {2, 2}, new byte[] {0, 1, (byte) 200, (byte) 255});
        s.putInts("buffer.labels", new int[] {7, -1});
        s.putLongs("buffer.seen", new long[] {1L << 40});
        s.putFloats("empty", new long[] {0, 4}, new float[0]);
        s.putCounter("trainer.step", 469 + k);
        s.putNumber("trainer.loss", Double.NaN);
        s.putNumber("alpha", 0.1 + k);
        s.putText("hooks.0.class", "ai.perennial.X");
        return s;
    }

    @Test
    void roundTripsEveryTypeAndKeepsTheNewest() throws IOException {
        Checkpoints c = new Checkpoints(dir, 2);
        assertThat(c.latest(w -> { })).isNull();
        for (int k = 0; k < 4; k++) {
            c.write(100 * k, sample(k), Map.of("status", "running", "config", Map.of("seed", 3)), k == 1);
        }
        // keep_last 2 plus the pinned one
        assertThat(c.all()).extracting(p -> p.getFileName().toString())
                .containsExactly("000002-step-000000000100", "000003-step-000000000200", "000004-step-000000000300");
        Checkpoints.Saved latest = c.latest(w -> { throw new AssertionError(w); });
        assertThat(latest.step()).isEqualTo(300);
        assertThat(latest.state()).isEqualTo(sample(3));
        assertThat(latest.manifest()).containsEntry("status", "running").containsEntry("config", Map.of("seed", 3));
        assertThat(Files.readString(c.root().resolve("latest")).trim()).isEqualTo("000004-step-000000000300");
        try (var files = Files.list(c.root())) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".tmp") || n.endsWith(".tmp"));
        }
    }

    @Test
    void interruptedWritesAreIgnoredAndCleanedUp() throws IOException {
        Checkpoints c = new Checkpoints(dir, 3);
        c.write(10, sample(0), Map.of(), false);
        Path partial = c.root().resolve(".tmp-000002-step-000000000020");
        Files.createDirectories(partial);
        Files.write(partial.resolve("tensors.safetensors"), new byte[10]);
        assertThat(c.latest(w -> { }).step()).isEqualTo(10);
        c.write(30, sample(1), Map.of(), false);
        assertThat(partial).doesNotExist();
        assertThat(c.latest(w -> { }).step()).isEqualTo(30);
    }

    /**
     * Every file of the newest checkpoint, truncated at random lengths and with single bytes flipped at random
     * places: every case is detected, none is loaded, the message names the file, the previous checkpoint is used.
     */
    @Test
    void everyTruncationAndByteFlipIsDetected() throws IOException {
        Checkpoints c = new Checkpoints(dir, 5);
        c.write(1, sample(0), Map.of("status", "running"), false);
        Path newest = c.write(2, sample(1), Map.of("status", "running"), false);
        SplittableRandom rng = new SplittableRandom(11);
        int cases = 0;
        List<String> files = List.of(Checkpoints.TENSORS, Checkpoints.STATE, Checkpoints.MANIFEST);
        for (String name : files) {
            Path file = newest.resolve(name);
            byte[] original = Files.readAllBytes(file);
            for (int i = 0; i < 40; i++) {
                int length = rng.nextInt(original.length); // strictly shorter, possibly empty
                Files.write(file, java.util.Arrays.copyOf(original, length));
                cases += expectFallback(c, file);
                byte[] flipped = original.clone();
                int at = rng.nextInt(original.length);
                flipped[at] ^= (byte) (1 << rng.nextInt(8));
                Files.write(file, flipped);
                cases += expectFallback(c, file);
            }
            Files.delete(file);
            cases += expectFallback(c, file);
            Files.write(file, original);
            assertThat(c.latest(w -> { throw new AssertionError(w); }).step()).isEqualTo(2);
        }
        assertThat(cases).isGreaterThanOrEqualTo(200);
    }

    private static int expectFallback(Checkpoints c, Path corrupted) {
        List<String> warnings = new ArrayList<>();
        Checkpoints.Saved s = c.latest(warnings::add);
        assertThat(s).isNotNull();
        assertThat(s.step()).as("fell back past %s", corrupted).isEqualTo(1);
        assertThat(s.state()).isEqualTo(sample(0));
        assertThat(warnings).hasSize(1);
        assertThat(warnings.get(0)).contains(corrupted.toString());
        assertThatThrownBy(() -> Checkpoints.read(corrupted.getParent())).isInstanceOf(Checkpoints.CorruptCheckpointException.class)
                .hasMessageContaining(corrupted.getFileName().toString());
        return 1;
    }

    @Test
    void anUnwritableLocationIsOneClearError() throws IOException {
        Path file = dir.resolve("not-a-dir");
        Files.writeString(file, "x");
        assertThatThrownBy(() -> new Checkpoints(file, 1).write(1, sample(0), Map.of(), false))
                .hasMessageContaining("cannot write a checkpoint").hasMessageContaining("previous checkpoints are kept");
    }

}
