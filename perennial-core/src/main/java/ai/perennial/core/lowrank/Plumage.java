package ai.perennial.core.lowrank;

import ai.perennial.core.PerennialException;
import ai.perennial.core.optim.GradientTransform;
import ai.perennial.core.optim.Optimizers;
import ai.perennial.core.registry.Component;
import ai.perennial.core.registry.Param;
import ai.perennial.core.registry.Registered;
import ai.perennial.core.run.Seeds;

/**
 * PLUMAGE (Haroush &amp; Soudry 2025) around any recipe: an unbiased, minimum-variance rank-r estimator of each weight
 * matrix's gradient, and the recipe's moments realigned whenever the basis changes.
 *
 * <p>At a refresh (every τ updates) the gradient's spectrum G = Σ σ_i u_i v_iᵀ (smaller side) gives inclusion
 * probabilities π_i = min(1, c·σ_i) with Σ π_i = r ({@link Inclusion#waterFilling}), and r directions J are drawn with
 * exactly those probabilities ({@link Inclusion#systematic}, a uniform from the run seed, the matrix and the step).
 * The basis P = [u_j]_{j∈J} and the scales 1/π_j are then fixed until the next refresh, and each gradient G of the
 * interval is estimated by Ĝ = P·diag(1/π_J)·PᵀG; at the refresh itself this is Σ_{j∈J} (σ_j/π_j) u_j v_jᵀ, unbiased,
 * with error E‖Ĝ − G‖² = Σ σ_i²(1/π_i − 1), the least any such estimator with r expected directions reaches (the
 * directions are orthogonal, so the sampling design's joint probabilities do not enter). For a later gradient of the
 * interval E_J[P·diag(1/π_J)·Pᵀ] = Σ_{π_i>0} u_i u_iᵀ, the identity when the refresh gradient has full rank on its
 * smaller side: Ĝ stays unbiased, with error Σ_i (1/π_i − 1)‖u_iᵀG‖², large along directions the refresh gradient
 * barely had (small π_i) should the new gradient have much there. Directions with σ_i = 0 at the refresh (π_i = 0)
 * are never drawn, so the part of a later gradient along them is dropped. The recipe sees the coordinates
 * diag(1/π_J)·PᵀG, so with plain SGD the update is −η·Ĝ.
 *
 * <p>Realignment: at a refresh the recipe's state moves into the new basis ({@code TransformState.changeBasis} with
 * q = P_newᵀP_old): first moments and momentum traces are rotated, so the first update after a change holds only the
 * projection of the momentum already built up and no direction of the old coordinates read in the new ones; second
 * moments are rotated under a diagonal approximation, directions new to the subspace starting from the mean second
 * moment; other buffers restart at 0. The paper's abstract does not give its exact second-moment rule nor its sampler;
 * these are ours, and any sampler with the same π gives the same mean and error.
 */
public final class Plumage {
    private static final Param<Integer> RANK = Param.integer("plumage_rank", 0,
            "PLUMAGE rank r: directions sampled per weight matrix (0 = off)").nonNegative();
    private static final Param<Long> INTERVAL = Param.whole("plumage_interval", 200L,
            "updates between PLUMAGE resamplings of the subspace (τ)").positive();

    @Registered
    public static final Component<Optimizers.Wrapping, GradientTransform> PLUMAGE = Component.of(Optimizers.WRAPPER, "plumage")
            .summary("PLUMAGE: any recipe on an unbiased minimum-variance rank-r gradient estimator, moments realigned on a subspace change")
            .source("Haroush & Soudry 2025")
            .params(RANK, INTERVAL)
            .order(6)
            .factory((v, w) -> {
                if (v.get(RANK) == 0) {
                    return w.inner();
                }
                if (w.inner() instanceof LowRankProjection) {
                    throw new PerennialException("optimizer." + RANK.name() + ": PLUMAGE replaces GaLore's projection; set only one of "
                            + RANK.name() + " and " + GaLore.RANK.name());
                }
                return wrap(w.inner(), v.get(RANK), v.get(INTERVAL), w.seed());
            });

    private Plumage() {
    }

    /** {@code inner} on rank-{@code rank} PLUMAGE estimates, resampled every {@code interval} updates. */
    public static LowRankProjection wrap(GradientTransform inner, int rank, long interval, long seed) {
        return new LowRankProjection(inner, rank, interval, 1.0, sampler(seed), "optimizer." + RANK.name());
    }

    /** Water-filled inclusion probabilities, systematic sampling, scales 1/π; the inner state realigned. */
    static LowRankProjection.Subspace sampler(long seed) {
        return new LowRankProjection.Subspace() {
            @Override
            public LowRankProjection.Basis choose(Spectrum spectrum, int rank, int matrix, long step) {
                double[] pi = Inclusion.waterFilling(spectrum.sigma(), rank);
                double u = Inclusion.uniform(Seeds.derive(seed, "matrix-" + matrix + "-step-" + step));
                int[] chosen = Inclusion.systematic(pi, rank, u);
                double[] scales = new double[rank];
                for (int c = 0; c < rank; c++) {
                    scales[c] = 1 / pi[chosen[c]];
                }
                return new LowRankProjection.Basis(chosen, scales);
            }

            @Override
            public boolean scales() {
                return true;
            }

            @Override
            public boolean realigns() {
                return true;
            }
        };
    }
}
