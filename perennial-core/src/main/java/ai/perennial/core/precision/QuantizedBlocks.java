package ai.perennial.core.precision;

/**
 * A matrix in a 4-bit block format, packed: E2M1 codes two per byte (element {@code i} of the row-major matrix in the low
 * nibble of byte {@code i/2} when {@code i} is even, the high nibble when odd), one scale code per block (E4M3 for NVFP4,
 * E8M0 for MXFP4; row-major over {@code rows × blocksPerRow}), and the FP32 tensor scale (1 for MXFP4).
 */
public record QuantizedBlocks(BlockFormat format, int rows, int cols, byte[] elements, byte[] scales, float tensorScale) {

    /** The E2M1 code of element {@code i}. */
    public byte element(int i) {
        return (byte) ((elements[i >>> 1] >>> ((i & 1) * 4)) & 0xf);
    }

    /** The dequantized values, {@code E2M1(code) · blockScale}; equal bit for bit to {@link BlockQuantizer#fakeQuantize}. */
    public float[] dequantize() {
        int perRow = format.blocksPerRow(cols);
        int size = format.blockSize();
        float[] out = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int b = 0; b < perRow; b++) {
                float scale = BlockQuantizer.blockScale(format, scales[r * perRow + b], tensorScale);
                for (int c = b * size, end = Math.min(cols, c + size); c < end; c++) {
                    int i = r * cols + c;
                    out[i] = MiniFloat.E2M1.decode(element(i)) * scale;
                }
            }
        }
        return out;
    }

    /** Storage in bytes: 4 bits per element, one byte per block scale, four for the tensor scale. */
    public long bytes() {
        return elements.length + scales.length + 4L;
    }
}
