package ai.perennial.cl.run;

import static org.assertj.core.api.Assertions.assertThat;

import ai.perennial.cl.scenario.Scenario;
import ai.perennial.cl.scenario.Scenarios;
import ai.perennial.cl.scenario.TimeOrdered;
import ai.perennial.cl.strategy.Strategies;
import ai.perennial.cl.strategy.Strategy;
import ai.perennial.core.data.Dataset;
import ai.perennial.core.data.Synthetic;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.lowrank.Lora;
import ai.perennial.core.model.Mlp;
import ai.perennial.core.lowrank.GaLore;
import ai.perennial.core.lowrank.Plumage;
import ai.perennial.core.optim.OptimizerFactory;
import ai.perennial.core.optim.Optimizers;
import ai.perennial.core.precision.AccumulatorTraining;
import ai.perennial.core.precision.FullyQuantizedTraining;
import ai.perennial.core.precision.TernaryTraining;
import ai.perennial.core.registry.Component;
import ai.perennial.core.registry.Param;
import ai.perennial.core.registry.Registry;
import ai.perennial.core.schedule.Schedule;
import ai.perennial.core.state.Checkpoints;
import ai.perennial.core.state.StateDict;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every strategy (and a combination with state everywhere): a run saved at a step inside an experience or at an
 * experience end, written to disk, read back and imported into a freshly built run, ends exactly where the run that
 * never stopped ends: same accuracy matrix, continual-evaluation curve, weights and strategy state, bit for bit.
 */
class ResumeTest {
    static Scenario stream;
    static Scenario regression;

    @TempDir
    Path dir;

    @BeforeAll
    static void data() {
        Engines.pytorch();
        Dataset all = Synthetic.gaussianClusters(1500, 12, 6, 1.5, 4);
        stream = Scenarios.split(all.select(IntStream.range(0, 1200).toArray()), all.select(IntStream.range(1200, 1500).toArray()), 2,
                null, false);
        regression = TimeOrdered.byCount(Synthetic.driftingRegression(1500, 12, 1.5, 0.1, 10, 0.2, 4), 2);
    }

    /** Small memories and samples so every strategy runs in a moment; the rest stays at the declared defaults. */
    static Map<String, Object> small(String name) {
        Map<String, Object> smallValues = Map.of("memory", 60, "fisher_samples", 40, "samples", 40, "patterns_per_experience", 30,
                "sample_size", 30, "passes", 2, "validation_per_class", 5, "maturity", 5, "every_steps", 10, "tau", 0.5);
        Map<String, Object> out = new LinkedHashMap<>();
        Component<Long, Strategy> c = Registry.global().get(Strategy.KIND, name, "strategy");
        for (Param<?> p : c.params()) {
            if (smallValues.containsKey(p.name())) {
                out.put(p.name(), smallValues.get(p.name()));
            }
        }
        return out;
    }

    static Strategy strategy(String name) {
        if (!name.contains("+")) {
            return Strategies.create(name, small(name), 9);
        }
        Map<String, Object> params = new LinkedHashMap<>();
        for (String member : name.split("\\+")) {
            params.put(member, small(member));
        }
        return Strategies.create(name, params, 9);
    }

    static ContinualRun build(String name) {
        return build(name, stream);
    }

    static final OptimizerFactory ADAMW = steps -> Optimizers.adamw(Schedule.warmup(5, Schedule.cosine(0.01, steps - 5, 0)), 0.9, 0.999,
            1e-8, 0.01, Optimizers.ALL);

    /** Whether a member of {@code name} needs low-rank adapters, which the run then gives it. */
    static boolean needsAdapters(String name) {
        return java.util.Arrays.stream(name.split("\\+")).anyMatch(member -> Registry.global().get(Strategy.KIND, member, "strategy")
                .requires().stream().anyMatch(need -> need.contains(Lora.ADAPTERS)));
    }

    static Lora adaptersFor(String name) {
        return needsAdapters(name) ? Lora.of(Map.<String, Object>of("rank", 3)) : null;
    }

    static ContinualRun build(String name, Scenario stream) {
        return build(name, stream, ADAMW, adaptersFor(name), null);
    }

