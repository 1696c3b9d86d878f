package ai.perennial.cl.strategy;

/** Fine-tuning: train on each experience in turn with nothing to prevent forgetting (the lower bound). */
public final class Naive implements Strategy {
    @Override
    public String name() {
        return "naive";
    }
}
