package ai.perennial.core.observe;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.Locale;

/** The score matrix as a heat map: row i (after training round i) by column j (experience j), value printed in each cell. */
final class MatrixImage {
    static final int CELL = 40;

    private MatrixImage() {
    }

    static BufferedImage render(double[][] rows) {
        int cols = rows[0].length;
        double lo = 0;
        double hi = 1;
        for (double[] row : rows) {
            for (double v : row) {
                if (Double.isFinite(v)) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
        }
        BufferedImage image = new BufferedImage(cols * CELL, rows.length * CELL, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
            for (int i = 0; i < rows.length; i++) {
                for (int j = 0; j < cols; j++) {
                    double v = rows[i][j];
                    boolean measured = Double.isFinite(v);
                    double t = measured ? (v - lo) / (hi - lo) : 0;
                    // white (low) to dark blue (high); grey where not measured
                    g.setColor(measured ? new Color((int) (255 * (1 - 0.85 * t)), (int) (255 * (1 - 0.6 * t)), 255 - (int) (90 * t))
                            : new Color(200, 200, 200));
                    g.fillRect(j * CELL, i * CELL, CELL, CELL);
                    if (measured) {
                        g.setColor(t > 0.55 ? Color.WHITE : Color.BLACK);
                        g.drawString(String.format(Locale.ROOT, "%.2f", v), j * CELL + 7, i * CELL + CELL / 2 + 4);
                    }
                }
            }
        } finally {
            g.dispose();
        }
        return image;
    }
}
