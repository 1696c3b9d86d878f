package ai.perennial.core.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class GradientNormLogTest {

    /** Squared global norm of each step's gradients, read on the host. */
    static final class Recorder implements TrainingHook {
        final List<Double> squaredNorms = new ArrayList<>();

        @Override
        public List<NDArray> transformGradients(TrainingContext context, List<NDArray> grads) {
            double s = 0;
            for (NDArray g : grads) {
                for (float v : g.toFloatArray()) {
                    s += (double) v * v;
                }
            }
            squaredNorms.add(s);
            return grads;
        }
    }

    @Test
    void blockMeansEqualTheHostComputedNorms() {
        TrainerTest.setUp();
        try (NDManager m = NDManager.newBaseManager()) {
            Recorder recorder = new Recorder();
            GradientNormLog log = new GradientNormLog(4);
            Trainer t = TrainerTest.trainer(m, 1, List.of(recorder, log));
            t.train(TrainerTest.data, 0, new Trainer.Options(1, 100, 1, 10, 10), ProgressListener.NONE);
            String[] lines = log.csv().split("\n");
            assertThat(lines).hasSize(1 + 3); // blocks of steps 1–4, 5–8, 9–10
            int[][] blocks = {{1, 4}, {5, 8}, {9, 10}};
            for (int b = 0; b < 3; b++) {
                String[] cells = lines[b + 1].split(",");
                assertThat(Long.parseLong(cells[0])).isEqualTo(blocks[b][0]);
                assertThat(Long.parseLong(cells[1])).isEqualTo(blocks[b][1]);
                double mean = recorder.squaredNorms.subList(blocks[b][0] - 1, blocks[b][1]).stream().mapToDouble(Double::doubleValue)
                        .average().orElseThrow();
                assertThat(Double.parseDouble(cells[2])).isCloseTo(mean, within(1e-4 * mean));
            }
        }
    }
}
