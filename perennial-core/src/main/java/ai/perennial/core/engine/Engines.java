package ai.perennial.core.engine;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.perennial.core.PerennialException;

/**
 * The one place that knows which tensor engine runs underneath: PyTorch through DJL, with natives
 * bundled in the Maven artifacts and offline mode forced, so nothing is downloaded at run time.
 */
public final class Engines {
    public static final String ENGINE = "PyTorch";

    private Engines() {
    }

    /** Loads the PyTorch engine or fails with one message that says what to do. */
    public static Engine pytorch() {
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("ai.djl.default_engine", ENGINE);
        try {
            Engine engine = Engine.getEngine(ENGINE);
            if (engine == null) {
                throw new IllegalStateException("engine not registered");
            }
            return engine;
        } catch (Throwable e) {
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            throw new PerennialException("cannot load the PyTorch native library (" + root.getMessage()
                    + "); rebuild with 'mvn -q -DskipTests package' so the bundled pytorch-native-cpu jar is on the class path,"
                    + " and check that ~/.djl.ai is writable", e);
        }
    }

    /** Zeroes the gradient buffer of a leaf array in place (DJL's getGradient returns a copy handle). */
    public static void zeroGradient(NDArray leaf) {
        JniUtils.zeroGrad((PtNDArray) leaf);
    }
}
