package ai.perennial.cl.strategy.projection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.perennial.core.engine.Engines;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AGemTest {
    @Test
    void projectionMatchesTheClosedFormAndRemovesTheConflict() {
        Engines.pytorch();
        SplittableRandom r = new SplittableRandom(2);
        try (NDManager m = NDManager.newBaseManager()) {
            for (int trial = 0; trial < 20; trial++) {
                double[][] g = {random(r, 5), random(r, 3)};
                double[][] ref = {random(r, 5), random(r, 3)};
                List<NDArray> out = AGem.project(List.of(m.create(f(g[0])), m.create(f(g[1]))),
                        List.of(m.create(f(ref[0])), m.create(f(ref[1]))));
                double dot = 0;
                double nn = 0;
                for (int p = 0; p < 2; p++) {
                    for (int i = 0; i < g[p].length; i++) {
                        dot += (float) g[p][i] * (float) ref[p][i];
                        nn += (float) ref[p][i] * (float) ref[p][i];
                    }
                }
                double coef = dot < 0 ? dot / nn : 0;
                double projectedDot = 0;
                for (int p = 0; p < 2; p++) {
                    float[] got = out.get(p).toFloatArray();
                    for (int i = 0; i < got.length; i++) {
                        double expected = (float) g[p][i] - coef * (float) ref[p][i];
                        assertThat((double) got[i]).isCloseTo(expected, offset(1e-5));
                        projectedDot += got[i] * (float) ref[p][i];
                    }
                }
                assertThat(projectedDot).isGreaterThanOrEqualTo(-1e-5);
                if (dot < 0) {
                    assertThat(projectedDot).isCloseTo(0, offset(1e-4));
                }
            }
        }
    }

    static double[] random(SplittableRandom r, int n) {
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = r.nextDouble() * 2 - 1;
        }
        return out;
    }

    static float[] f(double[] v) {
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) v[i];
        }
        return out;
    }
}
