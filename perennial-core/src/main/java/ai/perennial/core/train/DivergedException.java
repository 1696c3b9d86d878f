package ai.perennial.core.train;

import ai.perennial.core.PerennialException;

/** Training produced a non-finite loss (or weights); the run stops and keeps what it measured before. */
public final class DivergedException extends PerennialException {
    private final long step;

    public DivergedException(String what, long step) {
        super(what + " by step " + step + "; lower the learning rate (optimizer.lr, --lr), add warmup or clip gradients (clip_norm)");
        this.step = step;
    }

    /** The global step by which the divergence was seen. */
    public long step() {
        return step;
    }
}
