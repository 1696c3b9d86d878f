package ai.perennial.cl.strategy;

import ai.perennial.core.registry.Component;
import ai.perennial.core.registry.Registered;
import ai.perennial.core.state.StateDict;
/** Fine-tuning: train on each experience in turn with nothing to prevent forgetting (the lower bound). */
public final class Naive implements Strategy {
    @Registered
    public static final Component<Long, Strategy> NAIVE = Component.of(KIND, "naive")
            .summary("fine-tunes on each experience in turn (the lower bound)")
            .family("baseline")
            .tag(ALONE)
            .factory((v, seed) -> new Naive());

    @Override
    public String name() {
        return "naive";
    }

    @Override
    public StateDict exportState() {
        return new StateDict(); // stateless
    }
}
