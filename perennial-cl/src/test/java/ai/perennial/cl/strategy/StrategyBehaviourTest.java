package ai.perennial.cl.strategy;

import ai.perennial.cl.run.ContinualResult;
import ai.perennial.cl.run.ContinualRunner;
import ai.perennial.cl.scenario.Scenario;
import ai.perennial.cl.scenario.Scenarios;
import ai.perennial.cl.strategy.regularization.Ewc;
import ai.perennial.cl.strategy.regularization.QuadraticPenalty;
import ai.perennial.core.data.Dataset;
import ai.perennial.core.data.Synthetic;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.model.Mlp;
import ai.perennial.core.optim.Optimizers;
import ai.perennial.core.schedule.Schedule;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every strategy end to end on small synthetic streams, against the field's qualitative patterns: in
 * class-incremental learning only replay keeps old classes; on permuted inputs the parameter regularizers
 * forget less than fine-tuning.
 */
class StrategyBehaviourTest {
    static Scenario classIL;
    static Scenario permuted;

    @BeforeAll
    static void streams() {
        Engines.pytorch();
        Dataset all = Synthetic.gaussianClusters(2400, 16, 4, 1.5, 11);
        Dataset train = all.select(IntStream.range(0, 2000).toArray());
        Dataset test = all.select(IntStream.range(2000, 2400).toArray());
        classIL = Scenarios.split(train, test, 2, null, false);
        Dataset teacher = Synthetic.linearTeacher(1500, 20, 4, 5);
        permuted = Scenarios.permuted(teacher.select(IntStream.range(0, 1200).toArray()),
                teacher.select(IntStream.range(1200, 1500).toArray()), 3, 7);
    }

    static ContinualResult run(Scenario s, String strategy, Map<String, Object> params) {
        return run(s, Strategies.create(strategy, params, 3));
    }

    static ContinualResult run(Scenario s, Strategy strategy) {
        ContinualRunner.Options options = new ContinualRunner.Options(3, 32,
                new ContinualRunner.EvalOptions(0, 100, 256, true, 20), 1);
        return ContinualRunner.run(s, c -> new Mlp(c.manager(), (int) c.inputShape().size(), new int[] {64}, c.outputs(), c.heads(), c.seed()),
                steps -> Optimizers.adam(Schedule.constant(0.005), 0.9, 0.999, 1e-8),
                strategy, options, ContinualRunner.ProgressFactory.NONE);
    }

    @Test
    void replayKeepsOldClassesInClassIncrementalLearning() {
        // accuracy on the first experience's classes after learning the second
        double naive = run(classIL, "naive", Map.of()).accuracyMatrix()[1][0];
        Map<String, Double> old = new LinkedHashMap<>();
        for (String s : new String[] {"er", "der", "derpp", "er-ace", "icarl", "bic", "gdumb"}) {
            old.put(s, run(classIL, s, Map.of("memory", 200)).accuracyMatrix()[1][0]);
        }
        old.put("gem", run(classIL, "gem", Map.of("patterns_per_experience", 100)).accuracyMatrix()[1][0]);
        old.put("er class-balanced", run(classIL, "er", Map.of("memory", 200, "policy", "class-balanced")).accuracyMatrix()[1][0]);
        System.out.println("class-IL old-class accuracy naive " + naive + " " + old);
        assertThat(naive).isLessThan(0.3);
        old.forEach((s, a) -> assertThat(a).as(s).isGreaterThan(naive + 0.4));
    }

    @Test
    void regularizersForgetLessThanFineTuningOnPermutedInputs() {
        double naive = run(permuted, "naive", Map.of()).averageForgetting();
        Map<String, Map<String, Object>> configs = new LinkedHashMap<>();
        configs.put("ewc", Map.of("lambda", 1000, "fisher_samples", 100));
        configs.put("online-ewc", Map.of("lambda", 1000, "fisher_samples", 100));
        configs.put("si", Map.of("c", 10.0));
        configs.put("mas", Map.of("lambda", 10, "samples", 100));
        configs.put("l2", Map.of("lambda", 1.0));
        configs.put("lwf", Map.of("alpha", 1.0));
        Map<String, Double> forgetting = new LinkedHashMap<>();
        configs.forEach((s, p) -> forgetting.put(s, run(permuted, s, p).averageForgetting()));
        double agem = run(permuted, "agem", Map.of("patterns_per_experience", 200)).averageForgetting();
        System.out.println("permuted forgetting naive " + naive + " " + forgetting + " agem " + agem);
        assertThat(naive).isGreaterThan(0.1);
        forgetting.forEach((s, f) -> assertThat(f).as(s).isLessThan(0.75 * naive));
        assertThat(agem).isLessThan(naive);
    }

    /** Both members of a combination act: ER's memory keeps old classes, EWC's penalty holds each experience's Fisher. */
    @Test
    void combinedStrategiesRunEveryMember() {
        Strategy combined = Strategies.create("ewc+er", Map.of("er", Map.of("memory", 200), "ewc", Map.of("fisher_samples", 50)), 3);
        ContinualResult both = run(classIL, combined);
        double naiveOld = run(classIL, "naive", Map.of()).accuracyMatrix()[1][0];
        assertThat(both.accuracyMatrix()[1][0]).isGreaterThan(naiveOld + 0.4); // ER acts
        List<Strategy> members = ((Composite) combined).members();
        assertThat(members).extracting(Strategy::name).containsExactly("ewc", "er");
        QuadraticPenalty penalty = ((Ewc) members.get(0)).penalty();
        assertThat(penalty.active()).isTrue(); // EWC estimated a Fisher after each experience (its arrays are freed with the run)
        assertThat(both.compute().bufferBytes()).isEqualTo(members.get(1).bufferBytes()).isPositive();
    }
}
