package ai.perennial.core.optim;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.model.Parameter;
import ai.perennial.core.schedule.Schedule;
import ai.perennial.core.state.StateDict;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OptimizerStateTest {

    static List<Parameter> params(NDManager m) {
        return List.of(new Parameter("w", m.create(new float[] {1, -2, 3, 0.5f}, new Shape(2, 2)), true),
                new Parameter("b", m.create(new float[] {0.1f, -0.1f}), false));
    }

    static void step(Optimizer opt, NDManager m, int t) {
        try (NDScope scope = new NDScope()) {
            opt.step(List.of(m.create(new float[] {t, -1, 0.5f * t, 2}, new Shape(2, 2)), m.create(new float[] {-t, 1})));
        }
    }

    @Test
    void exportedStateResumesExactly() {
        Engines.pytorch();
        List<Supplier<GradientTransform>> recipes = List.of(
                () -> Optimizers.sgd(Schedule.cosine(0.1, 10, 0), 0.9, true, 0.01),
                () -> Optimizers.adamw(Schedule.warmup(2, Schedule.constant(0.01)), 0.9, 0.999, 1e-8, 0.1, Optimizers.ALL),
                () -> Optimizers.adamL2(Schedule.constant(0.01), 0.9, 0.999, 1e-8, 0.1),
                // the injected noise too: it depends only on the seed and the step
                () -> NoisyTransforms.sgld(Schedule.constant(0.01), 1.0, 7),
                () -> NoisyTransforms.upgd(Schedule.constant(0.01), 0.9, 0.1, 0.01, 7),
                // low-rank projections: the basis (and PLUMAGE's scales) refreshed every 2 steps, also after the resume
                () -> ai.perennial.core.lowrank.GaLore.wrap(Optimizers.adam(Schedule.constant(0.01), 0.9, 0.999, 1e-8), 1, 2, 0.25),
                () -> ai.perennial.core.lowrank.Plumage.wrap(Optimizers.adam(Schedule.constant(0.01), 0.9, 0.999, 1e-8), 1, 2, 7));
        for (Supplier<GradientTransform> recipe : recipes) {
            try (NDManager m = NDManager.newBaseManager()) {
                List<Parameter> a = params(m);
                Optimizer original = new Optimizer("o", recipe.get(), a);
                for (int t = 1; t <= 3; t++) {
                    step(original, m, t);
                }
                StateDict saved = original.exportState();
                List<Parameter> b = params(m);
                for (int i = 0; i < a.size(); i++) {
                    b.get(i).array().set(a.get(i).array().toFloatArray());
                }
                Optimizer resumed = new Optimizer("o", recipe.get(), b);
                resumed.importState(saved);
                assertThat(resumed.exportState()).isEqualTo(saved);
                for (int t = 4; t <= 6; t++) {
                    step(original, m, t);
                    step(resumed, m, t);
                }
                for (int i = 0; i < a.size(); i++) {
                    assertThat(b.get(i).array().toFloatArray()).containsExactly(a.get(i).array().toFloatArray());
                }
                assertThat(resumed.steps()).isEqualTo(6);
            }
        }
    }

    @Test
    void importRejectsMismatchedShapes() {
        Engines.pytorch();
        try (NDManager m = NDManager.newBaseManager()) {
            Optimizer opt = new Optimizer("o", Optimizers.adam(Schedule.constant(0.1), 0.9, 0.999, 1e-8), params(m));
            StateDict bad = opt.exportState();
            bad.putFloats("0.mu.0", new float[3]);
            assertThatThrownBy(() -> opt.importState(bad)).hasMessageContaining("0.mu.0").hasMessageContaining("[3]");
            StateDict missing = new StateDict();
            assertThatThrownBy(() -> opt.importState(missing)).hasMessageContaining("count");
        }
    }

    @Test
    void stateArraysSurviveStepScopes() {
        Engines.pytorch();
        try (NDManager m = NDManager.newBaseManager()) {
            Optimizer opt;
            List<Parameter> p = params(m);
            try (NDScope construction = new NDScope()) {
                opt = new Optimizer("o", Optimizers.adam(Schedule.constant(0.1), 0.9, 0.999, 1e-8), p);
            }
            step(opt, m, 1);
            step(opt, m, 2);
            // the moments created inside the closed construction scope still hold both steps: μ = β(1 − β)g₁ + (1 − β)g₂
            float[] g1 = {1, -1, 0.5f, 2};
            float[] g2 = {2, -1, 1, 2};
            float[] mu = opt.exportState().floats("0.mu.0");
            float[] nu = opt.exportState().floats("0.nu.0");
            for (int i = 0; i < 4; i++) {
                assertThat((double) mu[i]).isCloseTo(0.9 * 0.1 * g1[i] + 0.1 * g2[i], org.assertj.core.data.Offset.offset(1e-6));
                assertThat((double) nu[i]).isCloseTo(0.999 * 0.001 * g1[i] * g1[i] + 0.001 * g2[i] * g2[i],
                        org.assertj.core.data.Offset.offset(1e-7));
            }
            assertThat(opt.exportState().counter("0.count")).isEqualTo(2);
        }
    }
}
