package ai.perennial.core.model;

import ai.djl.ndarray.NDArray;

/**
 * One named tensor of a model. In {@link Model#parameters()} a trainable leaf that records gradients, which optimizers
 * update in place; {@code decays} is false for biases and normalization scales, so weight decay can be masked off them.
 * In {@link Model#buffers()} a non-trainable statistic (decays false, no gradient) that only the forward pass updates.
 */
public record Parameter(String name, NDArray array, boolean decays) {
}
