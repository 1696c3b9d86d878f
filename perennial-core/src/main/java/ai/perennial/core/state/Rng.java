package ai.perennial.core.state;

import java.util.random.RandomGenerator;

/**
 * A seeded random generator whose whole state is one number, so it can be saved in a checkpoint and restored
 * exactly. It is the SplitMix64 generator (Steele, Lea &amp; Flood 2014) with the golden-ratio increment, and draws the
 * same sequence as {@code new java.util.SplittableRandom(seed)} for {@link #nextLong}, {@link #nextInt},
 * bounded {@code nextInt}/{@code nextLong} and {@link #nextDouble} (a test checks this), so code that switches to it
 * keeps its results.
 */
public final class Rng implements RandomGenerator {
    private static final long GAMMA = 0x9e3779b97f4a7c15L;
    private long state;

    public Rng(long seed) {
        this.state = seed;
    }

    /** The generator's state: {@code new Rng(0).restore(s)} continues exactly where this one is. */
    public long state() {
        return state;
    }

    public Rng restore(long savedState) {
        this.state = savedState;
        return this;
    }

    @Override
    public long nextLong() {
        state += GAMMA;
        long z = state;
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** A 32-bit draw from its own finalizer (not the high half of {@link #nextLong}), as SplittableRandom does. */
    @Override
    public int nextInt() {
        state += GAMMA;
        long z = state;
        z = (z ^ (z >>> 33)) * 0x62a9d9ed799705f5L;
        return (int) (((z ^ (z >>> 28)) * 0xcb24d0a5c88c35b3L) >>> 32);
    }
}
