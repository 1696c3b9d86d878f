package ai.perennial.cl.strategy.isolation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.perennial.cl.experiment.Experiment;
import ai.perennial.cl.experiment.ExperimentResult;
import ai.perennial.cl.run.ContinualResult;
import ai.perennial.cl.run.ContinualRun;
import ai.perennial.cl.run.ContinualRunner;
import ai.perennial.cl.scenario.Scenario;
import ai.perennial.cl.scenario.Scenarios;
import ai.perennial.cl.strategy.Naive;
import ai.perennial.cl.strategy.Strategy;
import ai.perennial.core.PerennialException;
import ai.perennial.core.data.Dataset;
import ai.perennial.core.data.Synthetic;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.lowrank.Lora;
import ai.perennial.core.lowrank.LoraModel;
import ai.perennial.core.model.Mlp;
import ai.perennial.core.model.Model;
import ai.perennial.core.model.Parameters;
import ai.perennial.core.optim.Optimizers;
import ai.perennial.core.schedule.Schedule;
import ai.perennial.core.state.StateDict;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Per-task LoRA adapters: task ids route to their own adapters (nothing is forgotten), the merged read-outs are the base
 * plus the averaged or summed updates, and bad settings are refused naming their key. ReLoRA in a run: the base's
 * accumulated update outgrows the adapter's rank.
 */
class LoraPerTaskTest {
    static Dataset all;
    static Scenario taskIncremental;
    static Scenario classIncremental;

    @BeforeAll
    static void data() {
        Engines.pytorch();
        all = Synthetic.gaussianClusters(1500, 12, 6, 1.5, 4);
        Dataset train = all.select(IntStream.range(0, 1200).toArray());
        Dataset test = all.select(IntStream.range(1200, 1500).toArray());
        taskIncremental = Scenarios.split(train, test, 2, null, true);
        classIncremental = Scenarios.split(train, test, 2, null, false);
    }

    static Lora lora(Map<String, Object> settings) {
        return Lora.of(Lora.SETTINGS.parse(settings, "training.lora", "training"));
    }

    static ContinualRun run(Scenario stream, Strategy strategy, Lora lora) {
        ContinualRunner.Options options = new ContinualRunner.Options(2, 32, new ContinualRunner.EvalOptions(0, 50, 100, true, 20, 0, 9), 5,
                null, ai.perennial.core.train.Augmentation.NONE, null, null, -1, null, lora);
        // AdamW with weight decay and momentum: a task's kept adapters must not feel either
        return new ContinualRun(stream, c -> new Mlp(c.manager(), (int) c.inputShape().size(), new int[] {24}, c.outputs(), c.heads(), c.seed()),
                steps -> Optimizers.adamw(Schedule.constant(0.01), 0.9, 0.999, 1e-8, 0.05, Optimizers.ALL), strategy, options);
    }

