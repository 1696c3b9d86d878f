package ai.perennial.core.model;

import java.util.List;

/**
 * The units of one hidden layer as seen in the parameter list (indices into {@link Model#parameters()}): unit {@code j}
 * owns row {@code j} of {@code inputWeight} (its incoming weights, drawn at init from U(±1/√fanIn)) and entry {@code j}
 * of {@code inputBias}; it feeds slice {@code j} along axis 1 of every array in {@code outputWeights}, viewed as
 * {@code (out, count, rest)} (a dense layer's columns, a convolution's input channel, or the block of columns a
 * flattened channel occupies).
 */
public record Units(String layer, int count, int inputWeight, int inputBias, List<Integer> outputWeights, long fanIn) {
    public Units {
        outputWeights = List.copyOf(outputWeights);
    }
}
