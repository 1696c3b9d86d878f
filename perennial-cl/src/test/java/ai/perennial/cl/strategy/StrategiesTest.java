package ai.perennial.cl.strategy;

import ai.perennial.core.registry.Registry;
import java.util.Map;
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StrategiesTest {
    @Test
    void baselinesByName() {
        assertThat(Registry.global().names(Strategy.KIND)).contains("naive", "joint", "cumulative").hasSizeGreaterThanOrEqualTo(19);
        assertThat(Strategies.create("joint", Map.of(), 0).name()).isEqualTo("joint");
    }

    @Test
    void unknownNameAndUnknownParameterNameTheKey() {
        assertThatThrownBy(() -> Strategies.create("ewcc", Map.of(), 0)).hasMessageContaining("strategy.name")
                .hasMessageContaining("naive");
        assertThatThrownBy(() -> Strategies.create("naive", Map.of("lambda", 100), 0))
                .hasMessageContaining("strategy.lambda").hasMessageContaining("takes none");
    }

    @Test
    void combinationsTakeOneSectionPerMember() {
        Strategy s = Strategies.create("ewc+er", Map.of("ewc", Map.of("lambda", 50), "er", Map.of("memory", 10)), 1);
        assertThat(s).isInstanceOf(Composite.class);
        assertThat(s.name()).isEqualTo("ewc+er");
        assertThat(Strategies.create("si+derpp", Map.of(), 1).name()).isEqualTo("si+derpp");
        assertThatThrownBy(() -> Strategies.create("si+dre", Map.of(), 1)).hasMessageContaining("strategy.name: unknown strategy 'dre'");
        assertThatThrownBy(() -> Strategies.create("ewc+er", Map.of("lambda", 5), 1)).hasMessageContaining("strategy.lambda")
                .hasMessageContaining("one section per member");
        assertThatThrownBy(() -> Strategies.create("ewc+er", Map.of("er", Map.of("memmory", 5)), 1))
                .hasMessageContaining("strategy.er.memmory");
    }
}
