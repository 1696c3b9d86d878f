package ai.perennial.core.schedule;

import ai.perennial.core.PerennialException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A run's logged gradient norms: one row per block of steps with the mean squared global norm, as CSV
 * {@code first_step,last_step,mean_squared_norm}. Written by {@code train --log-grad-norms}, read by the
 * {@code refined:file=PATH} schedule.
 */
public record GradientNormRecord(long[] firstSteps, long[] lastSteps, double[] meanSquaredNorms) {
    public static final String HEADER = "first_step,last_step,mean_squared_norm";

    public static String row(long first, long last, double meanSquaredNorm) {
        return String.format(Locale.ROOT, "%d,%d,%.8g%n", first, last, meanSquaredNorm);
    }

    public static GradientNormRecord read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (NoSuchFileException e) {
            throw new PerennialException("gradient-norm log " + file + " does not exist; write one with 'perennial train --log-grad-norms'");
        } catch (IOException e) {
            throw new PerennialException("cannot read gradient-norm log " + file + ": " + e.getMessage());
        }
        if (lines.isEmpty() || !lines.get(0).trim().equals(HEADER)) {
            throw new PerennialException("gradient-norm log " + file + " must start with the header '" + HEADER + "'");
        }
        List<long[]> steps = new ArrayList<>();
        List<Double> norms = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            String line = lines.get(i).trim();
            if (line.isEmpty()) {
                continue;
            }
            String[] cells = line.split(",");
            try {
                double n = Double.parseDouble(cells[2]);
                if (cells.length != 3 || !(n > 0) || Double.isInfinite(n)) {
                    throw new NumberFormatException();
                }
                steps.add(new long[] {Long.parseLong(cells[0]), Long.parseLong(cells[1])});
                norms.add(n);
            } catch (RuntimeException e) {
                throw new PerennialException("gradient-norm log " + file + " line " + (i + 1) + " is not 'first,last,positive norm²': '" + line + "'");
            }
        }
        if (norms.size() < 2) {
            throw new PerennialException("gradient-norm log " + file + " needs at least 2 blocks, found " + norms.size());
        }
        long[] first = new long[norms.size()];
        long[] last = new long[norms.size()];
        double[] values = new double[norms.size()];
        for (int i = 0; i < values.length; i++) {
            first[i] = steps.get(i)[0];
            last[i] = steps.get(i)[1];
            values[i] = norms.get(i);
        }
        return new GradientNormRecord(first, last, values);
    }
}
