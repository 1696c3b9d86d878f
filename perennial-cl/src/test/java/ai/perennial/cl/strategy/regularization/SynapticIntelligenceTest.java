package ai.perennial.cl.strategy.regularization;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.perennial.core.data.Dataset;
import ai.perennial.core.data.Shuffle;
import ai.perennial.core.data.Synthetic;
import ai.perennial.core.engine.Engines;
import ai.perennial.core.model.Mlp;
import ai.perennial.core.model.Model;
import ai.perennial.core.optim.Optimizer;
import ai.perennial.core.optim.Optimizers;
import ai.perennial.core.schedule.Schedule;
import ai.perennial.core.train.Losses;
import ai.perennial.core.train.ProgressListener;
import ai.perennial.core.train.Trainer;
import ai.perennial.core.train.TrainingContext;
import ai.perennial.core.train.TrainingHook;
import java.util.List;
import org.junit.jupiter.api.Test;

class SynapticIntelligenceTest {
    /**
     * SI's path integral Σ_t −g_t·Δθ_t is a line integral of the gradient along the training path, so under
     * full-batch gradient descent with a small step its sum over all parameters equals the decrease of the
     * loss, L(θ_start) − L(θ_end), up to O(step) discretization error.
     */
    @Test
    void pathIntegralEqualsTheLossDecreaseUnderFullBatchDescent() {
        Engines.pytorch();
        Dataset data = Synthetic.gaussianClusters(256, 8, 3, 1.0, 4);
        try (NDManager m = NDManager.newBaseManager()) {
            Model model = new Mlp(m, 8, new int[] {16}, 3, 1, 2);
            SynapticIntelligence si = new SynapticIntelligence(1.0, 0.1);
            double[] pathSum = new double[1];
            TrainingHook probe = new TrainingHook() { // runs before SI folds ω into Ω at the end
                @Override
                public void onExperienceEnd(TrainingContext c) {
                    for (NDArray w : si.pathIntegrals()) {
                        pathSum[0] += w.sum().getFloat();
                    }
                }
            };
            double before = fullLoss(model, data, m);
            Optimizer gd = new Optimizer("sgd", Optimizers.sgd(Schedule.constant(0.02), 0, false, 0), model.parameters());
            new Trainer(model, gd, List.of(probe, si), m).train(data, 0, new Trainer.Options(300, 256, 1, 50, -1),
                    ProgressListener.NONE);
            double after = fullLoss(model, data, m);
            double decrease = before - after;
            assertThat(decrease).isGreaterThan(0.3);
            assertThat(Math.abs(pathSum[0] - decrease) / decrease).isLessThan(0.03);
            // after the experience the importance is non-negative and the path integrals are reset
            for (NDArray omega : si.penalty().importance()) {
                assertThat(omega.min().getFloat()).isGreaterThanOrEqualTo(0f);
            }
            for (NDArray w : si.pathIntegrals()) {
                assertThat(w.abs().sum().getFloat()).isZero();
            }
        }
    }

    static double fullLoss(Model model, Dataset data, NDManager m) {
        try (NDScope scope = new NDScope()) {
            int[] all = Shuffle.range(data.size());
            return Losses.crossEntropy(model.forward(data.inputs(m, all), data.tasks(all)), data.labels(m, all)).getFloat();
        }
    }
}
