package ai.perennial.core.precision;

/**
 * A 4-bit block format: E2M1 elements sharing one scale per block of consecutive values along the reduction (last)
 * dimension. The scale rules are in {@link BlockQuantizer}.
 */
public enum BlockFormat {
    /** NVIDIA NVFP4: blocks of 16, an E4M3 block scale times one FP32 scale per tensor. */
    NVFP4(16),
    /** OCP MXFP4: blocks of 32, an E8M0 (power-of-two) block scale, no tensor scale. */
    MXFP4(32);

    private final int blockSize;

    BlockFormat(int blockSize) {
        this.blockSize = blockSize;
    }

    public int blockSize() {
        return blockSize;
    }

    /** Blocks per row of {@code cols} values; a last, shorter block holds the remainder. */
    public int blocksPerRow(int cols) {
        return (cols + blockSize - 1) / blockSize;
    }
}
