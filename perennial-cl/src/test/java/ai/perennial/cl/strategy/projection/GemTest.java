package ai.perennial.cl.strategy.projection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.perennial.core.engine.Engines;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class GemTest {
    @Test
    void boxQpSolutionSatisfiesKkt() {
        SplittableRandom r = new SplittableRandom(1);
        for (int trial = 0; trial < 50; trial++) {
            int t = 1 + r.nextInt(6);
            double[][] rows = new double[t][8];
            for (double[] row : rows) {
                for (int j = 0; j < 8; j++) {
                    row[j] = r.nextDouble() * 2 - 1;
                }
            }
            double[][] q = new double[t][t];
            double[] p = new double[t];
            for (int a = 0; a < t; a++) {
                p[a] = r.nextDouble() * 2 - 1;
                for (int b = 0; b < t; b++) {
                    for (int j = 0; j < 8; j++) {
                        q[a][b] += rows[a][j] * rows[b][j];
                    }
                }
            }
            double lower = trial % 2 == 0 ? 0 : 0.3;
            double[] v = BoxQp.solve(q, p, lower, 1e-12, 100_000);
            double[] grad = new double[t];
            assertThat(BoxQp.kktViolation(q, p, v, lower, grad)).isLessThan(1e-9);
            for (int a = 0; a < t; a++) {
                assertThat(v[a]).isGreaterThanOrEqualTo(lower);          // primal feasibility of the dual
                assertThat(grad[a]).isGreaterThanOrEqualTo(-1e-9);       // dual feasibility
                assertThat((v[a] - lower) * grad[a]).isCloseTo(0, offset(1e-9)); // complementary slackness
            }
        }
    }

    @Test
    void projectedGradientDoesNotConflictWithAnyMemoryAndIsClosest() {
        Engines.pytorch();
        SplittableRandom r = new SplittableRandom(7);
        try (NDManager m = NDManager.newBaseManager()) {
            for (int trial = 0; trial < 20; trial++) {
                int t = 2 + r.nextInt(3);
                double[] g = random(r, 10);
                double[][] mem = new double[t][];
                for (int k = 0; k < t; k++) {
                    mem[k] = random(r, 10);
                }
                mem[0] = scaled(g, -0.5, mem[0]); // make sure at least one memory conflicts
                List<List<NDArray>> memoryGrads = new ArrayList<>();
                for (double[] mk : mem) {
                    memoryGrads.add(List.of(m.create(f(mk, 0, 6)), m.create(f(mk, 6, 10))));
                }
                List<NDArray> out = Gem.project(List.of(m.create(f(g, 0, 6)), m.create(f(g, 6, 10))), memoryGrads, 0);
                double[] projected = new double[10];
                System.arraycopy(d(out.get(0).toFloatArray()), 0, projected, 0, 6);
                System.arraycopy(d(out.get(1).toFloatArray()), 0, projected, 6, 4);
                for (double[] mk : mem) {
                    assertThat(dot(projected, mk)).isGreaterThanOrEqualTo(-1e-4);
                }
                // the primal optimum: no feasible direction of smaller distance; check against random feasible points
                double best = dist2(projected, g);
                for (int s = 0; s < 200; s++) {
                    double[] candidate = projected.clone();
                    for (int j = 0; j < 10; j++) {
                        candidate[j] += (r.nextDouble() - 0.5) * 0.1;
                    }
                    boolean feasible = true;
                    for (double[] mk : mem) {
                        feasible &= dot(candidate, mk) >= 0;
                    }
                    if (feasible) {
                        assertThat(dist2(candidate, g)).isGreaterThanOrEqualTo(best - 1e-4);
                    }
                }
            }
        }
    }

    static double[] scaled(double[] g, double s, double[] noise) {
        double[] out = new double[g.length];
        for (int i = 0; i < g.length; i++) {
            out[i] = s * g[i] + 0.1 * noise[i];
        }
        return out;
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    static double dist2(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (a[i] - b[i]) * (a[i] - b[i]);
        }
        return s;
    }

    static double[] random(SplittableRandom r, int n) {
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return out;
    }

    static float[] f(double[] v, int from, int to) {
        float[] out = new float[to - from];
        for (int i = from; i < to; i++) {
            out[i - from] = (float) v[i];
        }
        return out;
    }

    static double[] d(float[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return out;
    }
}
