package ai.perennial.theory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class RateFitTest {

    @Test
    void recoversAKnownExponentWithAnIntervalThatCoversIt() {
        long[] k = Checkpoints.logSpaced(10_000);
        Random random = new Random(3);
        double[][] values = new double[30][k.length];
        for (double[] seed : values) {
            for (int j = 0; j < k.length; j++) {
                seed[j] = 2.0 * Math.pow(k[j], -0.5) * Math.exp(0.3 * random.nextGaussian());
            }
        }
        RateFit fit = RateFit.fit(k, values, 10, 10_000, 1);
        assertThat(fit.slope()).isCloseTo(-0.5, within(0.02));
        assertThat(fit.lower()).isLessThan(-0.5);
        assertThat(fit.upper()).isGreaterThan(-0.5);
        assertThat(fit.upper() - fit.lower()).isLessThan(0.05);
    }

    @Test
    void refusesWindowsWithoutEnoughPositivePoints() {
        long[] k = {1, 2, 3, 4};
        assertThatThrownBy(() -> RateFit.fit(k, new double[][] {{1, 1, 1, 1}}, 3, 4, 1)).hasMessageContaining("widen it");
        assertThatThrownBy(() -> RateFit.fit(k, new double[][] {{1, 0, 0, 0}}, 1, 4, 1)).hasMessageContaining("positive");
    }
}
