package ai.perennial.cl.strategy.isolation;

import static org.assertj.core.api.Assertions.assertThat;

import ai.perennial.cl.run.ContinualResult;
import ai.perennial.cl.run.ContinualRun;
import ai.perennial.cl.run.ContinualRunner;
import ai.perennial.cl.scenario.Scenario;
import ai.perennial.cl.scenario.Scenarios;
import ai.perennial.cl.strategy.Strategy;
import ai.perennial.cl.strategy.merging.ModelMerging;
import ai.perennial.core.data.Dataset;
import ai.perennial.core.data.Synthetic;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.merging.TiesMerging;
import ai.perennial.core.model.Mlp;
import ai.perennial.core.optim.Optimizers;
import ai.perennial.core.schedule.Schedule;
import ai.perennial.core.state.StateDict;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** PackNet isolates tasks exactly (no forgetting, owned shares as declared); the merging strategy's model is its merge. */
class IsolationAndMergingTest {
    static Scenario stream;
    static final String[] NAMES = {"layer0.weight", "layer0.bias", "head0.weight", "head0.bias", "head1.weight", "head1.bias",
        "head2.weight", "head2.bias"};

    @BeforeAll
    static void data() {
        Engines.pytorch();
        Dataset all = Synthetic.gaussianClusters(1500, 12, 6, 1.5, 4);
        stream = Scenarios.split(all.select(IntStream.range(0, 1200).toArray()), all.select(IntStream.range(1200, 1500).toArray()), 2,
                null, true);
    }

    private static ContinualRun run(Strategy strategy) {
        ContinualRunner.Options options = new ContinualRunner.Options(2, 32, new ContinualRunner.EvalOptions(0, 50, 100, true, 20, 0, 9), 5,
                null);
        // AdamW with weight decay: momentum and decay would move frozen weights unless they are restored
        return new ContinualRun(stream, c -> new Mlp(c.manager(), (int) c.inputShape().size(), new int[] {24}, c.outputs(), c.heads(), c.seed()),
                steps -> Optimizers.adamw(Schedule.constant(0.01), 0.9, 0.999, 1e-8, 0.05, Optimizers.ALL), strategy, options);
    }

    @Test
    void packNetNeverForgetsAndOwnsTheDeclaredShares() {
        PackNet packnet = new PackNet(0.5);
        try (ContinualRun run = run(packnet)) {
            List<float[]> trunk = new java.util.ArrayList<>();
            ContinualResult result = run.run(ContinualRunner.ProgressFactory.NONE, new ContinualRun.Listener() {
                @Override
                public void afterExperience(ContinualRun r) {
                    trunk.add(r.exportState().floats("model.layer0.weight"));
                }
            });
            double[][] acc = result.accuracyMatrix();
            for (int j = 0; j < 3; j++) {
                assertThat(acc[j][j]).as("task %d learned", j).isGreaterThan(0.8);
                for (int i = j + 1; i < 3; i++) {
                    assertThat(acc[i][j]).as("accuracy on task %d after task %d", j, i).isEqualTo(acc[j][j]);
                }
            }
            float[] owner = packnet.exportState().floats("owner.0");
            int n = owner.length;
            int free = n;
            for (int task = 0; task < 3; task++) {
                int owned = 0;
                for (float o : owner) {
                    owned += o == task ? 1 : 0;
                }
                assertThat(owned).as("weights owned by task %d", task).isEqualTo(Math.round(0.5 * free));
                free -= owned;
                // a task's weights are bit for bit what they were when it ended
                for (int j = 0; j < n; j++) {
                    if (owner[j] == task) {
                        assertThat(trunk.get(2)[j]).as("weight %d of task %d", j, task).isEqualTo(trunk.get(task)[j]);
                    }
                }
            }
        }
    }

    @Test
    void mergingStrategyEndsWithTheMergeOfItsCopies() {
        ModelMerging merging = new ModelMerging("ties:density=0.5", false);
        try (ContinualRun run = run(merging)) {
            run.run(ContinualRunner.ProgressFactory.NONE, ContinualRun.Listener.NONE);
            StateDict state = merging.exportState();
            assertThat(state.counter("copies")).isEqualTo(2);
            float[][] base = weights(state, "base.");
            List<float[][]> copies = List.of(weights(state, "copy.0."), weights(state, "copy.1."));
            float[][] expected = new TiesMerging(0.5, 1).merge(base, copies);
            StateDict model = run.exportState();
            for (int t = 0; t < NAMES.length; t++) {
                assertThat(model.floats("model." + NAMES[t])).as(NAMES[t]).containsExactly(expected[t]);
            }
        }
    }

    private static float[][] weights(StateDict state, String prefix) {
        float[][] out = new float[NAMES.length][];
        for (int t = 0; t < out.length; t++) {
            out[t] = state.floats(prefix + t);
        }
        return out;
    }
}
