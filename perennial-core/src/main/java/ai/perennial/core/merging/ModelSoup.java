package ai.perennial.core.merging;

import ai.perennial.core.PerennialException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.ToDoubleFunction;
import java.util.stream.IntStream;

/**
 * Greedy model soup (Wortsman et al. 2022): rank the models by validation accuracy; starting from the best, add each
 * next one to the soup (the uniform average of its ingredients) only if the soup's validation accuracy does not drop.
 * The uniform soup is {@link TaskArithmetic#UNIFORM}.
 */
public final class ModelSoup {
    private ModelSoup() {
    }

    /** The soup, the indices of its ingredients (in the order added) and its validation accuracy. */
    public record Soup(float[][] weights, List<Integer> ingredients, double accuracy) {
    }

    public static Soup greedy(List<float[][]> models, ToDoubleFunction<float[][]> validation) {
        if (models.isEmpty()) {
            throw new PerennialException("a soup needs at least one model");
        }
        double[] own = models.stream().mapToDouble(validation).toArray();
        List<Integer> ranked = IntStream.range(0, models.size()).boxed()
                .sorted(Comparator.comparingDouble((Integer i) -> -own[i]).thenComparingInt(i -> i)).toList();
        List<Integer> ingredients = new ArrayList<>(List.of(ranked.get(0)));
        float[][] soup = models.get(ranked.get(0));
        double best = own[ranked.get(0)];
        for (int r = 1; r < ranked.size(); r++) {
            List<Integer> candidate = new ArrayList<>(ingredients);
            candidate.add(ranked.get(r));
            float[][] mixed = new TaskArithmetic(Double.NaN).merge(models.get(0), candidate.stream().map(models::get).toList());
            double accuracy = validation.applyAsDouble(mixed);
            if (accuracy >= best) {
                ingredients = candidate;
                soup = mixed;
                best = accuracy;
            }
        }
        return new Soup(soup, List.copyOf(ingredients), best);
    }
}
