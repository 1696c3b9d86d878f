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
}
