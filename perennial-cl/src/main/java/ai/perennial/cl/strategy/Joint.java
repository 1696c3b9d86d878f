package ai.perennial.cl.strategy;

import ai.perennial.cl.scenario.Experience;
import ai.perennial.core.data.Dataset;
import ai.perennial.core.data.HostDataset;
import ai.perennial.core.registry.Component;
import ai.perennial.core.registry.Registered;
import ai.perennial.core.state.StateDict;
import java.util.List;

/**
 * Joint training: all experiences' data at once, as one i.i.d. task (the usual upper bound). Trains
 * only when the first experience arrives, so its accuracy matrix has a single row and transfer and
 * forgetting metrics do not apply.
 */
public final class Joint implements Strategy {
    @Registered
    public static final Component<Long, Strategy> JOINT = Component.of(KIND, "joint")
            .summary("trains once on all experiences together (the i.i.d. upper bound; one accuracy-matrix row)")
            .family("baseline")
            .tag(ALONE).tag(SELECTS_DATA)
            .factory((v, seed) -> new Joint());

    @Override
    public String name() {
        return "joint";
    }

    @Override
    public int trainingSize(List<Experience> stream, int index) {
        return index > 0 ? 0 : stream.stream().mapToInt(e -> e.train().size()).sum();
    }

    @Override
    public Dataset trainingData(List<Experience> stream, int index) {
        if (index > 0) {
            return null;
        }
        return HostDataset.concat("joint", stream.stream().map(Experience::train).toList());
    }

    @Override
    public StateDict exportState() {
        return new StateDict(); // stateless
    }
}
