package ai.perennial.core.lowrank;

import ai.perennial.core.optim.GradientTransform;
import ai.perennial.core.optim.Optimizers;
import ai.perennial.core.registry.Component;
import ai.perennial.core.registry.Param;
import ai.perennial.core.registry.Registered;
import java.util.stream.IntStream;

/**
 * GaLore (Zhao et al. 2024) around any recipe: every τ updates each weight matrix's basis becomes the top-r left
 * singular vectors of its current gradient (on the smaller side), the recipe runs on the r-dimensional projection, and
 * the update is α·P·(its update). The recipe's state is kept as it is when the basis changes, as in the reference
 * implementation (so momentum accumulated in the old basis is read in the new one). Biased: the tail of the spectrum
 * is dropped. A matrix whose smaller side is below the rank is projected at full rank, which is the recipe itself.
 */
public final class GaLore {
    static final Param<Integer> RANK = Param.integer("galore_rank", 0,
            "GaLore rank r of the projected weight-matrix gradients (0 = off)").nonNegative();
    private static final Param<Long> INTERVAL = Param.whole("galore_interval", 200L,
            "updates between GaLore projector refreshes (τ)").positive();
    private static final Param<Double> SCALE = Param.number("galore_scale", 0.25,
            "GaLore's scale α of the projected-back update (0.25 in the paper)").positive();

    @Registered
    public static final Component<Optimizers.Wrapping, GradientTransform> GALORE = Component.of(Optimizers.WRAPPER, "galore")
            .summary("GaLore: any recipe on the gradients' top-r singular subspace, refreshed every τ updates")
            .source("Zhao et al. 2024")
            .params(RANK, INTERVAL, SCALE)
            .order(5)
            .factory((v, w) -> v.get(RANK) == 0 ? w.inner()
                    : wrap(w.inner(), v.get(RANK), v.get(INTERVAL), v.get(SCALE)));

    private GaLore() {
    }

    /** {@code inner} on rank-{@code rank} GaLore projections refreshed every {@code interval} updates, scaled by α. */
    public static LowRankProjection wrap(GradientTransform inner, int rank, long interval, double alpha) {
        return new LowRankProjection(inner, rank, interval, alpha, TOP, "optimizer." + RANK.name());
    }

    /** The r leading directions, unscaled, and the inner state left as it is. */
    static final LowRankProjection.Subspace TOP = new LowRankProjection.Subspace() {
        @Override
        public LowRankProjection.Basis choose(Spectrum spectrum, int rank, int matrix, long step) {
            return new LowRankProjection.Basis(IntStream.range(0, rank).toArray(), null);
        }

        @Override
        public boolean scales() {
            return false;
        }

        @Override
        public boolean realigns() {
            return false;
        }
    };
}
