package ai.perennial.core.observe;

import ai.perennial.core.PerennialException;
import ai.perennial.core.observe.tensorboard.Event;
import ai.perennial.core.observe.tensorboard.HistogramProto;
import ai.perennial.core.observe.tensorboard.Summary;
import com.google.protobuf.ByteString;
import java.awt.image.BufferedImage;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;
import javax.imageio.ImageIO;

/**
 * A TensorBoard event file ({@code events.out.tfevents.*}): TFRecord framing around serialized {@link Event}s. Each
 * record is the data's length (uint64, little-endian), the masked CRC32C of those 8 bytes, the data, and the masked
 * CRC32C of the data. The first event names the file version. Writes are buffered and reach the file at most
 * {@link #FLUSH_SECONDS} apart (and on {@link #flush}, {@link #close}), so logging never waits on the disk per value.
 */
public final class EventFile implements AutoCloseable {
    static final String FILE_VERSION = "brain.Event:2";
    static final String PREFIX = "events.out.tfevents.";
    static final double FLUSH_SECONDS = 2;
    private static final int MASK_DELTA = 0xa282ead8;

    private final Path file;
    private final OutputStream out;
    private long lastFlush = System.nanoTime();

    private EventFile(Path file, OutputStream out) {
        this.file = file;
        this.out = out;
    }

    /** A new event file in {@code dir} (created if missing), named as TensorBoard's writers name theirs. */
    public static EventFile create(Path dir) {
        Path file = null;
        try {
            Files.createDirectories(dir);
            String host = hostName();
            // seconds, host and pid as TensorBoard's writers do; the nano suffix keeps two writers in one second apart
            file = dir.resolve(PREFIX + System.currentTimeMillis() / 1000 + "." + host + "." + ProcessHandle.current().pid() + "."
                    + (System.nanoTime() & 0xffff));
            EventFile f = new EventFile(file, new BufferedOutputStream(Files.newOutputStream(file, StandardOpenOption.CREATE_NEW), 1 << 16));
            f.write(Event.newBuilder().setWallTime(now()).setFileVersion(FILE_VERSION).build());
            f.flush();
            return f;
        } catch (IOException e) {
            throw cannotWrite(file == null ? dir : file, e);
        }
    }

    public Path file() {
        return file;
    }

    public void scalar(String tag, long step, double value) {
        summary(step, Summary.Value.newBuilder().setTag(tag).setSimpleValue((float) value));
    }

    /** A histogram of {@code values} over {@code buckets} equal-width buckets between their minimum and maximum. */
    public void histogram(String tag, long step, float[] values, int buckets) {
        summary(step, Summary.Value.newBuilder().setTag(tag).setHisto(histogramOf(values, buckets)));
    }

    /** An image, stored PNG-encoded as TensorBoard's image summaries are. */
    public void image(String tag, long step, BufferedImage image) {
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", png);
        } catch (IOException e) {
            throw new PerennialException("cannot encode the image " + tag + " as PNG: " + e.getMessage());
        }
        int channels = image.getColorModel().getNumComponents();
        summary(step, Summary.Value.newBuilder().setTag(tag).setImage(Summary.Image.newBuilder().setHeight(image.getHeight())
                .setWidth(image.getWidth()).setColorspace(channels).setEncodedImageString(ByteString.copyFrom(png.toByteArray()))));
    }

    static HistogramProto histogramOf(float[] values, int buckets) {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        double sum = 0;
        double squares = 0;
        for (float v : values) {
            min = Math.min(min, v);
            max = Math.max(max, v);
            sum += v;
            squares += (double) v * v;
        }
        HistogramProto.Builder h = HistogramProto.newBuilder().setNum(values.length).setSum(sum).setSumSquares(squares);
        if (values.length == 0) {
            return h.build();
        }
        h.setMin(min).setMax(max);
        int n = max > min ? buckets : 1;
        double width = (max - min) / n;
        double[] counts = new double[n];
        for (float v : values) {
            // bucket i holds (limit[i-1], limit[i]]; the minimum itself goes to the first
            int i = width == 0 ? 0 : (int) Math.ceil((v - min) / width) - 1;
            counts[Math.max(0, Math.min(n - 1, i))]++;
        }
        for (int i = 0; i < n; i++) {
            h.addBucketLimit(i == n - 1 ? max : min + (i + 1) * width).addBucket(counts[i]);
        }
        return h.build();
    }

    private void summary(long step, Summary.Value.Builder value) {
        write(Event.newBuilder().setWallTime(now()).setStep(step).setSummary(Summary.newBuilder().addValue(value)).build());
    }

    private void write(Event event) {
        byte[] data = event.toByteArray();
        byte[] length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(data.length).array();
        ByteBuffer crcs = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        try {
            out.write(length);
            out.write(crcs.putInt(0, maskedCrc(length)).array());
            out.write(data);
            out.write(crcs.putInt(0, maskedCrc(data)).array());
            if (System.nanoTime() - lastFlush > FLUSH_SECONDS * 1e9) {
                flush();
            }
        } catch (IOException e) {
            throw cannotWrite(file, e);
        }
    }

    /** TFRecord's checksum: CRC32C, rotated right by 15 bits and offset, so a CRC of data holding CRCs stays strong. */
    static int maskedCrc(byte[] data) {
        CRC32C crc = new CRC32C();
        crc.update(data);
        int c = (int) crc.getValue();
        return ((c >>> 15) | (c << 17)) + MASK_DELTA;
    }

    public void flush() {
        try {
            out.flush();
            lastFlush = System.nanoTime();
        } catch (IOException e) {
            throw cannotWrite(file, e);
        }
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw cannotWrite(file, e);
        }
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) { // a name is only part of the file's; any will do
            return "localhost";
        }
    }

    private static double now() {
        return System.currentTimeMillis() / 1000.0;
    }

    static PerennialException cannotWrite(Path where, IOException e) {
        return new PerennialException("cannot write " + where + " (" + e.getClass().getSimpleName() + ": " + e.getMessage()
                + "); free disk space or make the directory writable, or log elsewhere");
    }
}
