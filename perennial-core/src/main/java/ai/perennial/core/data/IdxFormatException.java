package ai.perennial.core.data;

import ai.perennial.core.PerennialException;
import java.nio.file.Path;

/** An IDX file that is missing, truncated or malformed; the message names the file and the defect. */
public final class IdxFormatException extends PerennialException {
    public IdxFormatException(Path file, String defect) {
        super(file + ": " + defect + " (re-download or reinstall the data set, e.g. 'apt-get install --reinstall dataset-fashion-mnist')");
    }
}