    @Test
    void taskIdsRouteToTheirOwnAdaptersAndNothingIsForgotten() {
        LoraPerTask strategy = new LoraPerTask(LoraPerTask.TASK, 3);
        try (ContinualRun run = run(taskIncremental, strategy, lora(Map.of("rank", 4)))) {
            ContinualResult result = run.run(ContinualRunner.ProgressFactory.NONE, ContinualRun.Listener.NONE);
            double[][] acc = result.accuracyMatrix();
            for (int j = 0; j < 3; j++) {
                assertThat(acc[j][j]).as("task %d learned", j).isGreaterThan(0.8);
                for (int i = j + 1; i < 3; i++) {
                    assertThat(acc[i][j]).as("accuracy on task %d after task %d", j, i).isEqualTo(acc[j][j]);
                }
            }
            assertThat(result.parameters().frozen()).isEqualTo(24 * 12 + 24);
            assertThat(result.parameters().trainable()).isEqualTo(4 * 12 + 24 * 4 + 3 * (2 * 24 + 2));

            Model model = run.model();
            Model view = strategy.evaluationModel(model);
            StateDict kept = strategy.exportState();
            try (NDManager m = NDManager.newBaseManager()) {
                int[] idx = IntStream.range(0, 12).toArray();
                NDArray x = all.inputs(m, idx);
                String before = Parameters.sha256(model);
                int[] zeros = new int[idx.length];
                int[] ones = new int[idx.length];
                Arrays.fill(ones, 1);
                float[] task0 = view.forward(x, zeros).toFloatArray();
                float[] task1 = view.forward(x, ones).toFloatArray();
                int[] mixed = new int[idx.length];
                for (int i = 0; i < mixed.length; i++) {
                    mixed[i] = i % 2;
                }
                float[] both = view.forward(x, mixed).toFloatArray();
                assertThat(Parameters.sha256(model)).as("evaluating leaves the model as it was").isEqualTo(before);
                // task 0's read-out is the model with task 0's kept adapters and heads written in
                float[][] own = new float[model.parameters().size()][];
                for (int i = 0; i < own.length; i++) {
                    own[i] = kept.floats("task.0." + i);
                }
                float[][] live = Parameters.values(model.parameters());
                Parameters.overwrite(model.parameters(), own);
                float[] direct = model.forward(x, zeros).toFloatArray();
                Parameters.overwrite(model.parameters(), live);
                assertThat(task0).isEqualTo(direct);
                assertThat(task0).isNotEqualTo(task1);
                int width = task0.length / idx.length;
                for (int i = 0; i < idx.length; i++) {
                    float[] expected = Arrays.copyOfRange(i % 2 == 0 ? task0 : task1, i * width, (i + 1) * width);
                    assertThat(Arrays.copyOfRange(both, i * width, (i + 1) * width)).as("sample %d", i).isEqualTo(expected);
                }
            }
        }
    }

    /** The kept adapters, the draws for A and the task in training survive a checkpoint taken inside an experience. */
    @Test
    void aTaskRoutedRunResumesBitForBit() {
        StateDict reference;
        double[][] matrix;
        try (ContinualRun run = run(taskIncremental, new LoraPerTask(LoraPerTask.TASK, 3), lora(Map.of("rank", 4)))) {
            matrix = run.run(ContinualRunner.ProgressFactory.NONE, ContinualRun.Listener.NONE).accuracyMatrix();
            reference = run.exportState();
        }
        StateDict[] saved = new StateDict[1];
        try (ContinualRun run = run(taskIncremental, new LoraPerTask(LoraPerTask.TASK, 3), lora(Map.of("rank", 4)))) {
            try {
                run.run(ContinualRunner.ProgressFactory.NONE, new ContinualRun.Listener() {
                    @Override
                    public void afterStep(ContinualRun r) {
                        if (r.globalStep() == 40) { // inside the second experience (26 steps each)
                            saved[0] = r.exportState();
                            throw new IllegalStateException("stop");
                        }
                    }
                });
            } catch (IllegalStateException expected) {
                // the first process ends here
            }
        }
        try (ContinualRun run = run(taskIncremental, new LoraPerTask(LoraPerTask.TASK, 3), lora(Map.of("rank", 4)))) {
            run.importState(saved[0]);
            assertThat(run.run(ContinualRunner.ProgressFactory.NONE, ContinualRun.Listener.NONE).accuracyMatrix()).isEqualTo(matrix);
            StateDict resumed = run.exportState();
            for (String key : reference.tensors().keySet()) {
                assertThat(resumed.tensors().get(key)).as(key).isEqualTo(reference.tensors().get(key));
            }
            assertThat(resumed.tensors().keySet()).contains("hooks.0.task.0.0", "hooks.0.task.1.0", "model_frozen.layer0.weight");
        }
    }

