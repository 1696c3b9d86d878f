package ai.perennial.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.perennial.core.PerennialException;
import ai.perennial.core.run.ResultWriter;
import ai.perennial.core.schedule.GradientNormRecord;
import ai.perennial.core.state.StateDict;
import ai.perennial.core.model.Parameters;
import java.nio.file.Path;
import java.util.List;

/**
 * Logs the squared global gradient norm (the gradients the optimizer receives) as block means of {@code every} steps.
 * The sum accumulates on the device and is read back once per block, not per step. The log feeds the
 * {@code refined} schedule of a later run.
 */
public final class GradientNormLog implements TrainingHook {
    private final int every;
    private final StringBuilder csv = new StringBuilder(GradientNormRecord.HEADER).append('\n');
    private NDArray sum;
    private long blockStart = 1;
    private long inBlock;

    public GradientNormLog(int every) {
        if (every < 1) {
            throw new PerennialException("gradient-norm block size must be at least 1, got " + every);
        }
        this.every = every;
    }

    @Override
    public List<NDArray> transformGradients(TrainingContext context, List<NDArray> grads) {
        NDArray squared = Parameters.squaredNorm(grads);
        if (sum == null) {
            sum = squared.duplicate();
            NDScope.unregister(sum);
        } else {
            sum.addi(squared);
        }
        inBlock++;
        return grads;
    }

    @Override
    public void afterUpdate(TrainingContext context, Batch batch) {
        if (inBlock == every) {
            flush(context.globalStep());
        }
    }

    @Override
    public void onExperienceEnd(TrainingContext context) {
        if (inBlock > 0) {
            flush(context.globalStep());
        }
    }

    private void flush(long step) {
        csv.append(GradientNormRecord.row(blockStart, step, sum.getFloat() / inBlock));
        sum.subi(sum);
        blockStart = step + 1;
        inBlock = 0;
    }

    @Override
    public StateDict exportState() {
        StateDict out = new StateDict();
        out.putText("csv", csv.toString());
        out.putCounter("block_start", blockStart);
        out.putCounter("in_block", inBlock);
        out.putNumber("sum", sum == null ? 0 : sum.getFloat());
        return out;
    }

    @Override
    public void importState(StateDict in, TrainingContext context) {
        csv.setLength(0);
        csv.append(in.text("csv"));
        blockStart = in.counter("block_start");
        inBlock = in.counter("in_block");
        if (sum == null) {
            sum = context.stateManager().create(0f);
            NDScope.unregister(sum);
        }
        sum.muli(0).addi((float) in.number("sum"));
    }

    public String csv() {
        return csv.toString();
    }

    public void write(Path file) {
        ResultWriter.writeText(file, csv());
    }
}
