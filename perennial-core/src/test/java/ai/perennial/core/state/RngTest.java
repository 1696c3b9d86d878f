package ai.perennial.core.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RngTest {
    /** Same draws as SplittableRandom, for every method the project uses, over many seeds and bounds. */
    @Test
    void drawsExactlyWhatSplittableRandomDraws() {
        for (long seed : new long[] {0, 1, -7, 123456789L, Long.MIN_VALUE, 0x9E3779B97F4A7C15L}) {
            SplittableRandom reference = new SplittableRandom(seed);
            Rng ours = new Rng(seed);
            for (int i = 0; i < 2000; i++) {
                switch (i % 6) {
                    case 0 -> assertThat(ours.nextLong()).isEqualTo(reference.nextLong());
                    case 1 -> assertThat(ours.nextInt()).isEqualTo(reference.nextInt());
                    case 2 -> {
                        int bound = 1 + (i * 7919) % 100_003;
                        assertThat(ours.nextInt(bound)).isEqualTo(reference.nextInt(bound));
                    }
                    case 3 -> assertThat(ours.nextInt(1 << (i % 31))).isEqualTo(reference.nextInt(1 << (i % 31)));
                    case 4 -> {
                        long bound = 1 + (i * 1_000_000_007L) % 9_000_000_000_000L;
                        assertThat(ours.nextLong(bound)).isEqualTo(reference.nextLong(bound));
                    }
                    default -> assertThat(ours.nextDouble()).isEqualTo(reference.nextDouble());
                }
            }
        }
    }

    @Test
    void restoringTheStateContinuesTheSequence() {
        Rng a = new Rng(42);
        for (int i = 0; i < 17; i++) {
            a.nextInt(1000);
        }
        Rng b = new Rng(0).restore(a.state());
        for (int i = 0; i < 100; i++) {
            assertThat(b.nextLong(1_000_003)).isEqualTo(a.nextLong(1_000_003));
        }
    }
}
