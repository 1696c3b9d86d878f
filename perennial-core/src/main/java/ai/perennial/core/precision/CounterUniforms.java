package ai.perennial.core.precision;

import java.util.stream.IntStream;

/**
 * Uniform random numbers addressed by {@code (seed, counter, index)} rather than drawn from a sequence: the value for an
 * element depends only on the run's seed, the call counter the caller keeps (e.g. the training step times the number of
 * quantized GEMMs), and the element's index. So stochastic rounding is reproducible, needs no generator state beyond the
 * counter, and a host loop, a parallel loop and a tensor upload all see the same numbers.
 *
 * <p>The hash is two rounds of the SplitMix64 finalizer (Steele, Lea &amp; Flood 2014): one turns {@code (seed, counter)}
 * into a stream key, the second mixes the key with the golden-ratio multiple of the index.
 */
public final class CounterUniforms {
    private static final long GAMMA = 0x9e3779b97f4a7c15L;
    /** Below this many values a fill runs on the calling thread; above, in parallel chunks. */
    private static final int PARALLEL_THRESHOLD = 1 << 16;

    private CounterUniforms() {
    }

    /** The stream key for one call: everything a draw depends on besides the index. */
    public static long key(long seed, long counter) {
        return mix(seed ^ mix(counter + GAMMA));
    }

    /** 64 random bits for element {@code index} of the stream {@code key}. */
    public static long bits(long key, long index) {
        return mix(key + GAMMA * (index + 1));
    }

    /** A float uniform on [0, 1): a multiple of 2⁻²⁴, so exact in float and the same wherever it is computed. */
    public static float uniform(long key, long index) {
        return (bits(key, index) >>> 40) * 0x1.0p-24f;
    }

    /** A double uniform on [0, 1), a multiple of 2⁻⁵³ (for rounding in double, e.g. the accumulator). */
    public static double uniform53(long key, long index) {
        return (bits(key, index) >>> 11) * 0x1.0p-53;
    }

    /** {@code out[i] = uniform(key, start + i)}. */
    public static float[] fill(long key, long start, float[] out) {
        if (out.length < PARALLEL_THRESHOLD) {
            for (int i = 0; i < out.length; i++) {
                out[i] = uniform(key, start + i);
            }
        } else {
            int chunk = 1 << 14;
            IntStream.range(0, (out.length + chunk - 1) / chunk).parallel().forEach(c -> {
                for (int i = c * chunk, end = Math.min(out.length, i + chunk); i < end; i++) {
                    out[i] = uniform(key, start + i);
                }
            });
        }
        return out;
    }

    /** SplitMix64 finalizer. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
