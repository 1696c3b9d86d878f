package ai.perennial.core.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InflatedCopiesTest {
    @TempDir
    Path dir;

    /** A gzipped IDX file of {@code rows} random rows of 1000 bytes (random, so the gzip is as large as the payload). */
    private Path gzipped(String name, int rows, long seed) throws IOException {
        byte[] payload = new byte[rows * 1000];
        new SplittableRandom(seed).nextBytes(payload);
        Path file = dir.resolve(name);
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(ByteBuffer.allocate(12).put(new byte[] {0, 0, 8, 2}).putInt(rows).putInt(1000).array());
            out.write(payload);
        }
        return file;
    }

    private List<Path> copies(Path copies) throws IOException {
        if (!Files.isDirectory(copies)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(copies)) {
            return s.toList();
        }
    }

    @Test
    void aLargeGzippedFileIsReadThroughItsCopyFromTheSecondReadOn() throws IOException {
        Path gz = gzipped("images-idx2-ubyte.gz", 1200, 1);
        Path copies = dir.resolve("copies");
        IdxFile first = IdxFile.read(gz, copies);
        assertThat(copies(copies)).hasSize(1);
        Path copy = copies(copies).get(0);
        assertThat(copy).isEqualTo(InflatedCopies.copyOf(copies, gz));
        assertThat(IdxFile.read(gz, copies).data()).isEqualTo(first.data());

        // proof that the copy is what is read: a valid copy with other pixels is believed
        byte[] other = first.data().clone();
        other[0] ^= 1;
        InflatedCopies.write(copy, gz, ByteBuffer.allocate(12).put(new byte[] {0, 0, 8, 2}).putInt(1200).putInt(1000).array(), other);
        assertThat(IdxFile.read(gz, copies).data()).isEqualTo(other);
    }

    @Test
    void aDamagedCopyIsIgnoredAndMadeAgain() throws IOException {
        Path gz = gzipped("images-idx2-ubyte.gz", 1200, 2);
        Path copies = dir.resolve("copies");
        byte[] expected = IdxFile.read(gz, copies).data();
        Path copy = copies(copies).get(0);
        byte[] stored = Files.readAllBytes(copy);
        stored[100] ^= 1;
        Files.write(copy, stored);
        assertThat(IdxFile.read(gz, copies).data()).isEqualTo(expected);
        assertThat(InflatedCopies.read(copy)).as("written again").isNotNull();
        // a copy cut short is no copy either
        Files.write(copy, new byte[] {1, 2});
        assertThat(IdxFile.read(gz, copies).data()).isEqualTo(expected);
    }

    @Test
    void aChangedOriginalGetsANewCopyAndItsOldOneGoes() throws IOException {
        Path gz = gzipped("images-idx2-ubyte.gz", 1200, 3);
        Path copies = dir.resolve("copies");
        IdxFile.read(gz, copies);
        Path old = copies(copies).get(0);
        gzipped("images-idx2-ubyte.gz", 1300, 4);
        Files.setLastModifiedTime(gz, FileTime.fromMillis(Files.getLastModifiedTime(gz).toMillis() + 5000));
        IdxFile changed = IdxFile.read(gz, copies);
        assertThat(changed.dims()).containsExactly(1300, 1000);
        assertThat(copies(copies)).hasSize(1).doesNotContain(old);
    }

    @Test
    void smallFilesAndTurnedOffCopiesAreReadAsTheyAre() throws IOException {
        Path small = gzipped("small-idx2-ubyte.gz", 10, 5);
        Path copies = dir.resolve("copies");
        assertThat(IdxFile.read(small, copies).dims()).containsExactly(10, 1000);
        assertThat(copies(copies)).isEmpty();
        Path large = gzipped("images-idx2-ubyte.gz", 1200, 6);
        assertThat(IdxFile.read(large, null).dims()).containsExactly(1200, 1000);
        assertThat(InflatedCopies.copyOf(null, large)).isNull();
    }
}
