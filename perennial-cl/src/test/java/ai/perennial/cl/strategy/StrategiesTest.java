package ai.perennial.cl.strategy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class StrategiesTest {
    @Test
    void baselinesByName() {
        assertThat(Strategies.names()).contains("naive", "joint", "cumulative");
        assertThat(Strategies.create("joint", Map.of()).name()).isEqualTo("joint");
    }

    @Test
    void unknownNameAndUnknownParameterNameTheKey() {
        assertThatThrownBy(() -> Strategies.create("ewcc", Map.of())).hasMessageContaining("strategy.name")
                .hasMessageContaining("naive");
        assertThatThrownBy(() -> Strategies.create("naive", Map.of("lambda", 100)))
                .hasMessageContaining("strategy.lambda").hasMessageContaining("takes none");
    }

    @Test
    void combinationsTakeOneSectionPerMember() {
        Strategy s = Strategies.create("ewc+er", Map.of("ewc", Map.of("lambda", 50), "er", Map.of("memory", 10)), 1);
        assertThat(s).isInstanceOf(Composite.class);
        assertThat(s.name()).isEqualTo("ewc+er");
        assertThat(Strategies.exists("si+derpp")).isTrue();
        assertThat(Strategies.exists("si+dre")).isFalse();
        assertThatThrownBy(() -> Strategies.create("ewc+er", Map.of("lambda", 5), 1)).hasMessageContaining("strategy.lambda")
                .hasMessageContaining("one section per member");
        assertThatThrownBy(() -> Strategies.create("ewc+er", Map.of("er", Map.of("memmory", 5)), 1))
                .hasMessageContaining("strategy.er.memmory");
    }
}