    /** {@code precision}: the dense layers' training precision spec, null for FP32. */
    static ContinualRun build(String name, Scenario stream, OptimizerFactory optimizer, Lora lora, String precision) {
        ContinualRunner.Options options = new ContinualRunner.Options(2, 32, new ContinualRunner.EvalOptions(7, 50, 100, true, 20, 40, 9), 5,
                "swa:start=4,every=3", ai.perennial.core.train.Augmentation.NONE, null, null, -1, precision, lora);
        return new ContinualRun(stream, c -> new Mlp(c.manager(), (int) c.inputShape().size(), new int[] {24}, c.outputs(), c.heads(), c.seed()),
                optimizer, strategy(name), options);
    }

    /** Stops a run right after it passes {@code step} (or after experience {@code experience}), keeping its state. */
    static final class Stop extends RuntimeException {
        Stop() {
            super(null, null, false, false);
        }
    }

    record Outcome(ContinualResult result, StateDict state) {
    }

    static Outcome uninterrupted(String name) {
        return uninterrupted(name, stream);
    }

    static Outcome uninterrupted(String name, Scenario stream) {
        return uninterrupted(name, stream, ADAMW, adaptersFor(name), null);
    }

    static Outcome uninterrupted(String name, Scenario stream, Lora lora) {
        return uninterrupted(name, stream, ADAMW, lora, null);
    }

    static Outcome uninterrupted(String name, Scenario stream, OptimizerFactory optimizer) {
        return uninterrupted(name, stream, optimizer, adaptersFor(name), null);
    }

    static Outcome uninterrupted(String name, Scenario stream, String precision) {
        return uninterrupted(name, stream, ADAMW, adaptersFor(name), precision);
    }

    static Outcome uninterrupted(String name, Scenario stream, OptimizerFactory optimizer, Lora lora, String precision) {
        try (ContinualRun run = build(name, stream, optimizer, lora, precision)) {
            ContinualResult r = run.run(ContinualRunner.ProgressFactory.NONE, ContinualRun.Listener.NONE);
            return new Outcome(r, run.exportState());
        }
    }

    /** Saves at {@code step} (or at the end of experience {@code afterExperience}), resumes in a new run from disk. */
    Outcome interrupted(String name, long step, int afterExperience) {
        return interrupted(name, stream, step, afterExperience);
    }

    Outcome interrupted(String name, Scenario stream, long step, int afterExperience) {
        return interrupted(name, stream, step, afterExperience, ADAMW, adaptersFor(name), null);
    }

    Outcome interrupted(String name, Scenario stream, long step, int afterExperience, Lora lora) {
        return interrupted(name, stream, step, afterExperience, ADAMW, lora, null);
    }

    Outcome interrupted(String name, Scenario stream, long step, int afterExperience, OptimizerFactory optimizer) {
        return interrupted(name, stream, step, afterExperience, optimizer, adaptersFor(name), null);
    }

    Outcome interrupted(String name, Scenario stream, long step, int afterExperience, String precision) {
        return interrupted(name, stream, step, afterExperience, ADAMW, adaptersFor(name), precision);
    }

    Outcome interrupted(String name, Scenario stream, long step, int afterExperience, OptimizerFactory optimizer, Lora lora,
            String precision) {
        Checkpoints store = new Checkpoints(dir.resolve(stream.name() + "-" + name + "-" + step + "-" + afterExperience
                + (optimizer == ADAMW ? "" : "-" + optimizer.hashCode()) + (lora == null ? "" : "-" + lora.describe().hashCode())
                + (precision == null ? "" : "-" + precision.replace(':', '_').replace('=', '_').replace(',', '_'))), 1);
        try (ContinualRun run = build(name, stream, optimizer, lora, precision)) {
            run.run(ContinualRunner.ProgressFactory.NONE, new ContinualRun.Listener() {
                @Override
                public void afterStep(ContinualRun r) {
                    if (r.globalStep() == step) {
                        store.write(r.globalStep(), r.exportState(), Map.of(), false);
                        throw new Stop();
                    }
                }

                @Override
                public void afterExperience(ContinualRun r) {
                    if (r.experiencesDone() == afterExperience) {
                        store.write(r.globalStep(), r.exportState(), Map.of(), false);
                        throw new Stop();
                    }
                }
            });
            throw new AssertionError("the run was not stopped");
        } catch (Stop expected) {
            // the first process "crashed" here
        }
        StateDict saved = store.latest(w -> { throw new AssertionError(w); }).state();
        try (ContinualRun resumed = build(name, stream, optimizer, lora, precision)) {
            resumed.importState(saved);
            ContinualResult r = resumed.run(ContinualRunner.ProgressFactory.NONE, ContinualRun.Listener.NONE);
            return new Outcome(r, resumed.exportState());
        }
    }

