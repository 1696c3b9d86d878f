package ai.perennial.core.precision;

/**
 * How a value between two neighbouring grid points {@code lo ≤ v ≤ hi} of a number format is rounded.
 *
 * <p>{@link #NEAREST_EVEN} takes the nearer point and, on a tie, the one whose last mantissa bit is 0. {@link #STOCHASTIC}
 * takes {@code hi} with probability {@code (v − lo)/(hi − lo)} and {@code lo} otherwise, so the rounded value is unbiased,
 * {@code E[SR(v)] = v}, with variance {@code (hi − v)(v − lo)}. The probability is realised by comparing a uniform
 * {@code u ∈ [0, 1)} from {@link CounterUniforms} with the fractional position of {@code v}: up when
 * {@code u < (v − lo)/(hi − lo)}.
 */
public enum Rounding {
    NEAREST_EVEN,
    STOCHASTIC
}
