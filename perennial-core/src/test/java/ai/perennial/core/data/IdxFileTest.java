package ai.perennial.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxFileTest {
    @TempDir
    Path dir;

    static byte[] idx(int type, int[] dims, int payload) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0);
        out.write(0);
        out.write(type);
        out.write(dims.length);
        for (int d : dims) {
            out.write(d >>> 24);
            out.write(d >>> 16);
            out.write(d >>> 8);
            out.write(d);
        }
        for (int i = 0; i < payload; i++) {
            out.write(i % 251);
        }
        return out.toByteArray();
    }

    Path write(String name, byte[] bytes) throws IOException {
        Path file = dir.resolve(name);
        if (name.endsWith(".gz")) {
            try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
                out.write(bytes);
            }
        } else {
            Files.write(file, bytes);
        }
        return file;
    }

    @Test
    void readsRawAndGzipped() throws IOException {
        byte[] bytes = idx(8, new int[] {3, 2, 2}, 12);
        for (String name : new String[] {"a-idx3-ubyte", "a-idx3-ubyte.gz"}) {
            IdxFile f = IdxFile.read(write(name, bytes));
            assertThat(f.dims()).containsExactly(3, 2, 2);
            assertThat(f.data()).hasSize(12);
            assertThat(f.data()[11]).isEqualTo((byte) 11);
        }
    }

    @Test
    void truncatedPayloadNamesFileAndCounts() throws IOException {
        Path f = write("t.gz", Arrays.copyOf(idx(8, new int[] {3, 2, 2}, 12), 16 + 10));
        assertThatThrownBy(() -> IdxFile.read(f)).isInstanceOf(IdxFormatException.class)
                .hasMessageContaining(f.toString()).hasMessageContaining("truncated payload: 10 of 12 bytes");
    }

    @Test
    void truncatedHeader() throws IOException {
        Path f = write("h", Arrays.copyOf(idx(8, new int[] {3, 2, 2}, 12), 9));
        assertThatThrownBy(() -> IdxFile.read(f)).hasMessageContaining("truncated header");
    }

    @Test
    void badMagicAndType() throws IOException {
        byte[] bytes = idx(8, new int[] {4}, 4);
        bytes[0] = 0x1f;
        Path magic = write("m", bytes);
        assertThatThrownBy(() -> IdxFile.read(magic)).hasMessageContaining("bad magic number");
        Path type = write("ty", idx(0x0D, new int[] {4}, 16));
        assertThatThrownBy(() -> IdxFile.read(type)).hasMessageContaining("element type 0x0d");
    }

    @Test
    void badRankDimensionsAndTrailingBytes() throws IOException {
        Path rank = write("r", idx(8, new int[] {}, 0));
        assertThatThrownBy(() -> IdxFile.read(rank)).hasMessageContaining("rank 0");
        Path zero = write("z", idx(8, new int[] {3, 0}, 0));
        assertThatThrownBy(() -> IdxFile.read(zero)).hasMessageContaining("dimension 1 is 0");
        Path trailing = write("tr", idx(8, new int[] {3}, 5));
        assertThatThrownBy(() -> IdxFile.read(trailing)).hasMessageContaining("trailing bytes");
    }

    @Test
    void corruptGzipAndMissingFile() throws IOException {
        byte[] gz = Files.readAllBytes(write("c.gz", idx(8, new int[] {100}, 100)));
        gz[gz.length / 2] ^= 0x5a;
        gz[gz.length / 2 + 1] ^= 0x33;
        Path corrupt = dir.resolve("corrupt.gz");
        Files.write(corrupt, gz);
        assertThatThrownBy(() -> IdxFile.read(corrupt)).isInstanceOf(IdxFormatException.class).hasMessageContaining(corrupt.toString());
        Path cut = dir.resolve("cut.gz");
        Files.write(cut, Arrays.copyOf(gz, 20));
        assertThatThrownBy(() -> IdxFile.read(cut)).isInstanceOf(IdxFormatException.class).hasMessageContaining("truncated");
        assertThatThrownBy(() -> IdxFile.read(dir.resolve("nope"))).hasMessageContaining("does not exist");
    }

    @Test
    void everyFlippedByteOfAGzipStreamIsReportedAsGzipDamage() throws IOException {
        byte[] plain = idx(8, new int[] {40, 5}, 200);
        byte[] gz = Files.readAllBytes(write("v.gz", plain));
        Path damaged = dir.resolve("damaged.gz");
        int harmless = 0;
        // bytes 4..9 are the header's time stamp, extra flags and OS byte, which no reader checks
        for (int i = 10; i < gz.length; i++) {
            for (int mask : new int[] {0x01, 0x80, 0xff}) {
                byte[] b = gz.clone();
                b[i] ^= (byte) mask;
                Files.write(damaged, b);
                try {
                    IdxFile f = IdxFile.read(damaged);
                    assertThat(f.data()).as("byte %d ^ %x read without error", i, mask).isEqualTo(Arrays.copyOfRange(plain, 12, plain.length));
                    harmless++;
                } catch (IdxFormatException e) {
                    assertThat(e.getMessage()).as("byte %d ^ %x", i, mask).containsPattern("corrupt gzip|truncated gzip");
                }
            }
        }
        // only bits the format ignores (padding after the last deflate block) may flip unnoticed
        assertThat(harmless).isLessThan(8);
    }
}
