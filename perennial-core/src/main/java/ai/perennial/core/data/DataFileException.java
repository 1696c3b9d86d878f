package ai.perennial.core.data;

import ai.perennial.core.PerennialException;

/**
 * A data file the readers cannot use: one line naming the file, where in it the problem is (line and column, record,
 * byte offset, array), what is wrong and how to fix it, e.g.
 * {@code data.csv: line 7, column 'age': 'abc' is not a number; fix the cell, or list the column under categorical}.
 */
public final class DataFileException extends PerennialException {
    /**
     * @param file the file (or stream) as the user named it
     * @param position where in it, e.g. "line 7, column 'age'"; empty when the whole file is meant
     * @param problem what is wrong
     * @param fix what the user can do about it
     */
    public DataFileException(Object file, String position, String problem, String fix) {
        super(file + ": " + (position.isEmpty() ? "" : position + ": ") + problem + "; " + fix);
    }

    public DataFileException(Object file, String position, String problem, String fix, Throwable cause) {
        super(file + ": " + (position.isEmpty() ? "" : position + ": ") + problem + "; " + fix, cause);
    }
}
