package ai.perennial.cl.strategy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.perennial.cl.experiment.Experiment;
import ai.perennial.cl.run.ContinualResult;
import ai.perennial.core.registry.Component;
import ai.perennial.core.registry.Param;
import ai.perennial.core.registry.Registered;
import ai.perennial.core.registry.Registry;
import ai.perennial.core.train.TrainingContext;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A new strategy is one file: this one. Its declaration below is all it takes for configs, the registry (and so
 * {@code list}, {@code describe} and the docs) to know it; nothing else in the project names it.
 */
public class ToyStrategyTest {
    @Registered
    public static final Component<Long, Strategy> TOY = Component.of(Strategy.KIND, "toy-scaling")
            .summary("scales every gradient by a factor (a toy that shows how a method is added)")
            .family("toy")
            .params(Param.number("factor", 0.5, "gradient multiplier").inClosed(0, 1))
            .factory((v, seed) -> new Scaling(v.number("factor")));

    /** g ← factor · g. */
    static final class Scaling implements Strategy {
        private final float factor;

        Scaling(double factor) {
            this.factor = (float) factor;
        }

        @Override
        public String name() {
            return "toy-scaling";
        }

        @Override
        public List<NDArray> transformGradients(TrainingContext c, List<NDArray> grads) {
            return grads.stream().map(g -> g.mul(factor)).toList();
        }
    }

    static ContinualResult run(String strategy, Map<String, ?> params) {
        return Experiment.builder().dataset("gaussian-clusters", Map.of()).scenario("split", Map.of("classes_per_experience", 5))
                .model("mlp", Map.of("hidden", List.of(16))).optimizer("adam", Map.of("lr", 0.01)).strategy(strategy, params)
                .continualEvaluation(0).build().run().result();
    }

    @Test
    void theDeclarationAloneMakesItUsable() {
        assertThat(Registry.global().names(Strategy.KIND)).contains("toy-scaling");
        assertThat(Registry.global().find("toy-scaling")).containsExactly(TOY);
        // factor 1 is fine-tuning exactly; factor 0 never moves the weights from their initialization (Adam: 0 / (0 + ε))
        assertThat(run("toy-scaling", Map.of("factor", 1)).accuracyMatrix()).isEqualTo(run("naive", Map.of()).accuracyMatrix());
        ContinualResult frozen = run("toy-scaling", Map.of("factor", 0));
        assertThat(frozen.accuracyMatrix()[1]).containsExactly(frozen.randomInitAccuracy());
        // its parameters are checked like every declared one, and it combines with others
        assertThatThrownBy(() -> run("toy-scaling", Map.of("factor", 2))).hasMessage("strategy.factor: must be in [0, 1], got 2");
        assertThat(run("toy-scaling+er", Map.of("er", Map.of("memory", 100))).accuracyMatrix()).hasDimensions(2, 2);
    }
}
