package ai.perennial.core.data;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads delimited text (CSV, TSV) one record at a time, as RFC 4180 describes it: fields separated by one delimiter
 * character, records by LF, CRLF or CR; a field in double quotes may hold delimiters, line breaks and doubled quotes
 * ({@code ""}). Unquoted fields are trimmed of surrounding spaces; blank lines are skipped; a UTF-8 byte-order mark is
 * skipped. Only the current record is held in memory, so files of any length stream through:
 *
 * <pre>{@code
 * try (CsvCursor rows = CsvCursor.open(Path.of("data.csv"), ',')) {
 *     List<String> header = rows.next() ? rows.fields() : List.of();
 *     while (rows.next()) {
 *         long line = rows.line();          // where the record starts, for messages
 *         double x = rows.number(0);        // NaN when the cell is not a number
 *         String name = rows.text(1);
 *     }
 * }
 * }</pre>
 *
 * Input that is not UTF-8, a quote inside an unquoted field, text after a closing quote and a quoted field that never
 * closes are {@link DataFileException}s naming the file, the line and the column.
 */
public final class CsvCursor implements TableBuilder.Cells, Closeable {
    private static final int QUOTE = '"';

    private final Object source;
    private final InputStream input;
    private final char delimiter;

    // decoding: bytes -> chars, strictly (malformed UTF-8 is an error, not a replacement character)
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    private final byte[] raw = new byte[1 << 16];
    private final ByteBuffer bytes = ByteBuffer.wrap(raw).limit(0);
    private final char[] chars = new char[1 << 16];
    private int pos;
    private int limit;
    private long bytesRead;
    private boolean endOfInput;
    private boolean finished;
    private boolean started;

    // the current record: its fields' characters one after another, with their bounds
    private char[] record = new char[256];
    private int recordLength;
    private int[] starts = new int[16];
    private int[] ends = new int[16];
    private boolean[] quoted = new boolean[16];
    private int fields;

    private long line = 1; // physical line of the next character
    private int column = 0; // characters before it on its line
    private long recordLine;
    private long records;

    /**
     * @param source names the input in messages (a path, or e.g. "stdin")
     * @param delimiter the field separator, e.g. ',' or '\t'; not a quote, CR or LF
     */
    public CsvCursor(InputStream input, Object source, char delimiter) {
        if (delimiter == QUOTE || delimiter == '\n' || delimiter == '\r') {
            throw new IllegalArgumentException("the delimiter cannot be a quote or a line break");
        }
        this.input = input;
        this.source = source;
        this.delimiter = delimiter;
    }

    /** A cursor over {@code file}; a missing or unreadable file is a {@link DataFileException}. */
    public static CsvCursor open(Path file, char delimiter) {
        try {
            return new CsvCursor(Files.newInputStream(file), file, delimiter);
        } catch (NoSuchFileException e) {
            throw new DataFileException(file, "", "file does not exist", "check the path");
        } catch (IOException e) {
            throw new DataFileException(file, "", "cannot be read (" + e.getMessage() + ")", "check the path and its permissions");
        }
    }

    /** What messages call the input. */
    public Object source() {
        return source;
    }

    /**
     * Moves to the next record; false at the end of the input. Blank lines are skipped.
     *
     * @throws DataFileException on malformed quoting or text that is not UTF-8
     */
    public boolean next() {
        try {
            while (readRecord()) {
                if (fields > 1 || ends[0] > starts[0] || quoted[0]) {
                    records++;
                    return true;
                }
            }
            fields = 0;
            return false;
        } catch (IOException e) {
            throw new DataFileException(source, "line " + line, "cannot be read (" + e.getMessage() + ")", "check the file");
        }
    }

    /** The line the current record starts on (1 for the first line of the input). */
    public long line() {
        return recordLine;
    }

    /** Records returned so far, the current one included (the header counts). */
    public long records() {
        return records;
    }

    @Override
    public int size() {
        return fields;
    }

    /** Field {@code column} of the current record as text. */
    @Override
    public String text(int column) {
        check(column);
        return new String(record, starts[column], ends[column] - starts[column]);
    }

    /** Every field of the current record. */
    public List<String> fields() {
        List<String> out = new ArrayList<>(fields);
        for (int i = 0; i < fields; i++) {
            out.add(text(i));
        }
        return out;
    }

    @Override
    public boolean missing(int column) {
        check(column);
        return TableBuilder.Cells.isMissing(record, starts[column], ends[column]);
    }

    @Override
    public double number(int column) {
        check(column);
        return Decimal.parse(record, starts[column], ends[column]);
    }

    private void check(int column) {
        if (column < 0 || column >= fields) {
            throw new IndexOutOfBoundsException("column " + column + " of a record with " + fields + " fields");
        }
    }

    @Override
    public void close() throws IOException {
        input.close();
    }

    // ----- tokenizing