    static void assertSame(String name, Outcome expected, Outcome actual) {
        assertThat(actual.result().accuracyMatrix()).as(name + " accuracy matrix").isEqualTo(expected.result().accuracyMatrix());
        assertThat(actual.result().curve()).as(name + " curve").usingRecursiveFieldByFieldElementComparator()
                .isEqualTo(expected.result().curve());
        assertThat(actual.result().endSteps()).isEqualTo(expected.result().endSteps());
        assertThat(actual.result().diagnostics()).as(name + " plasticity diagnostics").isEqualTo(expected.result().diagnostics()).isNotEmpty();
        assertThat(actual.result().losses()).as(name + " loss curve").isEqualTo(expected.result().losses()).isNotEmpty();
        assertThat(actual.result().compute().samples()).isEqualTo(expected.result().compute().samples());
        StateDict a = withoutTimes(expected.state());
        StateDict b = withoutTimes(actual.state());
        for (String key : a.tensors().keySet()) {
            assertThat(b.tensors().get(key)).as(name + " state " + key).isEqualTo(a.tensors().get(key));
        }
        assertThat(b).as(name + " whole state").isEqualTo(a);
    }

    /** Wall-clock measurements differ between any two runs. */
    static StateDict withoutTimes(StateDict s) {
        StateDict out = new StateDict();
        s.tensors().forEach(out::putTensor);
        s.scalars().forEach((k, v) -> {
            if (k.endsWith("seconds")) {
                return;
            }
            if (v instanceof Long l) {
                out.putCounter(k, l);
            } else if (v instanceof Double d) {
                out.putNumber(k, d);
            } else {
                out.putText(k, (String) v);
            }
        });
        return out;
    }

    @Test
    void everyStrategyResumesExactlyInsideAnExperienceAndAtItsEnd() {
        List<String> names = new ArrayList<>(Registry.global().names(Strategy.KIND));
        names.remove("toy-scaling"); // the test-only toy keeps no state
        names.add("ewc+derpp");
        names.add("cbp+er");
        for (String name : names) {
            Outcome reference = uninterrupted(name);
            long steps = reference.result().compute().steps();
            assertThat(steps).as(name).isPositive();
            long middle = reference.result().endSteps()[0] + 5; // inside the second experience (joint trains once)
            assertSame(name + " @step " + middle, reference, interrupted(name, Math.min(middle, steps - 1), -1));
            assertSame(name + " @end of experience 1", reference, interrupted(name, -1, 1));
        }
    }

    /**
     * LoRA adapters and ReLoRA's restarts (merged base, fresh factors, pruned optimizer state, the draws for A) under
     * strategies with state: a run resumed after a restart, inside an experience, ends bit for bit as one that never stopped.
     */
    @Test
    void loraAndReLoraRunsResumeExactly() {
        Lora relora = Lora.of(Map.<String, Object>of("rank", 3, "restart_every", 9, "rewarm_steps", 3, "optimizer_reset", 0.5));
        for (String name : List.of("naive", "ewc+er")) {
            Outcome reference = uninterrupted(name, stream, relora);
            long middle = reference.result().endSteps()[0] + 5;
            assertSame(name + " (ReLoRA) @step " + middle, reference, interrupted(name, stream, middle, -1, relora));
        }
        Lora lora = Lora.of(Map.<String, Object>of("rank", 2, "alpha", 4));
        Outcome reference = uninterrupted("lwf", stream, lora);
        assertSame("lwf (LoRA) @end of experience 1", reference, interrupted("lwf", stream, -1, 1, lora));
    }