    @Test
    void mergedReadOutsAddTheAveragedOrSummedUpdatesToTheBase() {
        for (String inference : List.of(LoraPerTask.MEAN, LoraPerTask.SUM)) {
            LoraPerTask strategy = new LoraPerTask(inference, 3);
            try (ContinualRun run = run(classIncremental, strategy, lora(Map.of("rank", 3, "alpha", 6)))) {
                run.run(ContinualRunner.ProgressFactory.NONE, ContinualRun.Listener.NONE);
                LoraModel model = (LoraModel) run.model();
                StateDict kept = strategy.exportState();
                // W0 + s·Σ_t BₜAₜ (÷ 3 for the mean), in double, into a plain MLP with the live head
                float[] w0 = model.frozen().get(0).array().toFloatArray();
                double[] merged = new double[w0.length];
                for (int i = 0; i < w0.length; i++) {
                    merged[i] = w0[i];
                }
                double factor = 2.0 / (inference.equals(LoraPerTask.MEAN) ? 3 : 1);
                for (int t = 0; t < 3; t++) {
                    float[] a = kept.floats("task." + t + ".0");
                    float[] b = kept.floats("task." + t + ".1");
                    for (int o = 0; o < 24; o++) {
                        for (int i = 0; i < 12; i++) {
                            for (int k = 0; k < 3; k++) {
                                merged[o * 12 + i] += factor * b[o * 3 + k] * a[k * 12 + i];
                            }
                        }
                    }
                }
                try (NDManager m = NDManager.newBaseManager()) {
                    Mlp reference = new Mlp(m, 12, new int[] {24}, 6, 1, 0);
                    float[] weight = new float[merged.length];
                    for (int i = 0; i < weight.length; i++) {
                        weight[i] = (float) merged[i];
                    }
                    Parameters.overwrite(reference.parameters(), new float[][] {weight, model.frozen().get(1).array().toFloatArray(),
                        model.parameters().get(2).array().toFloatArray(), model.parameters().get(3).array().toFloatArray()});
                    NDArray x = all.inputs(m, IntStream.range(0, 20).toArray());
                    float[] got = strategy.evaluationModel(model).forward(x, new int[20]).toFloatArray();
                    float[] expected = reference.forward(x, new int[20]).toFloatArray();
                    for (int i = 0; i < got.length; i++) {
                        assertThat(got[i]).as("%s logit %d", inference, i).isCloseTo(expected[i], within(1e-4f));
                    }
                }
            }
        }
    }

    @Test
    void aReLoraRunsAccumulatedUpdateOutgrowsTheAdapterRank() {
        // plain LoRA: the effective update W0 + s·B·A − W_initial is s·B·A, rank ≤ 2
        assertThat(updateRank(lora(Map.of("rank", 2)))).isLessThanOrEqualTo(2);
        // ReLoRA, a restart every 10 of the 78 steps: seven merged rank-2 updates and the last adapter
        assertThat(updateRank(lora(Map.of("rank", 2, "restart_every", 10, "rewarm_steps", 2)))).isGreaterThan(6);
    }

    /** The rank of layer0's effective weight change over a naive run (singular values above 1e-4 of the largest, EJML). */
    private static int updateRank(Lora lora) {
        try (ContinualRun run = run(classIncremental, new Naive(), lora)) {
            float[] initial = run.exportState().floats("model_frozen.layer0.weight");
            run.run(ContinualRunner.ProgressFactory.NONE, ContinualRun.Listener.NONE);
            try (NDManager m = NDManager.newBaseManager()) {
                float[] effective = run.model().frozenCopy(m).parameters().get(0).array().toFloatArray();
                DMatrixRMaj change = new DMatrixRMaj(24, 12);
                for (int i = 0; i < effective.length; i++) {
                    change.data[i] = effective[i] - initial[i];
                }
                SingularValueDecomposition_F64<DMatrixRMaj> svd = DecompositionFactory_DDRM.svd(24, 12, false, false, true);
                assertThat(svd.decompose(change)).isTrue();
                double[] s = svd.getSingularValues();
                double largest = Arrays.stream(s).max().orElseThrow();
                assertThat(largest).isPositive();
                return (int) Arrays.stream(s).filter(v -> v > 1e-4 * largest).count();
            }
        }
    }

