package ai.perennial.cl.strategy;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.perennial.cl.scenario.Experience;
import ai.perennial.cl.scenario.Scenario;
import ai.perennial.cl.scenario.Scenarios;
import ai.perennial.core.data.Dataset;
import ai.perennial.core.data.Synthetic;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.model.Mlp;
import ai.perennial.core.model.Model;
import ai.perennial.core.optim.Optimizer;
import ai.perennial.core.optim.Optimizers;
import ai.perennial.core.schedule.Schedule;
import ai.perennial.core.train.ProgressListener;
import ai.perennial.core.train.Trainer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Strategies keep their per-step temporaries inside the step scope: the live-array count stays flat. */
class StrategyMemoryTest {
    @Test
    void liveArraysStayFlatWithEveryStrategy() {
        Engines.pytorch();
        Dataset all = Synthetic.gaussianClusters(1200, 16, 6, 1.5, 3);
        Scenario s = Scenarios.split(all, all, 2, null, false);
        for (String name : ai.perennial.core.registry.Registry.global().names(Strategy.KIND)) {
            Strategy strategy = Strategies.create(name, Map.of(), 1);
            try (NDManager m = NDManager.newBaseManager()) {
                Model plain = new Mlp(m, 16, new int[] {32}, 6, 1, 1);
                // a strategy that isolates tasks in low-rank adapters gets them, as a run would give them
                boolean adapters = ai.perennial.core.registry.Registry.global().get(Strategy.KIND, name, "strategy").requires().stream()
                        .anyMatch(need -> need.contains(ai.perennial.core.lowrank.Lora.ADAPTERS));
                Model model = adapters ? ai.perennial.core.lowrank.Lora.of(Map.<String, Object>of("rank", 4)).wrap(plain, 1) : plain;
                Optimizer opt = new Optimizer("adam", Optimizers.adam(Schedule.constant(0.01), 0.9, 0.999, 1e-8), model.parameters());
                Trainer t = new Trainer(model, opt, List.of(strategy), m);
                List<Experience> stream = s.experiences();
                // the first experience fully (so every strategy has state), 20 steps of the second, then 120 of
                // the third: strategy state has a fixed size, so only per-step garbage could grow the count
                t.train(data(strategy, stream, 0), 0, new Trainer.Options(1, 32, 1, 10, -1), ProgressListener.NONE);
                t.train(data(strategy, stream, 1), 1, new Trainer.Options(5, 32, 2, 10, 20), ProgressListener.NONE);
                int before = m.getManagedArrays().size();
                t.train(data(strategy, stream, 2), 2, new Trainer.Options(5, 32, 3, 10, 120), ProgressListener.NONE);
                assertThat(m.getManagedArrays().size()).as(name).isEqualTo(before);
            }
        }
    }

    static Dataset data(Strategy strategy, List<Experience> stream, int index) {
        strategy.beforeExperience(stream, index);
        Dataset d = strategy.trainingData(stream, index);
        return d == null ? stream.get(index).train() : d;
    }
}