    /**
     * Quantized training (stochastic-rounding counters, the gradient-noise totals on the device, the accumulator's draws)
     * resumes bit for bit, under strategies whose losses read parameters directly and replay memories (EWC + DER++).
     */
    @Test
    void quantizedTrainingResumesExactly() {
        for (String precision : List.of(FullyQuantizedTraining.NVFP4.name(), FullyQuantizedTraining.MXFP4.name() + ":gradients=nearest",
                TernaryTraining.TERNARY.name() + ":scale=absmedian", AccumulatorTraining.ACCUMULATOR.name() + ":rounding=stochastic")) {
            Outcome reference = uninterrupted("ewc+derpp", stream, precision);
            long middle = reference.result().endSteps()[0] + 5;
            assertSame(precision + " @step " + middle, reference, interrupted("ewc+derpp", stream, middle, -1, precision));
            assertSame(precision + " @end of experience 1", reference, interrupted("ewc+derpp", stream, -1, 1, precision));
        }
    }

    /** Regression keeps numeric targets in replay memories and score sums in the online probe: both survive a resume. */
    @Test
    void regressionRunsResumeExactly() {
        for (String name : List.of("er", "ewc+derpp", "agem")) {
            Outcome reference = uninterrupted(name, regression);
            long middle = reference.result().endSteps()[0] + 5;
            assertSame(name + " (regression) @step " + middle, reference, interrupted(name, regression, middle, -1));
        }
    }

    /**
     * Streams of views (permuted and rotated inputs read through a gather index or a sampling map per batch): memories
     * that hold samples of a view export the rows the model saw, and a resumed run ends bit for bit as one that never
     * stopped.
     */
    @Test
    void streamsOfTransformedViewsResumeExactly() {
        Dataset all = Synthetic.gaussianClusters(900, 12, 6, 1.5, 8);
        Scenario permuted = Scenarios.permuted(all.select(IntStream.range(0, 750).toArray()), all.select(IntStream.range(750, 900).toArray()),
                3, true, 5);
        byte[] pixels = new byte[700 * 36];
        int[] labels = new int[700];
        java.util.SplittableRandom r = new java.util.SplittableRandom(6);
        for (int i = 0; i < labels.length; i++) {
            labels[i] = r.nextInt(4);
            for (int p = 0; p < 36; p++) { // a class-dependent blob plus noise
                pixels[i * 36 + p] = (byte) Math.min(255, (p % 6 == labels[i] + 1 ? 180 : 20) + r.nextInt(60));
            }
        }
        ai.perennial.core.data.ByteDataset images = new ai.perennial.core.data.ByteDataset("blobs", pixels, labels,
                new ai.djl.ndarray.types.Shape(1, 6, 6), 4, 0.3f, 0.3f);
        Scenario rotated = Scenarios.rotated(images.select(IntStream.range(0, 600).toArray()), images.select(IntStream.range(600, 700).toArray()),
                new double[] {0, 40, 80});
        for (Scenario s : List.of(permuted, rotated)) {
            for (String name : List.of("er", "ewc+derpp")) { // reservoir rows; logits and a Fisher computed on view batches
                Outcome reference = uninterrupted(name, s);
                long middle = reference.result().endSteps()[0] + 5;
                assertSame(name + " (" + s.name() + ") @step " + middle, reference, interrupted(name, s, middle, -1));
            }
            Outcome reference = uninterrupted("er", s);
            assertSame("er (" + s.name() + ") @end of experience 2", reference, interrupted("er", s, -1, 2));
        }
    }

    /**
     * Low-rank optimizers keep a basis (and PLUMAGE its scales) per weight matrix besides the inner recipe's state, and
     * refresh them every few steps: a run resumed between refreshes ends bit for bit as one that never stopped.
     */
    @Test
    void lowRankOptimizersResumeExactly() {
        List<OptimizerFactory> optimizers = List.of(steps -> GaLore.wrap(ADAMW.create(steps), 4, 7, 0.25),
                steps -> Plumage.wrap(ADAMW.create(steps), 4, 7, 11));
        for (int i = 0; i < optimizers.size(); i++) {
            Outcome reference = uninterrupted("er", stream, optimizers.get(i));
            assertThat(reference.result().compute().optimizerStateBytes()).isPositive();
            long middle = reference.result().endSteps()[0] + 5;
            assertSame("er with low-rank optimizer " + i + " @step " + middle, reference, interrupted("er", stream, middle, -1, optimizers.get(i)));
        }
    }
}