    private boolean readRecord() throws IOException {
        recordLine = line;
        recordLength = 0;
        fields = 0;
        int c = read();
        if (c < 0) {
            return false;
        }
        boolean inQuotes = false;
        boolean closed = false; // the field's closing quote has been read
        long quoteLine = 0;
        int quoteColumn = 0;
        startField();
        while (true) {
            if (inQuotes) {
                if (c < 0) {
                    throw new DataFileException(source, "line " + quoteLine + ", column " + quoteColumn,
                            "the quoted field that starts here is never closed",
                            "close it with a double quote (a quote inside a quoted field is written twice: \"\")");
                }
                if (c == QUOTE) {
                    if (peek() == QUOTE) {
                        read();
                        append(QUOTE);
                    } else {
                        inQuotes = false;
                        closed = true;
                    }
                } else {
                    append(c);
                }
            } else if (c == delimiter) {
                endField(closed);
                startField();
                closed = false;
            } else if (c == '\n' || c == '\r' || c < 0) {
                endField(closed);
                return true;
            } else if (c == QUOTE) {
                if (closed || !onlySpaces()) {
                    throw new DataFileException(source, "line " + line + ", column " + column,
                            "a double quote inside an unquoted field", "enclose the whole field in double quotes and write the quote twice (\"\")");
                }
                recordLength = starts[fields]; // spaces before the opening quote are not part of the field
                quoted[fields] = true;
                inQuotes = true;
                quoteLine = line;
                quoteColumn = column;
            } else if (closed) {
                if (!isSpace(c)) {
                    throw new DataFileException(source, "line " + line + ", column " + column, "text after the closing quote of a field",
                            "put the whole field inside the quotes, or add the missing delimiter");
                }
            } else {
                append(c);
                appendPlainRun();
            }
            c = read();
        }
    }

    /**
     * Copies the characters after the current one up to the next delimiter, quote or line break (within the decoded
     * buffer) in one go: most of a file is such runs, and this keeps the per-character work out of them.
     */
    private void appendPlainRun() {
        int end = pos;
        char d = delimiter;
        while (end < limit) {
            char ch = chars[end];
            if (ch == d || ch == '\n' || ch == '\r' || ch == QUOTE) {
                break;
            }
            end++;
        }
        int n = end - pos;
        if (n > 0) {
            if (recordLength + n > record.length) {
                record = Arrays.copyOf(record, Growing.grow(record.length, (long) recordLength + n, "one record of " + source));
            }
            System.arraycopy(chars, pos, record, recordLength, n);
            recordLength += n;
            column += n;
            pos = end;
        }
    }

    private boolean isSpace(int c) {
        return c == ' ' || (c == '\t' && delimiter != '\t');
    }

    private boolean onlySpaces() {
        for (int i = starts[fields]; i < recordLength; i++) {
            if (!isSpace(record[i])) {
                return false;
            }
        }
        return true;
    }

    private void startField() {
        if (fields == starts.length) {
            int n = fields * 2;
            starts = Arrays.copyOf(starts, n);
            ends = Arrays.copyOf(ends, n);
            quoted = Arrays.copyOf(quoted, n);
        }
        starts[fields] = recordLength;
        quoted[fields] = false;
    }

    private void endField(boolean wasQuoted) {
        int start = starts[fields];
        int end = recordLength;
        if (!wasQuoted) {
            while (start < end && isSpace(record[start])) {
                start++;
            }
            while (end > start && isSpace(record[end - 1])) {
                end--;
            }
        }
        starts[fields] = start;
        ends[fields] = end;
        fields++;
    }

    private void append(int c) {
        if (recordLength == record.length) {
            record = Arrays.copyOf(record, Growing.grow(record.length, recordLength + 1L, "one record of " + source));
        }
        record[recordLength++] = (char) c;
    }

    /** The next character, -1 at the end; CRLF and CR read as one LF. */
    private int read() throws IOException {
        if (pos == limit && !fill()) {
            return -1;
        }
        char c = chars[pos++];
        if (c == '\r') {
            if (peek() == '\n') {
                pos++;
            }
            c = '\n';
        }
        if (c == '\n') {
            line++;
            column = 0;
        } else {
            column++;
        }
        return c;
    }

    private int peek() throws IOException {
        if (pos == limit && !fill()) {
            return -1;
        }
        return chars[pos];
    }

    private boolean fill() throws IOException {
        if (finished) {
            return false;
        }
        CharBuffer out = CharBuffer.wrap(chars);
        while (true) {
            CoderResult result = decoder.decode(bytes, out, endOfInput);
            if (result.isError()) {
                if (out.position() > 0) {
                    break; // hand out the good text first, so the error comes with the right line
                }
                long offset = bytesRead - bytes.remaining();
                throw new DataFileException(source, "line " + line + " (byte offset " + offset + ")", "is not UTF-8 text",
                        "save the file as UTF-8");
            }
            if (result.isOverflow()) {
                break;
            }
            if (endOfInput) {
                decoder.flush(out);
                finished = true;
                break;
            }
            if (out.position() > 0 && bytes.hasRemaining()) {
                break;
            }
            bytes.compact();
            int n = input.read(raw, bytes.position(), bytes.remaining());
            if (n < 0) {
                endOfInput = true;
            } else {
                bytes.position(bytes.position() + n);
                bytesRead += n;
            }
            bytes.flip();
        }
        pos = 0;
        limit = out.position();
        if (!started && limit > 0) {
            started = true;
            if (chars[0] == '\uFEFF') {
                pos = 1;
            }
        }
        return pos < limit || fill();
    }
}