    @Test
    void anExperimentReportsTrainableAndFrozenCounts() {
        ExperimentResult r = Experiment.builder().dataset(Synthetic.GAUSSIAN_CLUSTERS.name(), Map.of())
                .scenario(Scenarios.SPLIT.name(), Map.of("classes_per_experience", 2, "task_incremental", true))
                .model(Mlp.MLP.name(), Map.of("hidden", List.of(16)))
                .strategy(LoraPerTask.LORA_PER_TASK.name(), Map.of()).set("training.lora.rank", 2).continualEvaluation(0).build().run();
        @SuppressWarnings("unchecked")
        Map<String, Object> counts = (Map<String, Object>) r.toJson(Map.of()).get("parameters");
        assertThat(counts.get("frozen")).isEqualTo(r.result().parameters().frozen());
        assertThat(r.result().parameters().frozen()).isPositive();
        assertThat(r.result().averageAccuracy()).isGreaterThan(0.5);
    }

    @Test
    void badSettingsAreRefusedNamingTheKey() {
        assertThatThrownBy(() -> experiment(LoraPerTask.LORA_PER_TASK.name()).build()).isInstanceOf(PerennialException.class)
                .hasMessage("strategy.name: strategy lora-per-task needs low-rank adapters (set training.lora.rank), but nothing in this run"
                        + " gives that; choose another strategy or change the run");
        assertThatThrownBy(() -> experiment(LoraPerTask.LORA_PER_TASK.name()).set("training.lora.rank", 0).build())
                .hasMessageStartingWith("training.lora.rank: must be >= 1, got 0");
        assertThatThrownBy(() -> experiment(LoraPerTask.LORA_PER_TASK.name()).set("training.lora.restart_every", 10).build())
                .hasMessageStartingWith("training.lora.restart_every: strategy lora-per-task keeps the adapted base frozen");
        assertThatThrownBy(() -> experiment("cbp").set("training.lora.rank", 4).build())
                .hasMessageStartingWith("training.lora: strategy cbp works on the model's hidden units");
        assertThatThrownBy(() -> experiment(LoraPerTask.LORA_PER_TASK.name()).set("training.lora", "rank=4,alpha=x").build())
                .hasMessageStartingWith("training.lora.alpha: expected a number");
        assertThatThrownBy(() -> experiment(LoraPerTask.LORA_PER_TASK.name()).set("training.lora.rank", 4)
                .set("strategy.inference", "vote").build()).hasMessageStartingWith("strategy.inference: must be one of mean, sum, task");
        assertThatThrownBy(() -> experiment(LoraPerTask.LORA_PER_TASK.name()).set("training.lora.rank", 4).set("strategy.inference", "task")
                .build().run()).hasMessageStartingWith("strategy.inference: task reads each test sample's task id, but the samples of "
                        + "experience 2 (task 1) say task 0 (a class- or domain-incremental stream); use inference: mean or sum");
    }

    @Test
    void adaptersThatCannotBeLowRankAreRefusedNamingTheKey() {
        assertThatThrownBy(() -> experiment(LoraPerTask.LORA_PER_TASK.name()).set("training.lora.rank", 40).build().run())
                .isInstanceOf(PerennialException.class)
                .hasMessageStartingWith("training.lora.rank: 40 is not below the size of layer layer0.weight (400 × 32)");
        assertThatThrownBy(() -> experiment(Naive.NAIVE.name()).model(Mlp.MLP.name(), Map.of("hidden", List.of())).set("training.lora.rank", 2)
                .build().run()).hasMessageStartingWith("training.lora.layers: mlp 32-10 has no hidden layer to adapt; set layers: all");
    }

    private static Experiment.Builder experiment(String strategy) {
        return Experiment.builder().dataset(Synthetic.GAUSSIAN_CLUSTERS.name(), Map.of()).strategy(strategy, Map.of());
    }
}
