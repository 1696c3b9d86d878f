package ai.perennial.cl.strategy;

import ai.perennial.cl.scenario.Experience;
import ai.perennial.core.data.Dataset;
import ai.perennial.core.data.HostDataset;
import ai.perennial.core.registry.Component;
import ai.perennial.core.registry.Registered;
import ai.perennial.core.state.StateDict;
import java.util.List;

/** Cumulative training: at each experience, keep training the model on all data seen so far. */
public final class Cumulative implements Strategy {
    @Registered
    public static final Component<Long, Strategy> CUMULATIVE = Component.of(KIND, "cumulative")
            .summary("at each experience, trains on all data seen so far (full replay)")
            .family("baseline")
            .tag(ALONE).tag(SELECTS_DATA)
            .factory((v, seed) -> new Cumulative());

    @Override
    public String name() {
        return "cumulative";
    }

    @Override
    public int trainingSize(List<Experience> stream, int index) {
        return stream.subList(0, index + 1).stream().mapToInt(e -> e.train().size()).sum();
    }

    @Override
    public Dataset trainingData(List<Experience> stream, int index) {
        return HostDataset.concat("cumulative-" + index, stream.subList(0, index + 1).stream().map(Experience::train).toList());
    }

    @Override
    public StateDict exportState() {
        return new StateDict(); // stateless
    }
}
