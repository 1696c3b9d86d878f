package ai.perennial.cl.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import ai.perennial.cl.scenario.Scenario;
import ai.perennial.cl.scenario.Scenarios;
import ai.perennial.core.data.FloatDataset;
import ai.perennial.core.data.Synthetic;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The field's variants offered as declared options: each is the documented transformation of the default. */
class ConventionsTest {
    @Test
    void permuteFirstPermutesExperienceOneAndLeavesTheOthers() {
        FloatDataset data = Synthetic.gaussianClusters(40, 12, 2, 1, 3);
        Scenario original = Scenarios.permuted(data, data, 3, false, 9);
        Scenario permuted = Scenarios.permuted(data, data, 3, true, 9);
        FloatDataset first = (FloatDataset) original.experiences().get(0).train();
        FloatDataset firstPermuted = (FloatDataset) permuted.experiences().get(0).train();
        int[] map = new int[12];
        for (int j = 0; j < 12; j++) {
            assertThat(first.value(0, j)).isEqualTo(data.value(0, j)); // the default: the original inputs
            for (int i = 0; i < 12; i++) {
                if (firstPermuted.value(0, j) == data.value(0, i)) {
                    map[j] = i;
                }
            }
        }
        assertThat(map).as("a permutation other than the identity").isNotEqualTo(IntStream.range(0, 12).toArray());
        assertThat(IntStream.of(map).sorted().toArray()).isEqualTo(IntStream.range(0, 12).toArray());
        for (int t = 1; t < 3; t++) {
            FloatDataset a = (FloatDataset) original.experiences().get(t).train();
            FloatDataset b = (FloatDataset) permuted.experiences().get(t).train();
            for (int j = 0; j < 12; j++) {
                assertThat(b.value(5, j)).isEqualTo(a.value(5, j));
            }
        }
    }

    /** α·KL without T² is the T²-scaled term at α / T²: the two runs end with the same weights, bit for bit. */
    @Test
    void lwfWithoutTSquaredIsTheScaledTermAtAlphaOverTSquared() {
        String without = run(Map.of("alpha", 2.0, "temperature", 2.0, "t_squared", false));
        String scaled = run(Map.of("alpha", 0.5, "temperature", 2.0));
        String withT2 = run(Map.of("alpha", 2.0, "temperature", 2.0));
        assertThat(without).isEqualTo(scaled).isNotEqualTo(withT2);
    }

    /** λ·Σ F (θ − θ*)² (no ½) is the paper's form at 2λ: the same weights, bit for bit. */
    @Test
    void ewcWithoutTheHalfIsThePapersFormAtTwiceLambda() {
        String without = run("ewc", Map.of("lambda", 30.0, "halve", false, "fisher_samples", 50));
        String doubled = run("ewc", Map.of("lambda", 60.0, "fisher_samples", 50));
        String paper = run("ewc", Map.of("lambda", 30.0, "fisher_samples", 50));
        assertThat(without).isEqualTo(doubled).isNotEqualTo(paper);
        assertThat(run("ewc", Map.of("lambda", 30.0, "fisher_samples", 50, "fisher_batch_size", 25))).isNotEqualTo(paper);
    }

    /**
     * An experience-balanced memory is filled at the first experience's end, so that experience trains as without replay
     * (the same weights as naive's after it, bit for bit) and the second replays; a reservoir memory replays from the first
     * step on.
     */
    @Test
    void experienceBalancedReplayStartsWithTheSecondExperience() {
        Map<String, Object> balanced = Map.of("memory", 40, "policy", "experience-balanced");
        String naive = afterFirst("naive", Map.of());
        assertThat(afterFirst("er", balanced)).isEqualTo(naive);
        assertThat(afterFirst("er", Map.of("memory", 40))).isNotEqualTo(naive);
        assertThat(run("er", balanced)).isNotEqualTo(run("naive", Map.of()));
    }

    private static String afterFirst(String strategy, Map<String, ?> params) {
        return Experiment.builder().config(experiment(strategy, params).config().resolved()).set("training.stop_after", 1).build().run()
                .result().weightsSha256();
    }

    private static String run(Map<String, ?> lwf) {
        return run("lwf", lwf);
    }

    private static String run(String strategy, Map<String, ?> params) {
        return experiment(strategy, params).run().result().weightsSha256();
    }

    private static Experiment experiment(String strategy, Map<String, ?> params) {
        return Experiment.builder()
                .dataset(Synthetic.GAUSSIAN_CLUSTERS.name(), Map.of("samples", 600, "features", 8, "classes", 4))
                .scenario(Scenarios.SPLIT.name(), Map.of("classes_per_experience", 2))
                .model("mlp", Map.of("hidden", java.util.List.of(16)))
                .strategy(strategy, params)
                .set("training", Map.of("epochs", 1, "batch_size", 32))
                .set("evaluation", Map.of("every_steps", 0, "probe_size", 0))
                .build();
    }
}
