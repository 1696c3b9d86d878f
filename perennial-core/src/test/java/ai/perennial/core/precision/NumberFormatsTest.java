package ai.perennial.core.precision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.perennial.core.PerennialException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The scalar codecs E2M1, E4M3 and E8M0 against hand tables and brute-force nearest-value search. */
class NumberFormatsTest {
    static final MiniFloat E2M1 = MiniFloat.E2M1;
    static final MiniFloat E4M3 = MiniFloat.E4M3;

    @Test
    void everyE2M1PatternRoundTripsAndTheMagnitudesAreTheSpecs() {
        float[] expected = {0f, 0.5f, 1f, 1.5f, 2f, 3f, 4f, 6f};
        for (int code = 0; code < 16; code++) {
            float v = E2M1.decode((byte) code);
            assertThat(E2M1.encode(v)).as("code %d", code).isEqualTo((byte) code);
            assertThat(Math.abs(v)).isEqualTo(expected[code & 7]);
            assertThat(Float.floatToRawIntBits(v) < 0).as("sign of code %d", code).isEqualTo(code >= 8);
        }
        assertThat(E2M1.max()).isEqualTo(6f);
        assertThat(E2M1.minSubnormal()).isEqualTo(0.5f);
        assertThatThrownBy(() -> E2M1.decode((byte) 16)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void everyE4M3PatternRoundTripsIncludingNaN() {
        for (int code = 0; code < 256; code++) {
            float v = E4M3.decode((byte) code);
            assertThat(E4M3.encode(v) & 0xff).as("code 0x%x", code).isEqualTo(code);
            assertThat(Float.isNaN(v)).as("NaN at code 0x%x", code).isEqualTo((code & 0x7f) == 0x7f);
        }
        assertThat(E4M3.decode((byte) 0x7e)).isEqualTo(448f);
        assertThat(E4M3.decode((byte) 0xfe)).isEqualTo(-448f);
        assertThat(E4M3.decode((byte) 0x08)).isEqualTo(0x1p-6f);
        assertThat(E4M3.decode((byte) 0x01)).isEqualTo(0x1p-9f);
        assertThat(E4M3.decode((byte) 0x07)).isEqualTo(7 * 0x1p-9f);
        assertThat(E4M3.decode((byte) 0x38)).isEqualTo(1f); // field 7 = bias
        assertThat(E4M3.max()).isEqualTo(448f);
        assertThat(E4M3.minNormal()).isEqualTo(0x1p-6f);
        assertThat(E4M3.minSubnormal()).isEqualTo(0x1p-9f);
    }

    @Test
    void e2m1NearestMatchesTheHandTable() {
        // {input, expected}: ties go to the value with mantissa bit 0 (0, 1, 2, 4 and, among the subnormal pair, 0)
        float[][] table = {
            {0.25f, 0f}, {0.75f, 1f}, {1.25f, 1f}, {1.75f, 2f}, {2.5f, 2f}, {3.5f, 4f}, {5f, 4f},
            {0.2f, 0f}, {0.26f, 0.5f}, {1.3f, 1.5f}, {2.6f, 3f}, {4.9f, 4f}, {5.01f, 6f}, {5.5f, 6f},
            {6f, 6f}, {6.5f, 6f}, {7f, 6f}, {1e30f, 6f}, {Float.POSITIVE_INFINITY, 6f},
            {-2.5f, -2f}, {-5f, -4f}, {-7f, -6f}, {Float.NEGATIVE_INFINITY, -6f},
        };
        for (float[] row : table) {
            assertThat(E2M1.roundNearest(row[0])).as("E2M1(%s)", row[0]).isEqualTo(row[1]);
        }
        assertThat(Float.floatToRawIntBits(E2M1.roundNearest(-0.25f))).isEqualTo(Float.floatToRawIntBits(-0f));
        assertThat(E2M1.encode(-0f)).isEqualTo((byte) 0x8);
        assertThat(E2M1.encode(-0.1f)).isEqualTo((byte) 0x8);
        assertThat(E2M1.encode(6f)).isEqualTo((byte) 0x7);
        assertThat(E2M1.encode(-3f)).isEqualTo((byte) 0xd);
        assertThatThrownBy(() -> E2M1.encode(Float.NaN)).isInstanceOf(PerennialException.class).hasMessageContaining("E2M1 has no NaN");
    }

    @Test
    void e4m3NearestMatchesTheHandTable() {
        float s = 0x1p-9f; // the subnormal step
        float[][] table = {
            {448f, 448f}, {449f, 448f}, {464f, 448f}, {479f, 448f}, {1e6f, 448f}, {Float.POSITIVE_INFINITY, 448f},
            {440f, 448f}, {431.9f, 416f}, {432f, 448f},               // step 32 above 256: 432 ties to 448 (m=110)
            {17f, 16f}, {19f, 20f}, {1f + 1f / 16, 1f}, {1f + 3f / 16, 1.25f},
            {0.5f * s, 0f}, {0.6f * s, s}, {1.5f * s, 2 * s}, {2.5f * s, 2 * s}, {3.5f * s, 4 * s}, {7.5f * s, 8 * s},
            {0x1p-6f, 0x1p-6f}, {0x1p-6f + 0x1p-10f, 0x1p-6f}, // smallest normal: step 2⁻⁹ still, a tie goes to m=000
            {-17f, -16f}, {-1e6f, -448f},
        };
        for (float[] row : table) {
            assertThat(E4M3.roundNearest(row[0])).as("E4M3(%s)", row[0]).isEqualTo(row[1]);
        }
        assertThat(E4M3.encode(Float.NaN)).isEqualTo((byte) 0x7f);
        assertThat(E4M3.encode(-0f)).isEqualTo((byte) 0x80);
        assertThat(E4M3.encode(-448f)).isEqualTo((byte) 0xfe);
        assertThat(E4M3.encode(0.3f * s)).isEqualTo((byte) 0);
    }

    @Test
    void nearestRoundingEqualsABruteForceSearchOverAllValues() {
        SplittableRandom random = new SplittableRandom(5);
        for (MiniFloat f : List.of(E2M1, E4M3)) {
            List<Float> values = new ArrayList<>();
            List<Integer> codes = new ArrayList<>();
            for (int code = 0; code < f.codes() / 2; code++) {
                float v = f.decode((byte) code);
                if (!Float.isNaN(v)) {
                    values.add(v);
                    codes.add(code);
                }
            }
            for (int trial = 0; trial < 20_000; trial++) {
                // log-uniform magnitudes over the format's range and a little beyond, half of them exact midpoints
                float a = (float) Math.exp(random.nextDouble(Math.log(f.minSubnormal() / 4), Math.log(f.max() * 2)));
                if (trial % 2 == 0) {
                    int k = random.nextInt(values.size() - 1);
                    a = (values.get(k) + values.get(k + 1)) / 2;
                }
                float expected = bruteForceNearest(a, values, codes, f);
                float v = random.nextBoolean() ? a : -a;
                assertThat(f.roundNearest(v)).as("%s(%s)", f, v).isEqualTo(v < 0 ? -expected : expected);
            }
        }
    }

    /** The nearest value by distance; equal distances: the even code (mantissa bit 0); beyond the largest: the largest. */
    static float bruteForceNearest(float a, List<Float> values, List<Integer> codes, MiniFloat f) {
        if (a >= f.max()) {
            return f.max();
        }
        double best = Double.MAX_VALUE;
        float bestValue = 0;
        int bestCode = 0;
        for (int k = 0; k < values.size(); k++) {
            double d = Math.abs((double) a - values.get(k));
            if (d < best || d == best && (codes.get(k) & 1) == 0 && (bestCode & 1) == 1) {
                best = d;
                bestValue = values.get(k);
                bestCode = codes.get(k);
            }
        }
        return bestValue;
    }

    @Test
    void e8m0IsAPowerOfTwoExponentWithBias127() {
        assertThat(E8M0.decode((byte) 127)).isEqualTo(1f);
        assertThat(E8M0.decode((byte) 0)).isEqualTo(0x1p-127f);
        assertThat(E8M0.decode((byte) 254)).isEqualTo(0x1p127f);
        assertThat(E8M0.decode((byte) 0xff)).isNaN();
        assertThat(E8M0.encode(1f)).isEqualTo((byte) 127);
        assertThat(E8M0.encode(3f)).isEqualTo((byte) 128);     // floor: 2¹
        assertThat(E8M0.encode(0.75f)).isEqualTo((byte) 126);  // 2⁻¹
        assertThat(E8M0.encode(0x1p-140f)).isEqualTo((byte) 0); // below range: clamped to 2⁻¹²⁷
        assertThat(E8M0.encode(Float.MAX_VALUE)).isEqualTo((byte) 254);
        assertThat(E8M0.encode(Float.NaN)).isEqualTo((byte) 0xff);
        for (int code = 0; code < 255; code++) {
            assertThat(E8M0.encode(E8M0.decode((byte) code)) & 0xff).isEqualTo(code);
        }
        assertThat(E8M0.floorLog2(0x1p-149f)).isEqualTo(-149);
        assertThat(E8M0.floorLog2(0x1.8p-140f)).isEqualTo(-140);
        assertThat(E8M0.floorLog2(Math.nextDown(1f))).isEqualTo(-1);
        assertThatThrownBy(() -> E8M0.encode(0f)).isInstanceOf(PerennialException.class).hasMessageContaining("positive");
    }
}
