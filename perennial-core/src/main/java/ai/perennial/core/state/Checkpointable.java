package ai.perennial.core.state;

import java.util.Map;

/** A run that can be saved at any step boundary and continued exactly from what it saved. */
public interface Checkpointable {
    /** Everything that decides the rest of the run; read-only. */
    StateDict exportState();

    /** Optimizer steps taken so far. */
    long globalStep();

    /** Where the run stands, for the manifest and messages (experience, epoch, batch, ...). */
    Map<String, Object> cursor();

    /** Throws {@link ai.perennial.core.train.DivergedException} when the weights are no longer finite: such a state is never saved. */
    void checkFinite();
}
