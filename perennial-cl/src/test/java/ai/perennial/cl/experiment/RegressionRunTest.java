package ai.perennial.cl.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.perennial.cl.scenario.Scenarios;
import ai.perennial.cl.scenario.TimeOrdered;
import ai.perennial.cl.strategy.Strategy;
import ai.perennial.core.PerennialException;
import ai.perennial.core.registry.Param;
import ai.perennial.core.registry.Registry;
import ai.perennial.core.data.Synthetic;
import ai.perennial.core.model.Mlp;
import ai.perennial.core.train.Losses;
import ai.perennial.core.train.Scores;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Continual regression on a drifting, time-ordered synthetic target, end to end through the experiment API. */
class RegressionRunTest {
    static Experiment.Builder drifting(String strategy, Map<String, ?> params) {
        return Experiment.builder()
                .dataset(Synthetic.DRIFTING_REGRESSION.name(), Map.of("samples", 2400, "features", 6, "drift", 1.5))
                .scenario(TimeOrdered.TIME_ORDERED.name(), Map.of("experiences", 4))
                .model(Mlp.MLP.name(), Map.of("hidden", java.util.List.of(32)))
                .optimizer("adamw", Map.of("lr", 0.01))
                .strategy(strategy, params)
                .set("training", Map.of("epochs", 1, "batch_size", 32))
                .set("evaluation", Map.of("every_steps", 0, "probe_size", 32));
    }

    @Test
    void naiveEwcAndErRunOnADriftingTargetWithFiniteR2() {
        Map<String, ExperimentResult> results = new LinkedHashMap<>();
        results.put("naive", drifting("naive", Map.of()).build().run());
        results.put("ewc", drifting("ewc", Map.of("lambda", 10, "fisher_samples", 100)).build().run());
        results.put("er", drifting("er", Map.of("memory", 200)).build().run());
        for (Map.Entry<String, ExperimentResult> e : results.entrySet()) {
            ExperimentResult r = e.getValue();
            double[][] m = r.result().accuracyMatrix();
            assertThat(m).as(e.getKey()).hasNumberOfRows(4);
            assertThat(Arrays.stream(m).flatMapToDouble(Arrays::stream).allMatch(Double::isFinite)).as(e.getKey()).isTrue();
            // each window is learned: the model right after a window explains most of that window's variance
            for (int k = 0; k < 4; k++) {
                assertThat(m[k][k]).as(e.getKey() + " R² on window " + k + " after it").isGreaterThan(0.5);
            }
            assertThat(r.result().score()).isEqualTo(Scores.R2.name());
            assertThat(r.result().higherIsBetter()).isTrue();
            assertThat(r.result().prequentialScore()).as(e.getKey() + " prequential R²").isFinite().isLessThan(1);
            Map<String, Object> json = r.toJson(Map.of());
            assertThat(json.get("score")).isEqualTo(Map.of("name", "r2", "higher_is_better", true));
            assertThat(json).containsKey("prequential");
        }
        // the target turns away: the naive model forgets the first window (positive forgetting, negative BWT)
        assertThat(results.get("naive").result().averageForgetting()).isPositive();
        assertThat(results.get("naive").result().backwardTransfer()).isNegative();
    }

    @Test
    void rmseIsOrientedSoForgettingStaysPositive() {
        ExperimentResult r = drifting("naive", Map.of()).set("evaluation", Map.of("every_steps", 0, "probe_size", 32,
                "score", Scores.RMSE.name())).set("training", Map.of("epochs", 1, "batch_size", 32, "loss", "huber:delta=1"))
                .build().run();
        double[][] m = r.result().accuracyMatrix();
        assertThat(r.result().higherIsBetter()).isFalse();
        // forgetting of window 0 = (its RMSE at the end) - (its best RMSE), i.e. positive when the error grew
        double best = Math.min(Math.min(m[0][0], m[1][0]), m[2][0]);
        assertThat(r.result().forgettingPerExperience()[0]).isCloseTo(m[3][0] - best, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(r.result().averageForgetting()).isPositive();
    }

    /**
     * Every registered strategy on numeric targets either runs to a finite score matrix or is turned away before training
     * by a clear compatibility error: none trains on labels that are not there.
     */
    @Test
    void everyStrategyRunsOnRegressionOrIsRejectedCleanly() {
        Map<String, Object> small = Map.of("memory", 60, "fisher_samples", 40, "samples", 40, "sample_size", 30, "every_steps", 10,
                "maturity", 5);
        for (String name : Registry.global().names(Strategy.KIND)) {
            Map<String, Object> params = new LinkedHashMap<>();
            for (Param<?> p : Registry.global().get(Strategy.KIND, name, "strategy").params()) {
                if (small.containsKey(p.name())) {
                    params.put(p.name(), small.get(p.name()));
                }
            }
            Experiment experiment;
            try {
                experiment = drifting(name, params).build();
            } catch (PerennialException e) {
                assertThat(e.getMessage()).as(name).startsWith("strategy.name: strategy " + name + " needs ");
                continue;
            }
            try {
                double[][] m = experiment.run().result().accuracyMatrix();
                assertThat(Arrays.stream(m).flatMapToDouble(Arrays::stream).allMatch(Double::isFinite)).as(name).isTrue();
            } catch (PerennialException e) {
                assertThat(e.getMessage()).as(name).contains("class labels");
            }
        }
    }

    @Test
    void classificationOnlyPartsAreRejectedByTheCompatibilityCheck() {
        assertThatThrownBy(() -> drifting("lwf", Map.of()).build()).isInstanceOf(PerennialException.class)
                .hasMessage("strategy.name: strategy lwf needs class labels, but dataset drifting-regression gives numeric targets"
                        + " (regression); choose another strategy or change the run");
        assertThatThrownBy(() -> drifting("naive", Map.of()).scenario(Scenarios.SPLIT.name(), Map.of()).build())
                .hasMessageStartingWith("scenario.name: scenario split needs class labels");
        assertThatThrownBy(() -> drifting("naive", Map.of()).set("training", Map.of("loss", Losses.CROSS_ENTROPY.name())).build())
                .hasMessageStartingWith("training.loss: loss cross-entropy needs class labels");
        assertThatThrownBy(() -> Experiment.builder().dataset(Synthetic.GAUSSIAN_CLUSTERS.name(), Map.of())
                .set("evaluation", Map.of("score", Scores.R2.name())).build())
                .hasMessageStartingWith("evaluation.score: score r2 needs numeric targets (regression), but dataset gaussian-clusters gives class labels");
        assertThatThrownBy(() -> Experiment.builder().dataset(Synthetic.GAUSSIAN_CLUSTERS.name(), Map.of())
                .scenario(TimeOrdered.TIME_ORDERED.name(), Map.of()).build())
                .hasMessageStartingWith("scenario.name: scenario time-ordered needs time-stamped data");
        assertThatThrownBy(() -> drifting("er", Map.of("memory", 50, "policy", "class-balanced")).build().run())
                .hasMessageContaining("class-balanced memory needs class labels");
    }
}
