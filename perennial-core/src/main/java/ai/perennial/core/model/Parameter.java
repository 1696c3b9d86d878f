package ai.perennial.core.model;

import ai.djl.ndarray.NDArray;

/**
 * One trainable tensor. {@code decays} is false for biases, so weight decay can be masked off them.
 * The array is a leaf that records gradients; optimizers update it in place.
 */
public record Parameter(String name, NDArray array, boolean decays) {
}
