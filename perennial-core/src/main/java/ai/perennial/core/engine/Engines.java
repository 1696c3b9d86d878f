package ai.perennial.core.engine;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.perennial.core.PerennialException;
import ai.perennial.core.run.Startup;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.LoggerFactory;

/**
 * The one place that knows which tensor engine runs underneath: PyTorch through DJL, with natives
 * bundled in the Maven artifacts and offline mode forced, so nothing is downloaded at run time.
 */
public final class Engines {
    public static final String ENGINE = "PyTorch";

    /**
     * Settings the native libraries read from the environment when they load. With dynamic threading, MKL and OpenMP use
     * fewer threads on a loaded machine, which changes the order of floating-point sums, so the same seed (or a resumed
     * run) could end in different weights.
     */
    static final Map<String, String> NATIVE_ENVIRONMENT = Map.of("MKL_DYNAMIC", "FALSE", "OMP_DYNAMIC", "FALSE");

    private static volatile boolean prepared;
    private static final AtomicBoolean PRELOADING = new AtomicBoolean();
    /** Whether this thread has had the engine from {@link #pytorch()} (and so gradient recording turned off). */
    private static final ThreadLocal<Boolean> READY = ThreadLocal.withInitial(() -> false);

    /** The C library's {@code setenv}, to set the variables before the native libraries read them. */
    private interface LibC extends com.sun.jna.Library {
        int setenv(String name, String value, int overwrite);
    }

    private Engines() {
    }

    /**
     * Loads the PyTorch engine or fails with one message that says what to do. Before the first load, sets
     * {@link #NATIVE_ENVIRONMENT} in the process environment (values the user set explicitly are kept, with a warning).
     * Gradient recording is off on the calling thread afterwards, as on the thread that loaded the engine.
     */
    public static Engine pytorch() {
        Engine engine = load();
        if (!READY.get()) {
            // PyTorch keeps the switch per thread and the engine turns it off only on the thread that loads it, which
            // may have been the preloading one
            JniUtils.setGradMode(false);
            READY.set(true);
            Startup.process().mark(Startup.ENGINE);
        }
        return engine;
    }

    /**
     * Starts loading the engine on a background thread, so the native libraries load while the caller reads its
     * command line, config and data (a command that will train calls this first). Failures are left to the caller's own
     * {@link #pytorch()}, which reports them.
     */
    public static void preload() {
        if (!PRELOADING.compareAndSet(false, true)) {
            return;
        }
        Thread loader = new Thread(() -> {
            long start = System.nanoTime();
            try {
                load();
                Startup.process().concurrent("engine_load", (System.nanoTime() - start) / 1e9);
            } catch (RuntimeException e) {
                // reported when the command itself needs the engine
            }
        }, "perennial-engine-load");
        loader.setDaemon(true);
        loader.start();
    }

    private static Engine load() {
        if (!prepared) {
            prepareNativeEnvironment();
        }
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

    private static synchronized void prepareNativeEnvironment() {
        if (prepared) {
            return;
        }
        for (var e : NATIVE_ENVIRONMENT.entrySet()) {
            String given = System.getenv(e.getKey());
            if (given != null && !given.equalsIgnoreCase(e.getValue())) {
                LoggerFactory.getLogger(Engines.class).warn("{}={} is kept as set; runs with the same seed may then differ on a"
                        + " loaded machine (unset it for bit-exact runs)", e.getKey(), given);
            }
        }
        if (!com.sun.jna.Platform.isWindows()) {
            LibC c = com.sun.jna.Native.load("c", LibC.class);
            NATIVE_ENVIRONMENT.forEach((name, value) -> c.setenv(name, value, 0));
        }
        prepared = true; // only now: another thread must not load the libraries before the variables are set
    }

    /**
     * {@code fromHost} copied into memory the engine allocated, and the original closed. DJL wraps a tensor created
     * from Java data around the Java buffer as it is, whose address (and so its alignment) changes from run to run;
     * matrix products can take different code paths for different alignments and round differently in the last bit.
     * Parameters and batch inputs are therefore always engine-allocated, which keeps runs and resumed runs bit for bit
     * identical.
     */
    public static NDArray owned(NDArray fromHost) {
        NDArray copy = fromHost.duplicate();
        fromHost.close();
        return copy;
    }

    /**
     * A gradient collector that leaves gradient recording off when it closes. PyTorch keeps that switch per thread, on
     * by default in a new thread, and the collector restores what it found; left on, the optimizer's in-place update of a
     * parameter fails, so training from a caller's worker thread would break.
     */
    public static GradientCollector newGradientCollector() {
        Engine engine = pytorch();
        JniUtils.setGradMode(false);
        return engine.newGradientCollector();
    }

    /**
     * Writes {@code values} into {@code target}'s own storage. DJL's {@code NDArray.set(Buffer)} would instead make the
     * Java buffer the tensor's storage, at an address (and alignment) that differs from run to run, so a resumed run
     * could round differently from one that never stopped.
     */
    public static void overwrite(NDArray target, float[] values) {
        try (NDManager scratch = target.getManager().newSubManager()) {
            overwrite(target, scratch.create(values, target.getShape()));
        }
    }

    /** Copies {@code source} (same shape) into {@code target}'s own storage, exactly and without recording gradients. */
    public static void overwrite(NDArray target, NDArray source) {
        JniUtils.setGradMode(false); // an in-place write to a parameter must not be recorded
        target.set(new NDIndex("..."), source);
    }

    /**
     * {@code x · c} for use in a loss. DJL's {@code mul(Number)} turns {@code c} into a tensor over a Java buffer and
     * releases the buffer when the call returns, but autograd keeps that tensor for the backward pass, which then
     * reads freed memory once the garbage collector has run: gradients of 1e37 in DER++, seen only sometimes.
     * Here the constant lives in engine memory, which autograd keeps alive for as long as it needs it.
     */
    public static NDArray times(NDArray x, double c) {
        return x.mul(constant(x, c));
    }

    /** {@code x / c} for use in a loss; see {@link #times}. */
    public static NDArray dividedBy(NDArray x, double c) {
        return x.div(constant(x, c));
    }

    private static NDArray constant(NDArray like, double c) {
        return owned(like.getManager().create((float) c));
    }

    /**
     * PyTorch's {@code batch_norm} over axis 1 (channels), with {@code momentum} and {@code epsilon} passed exactly as
     * given. DJL's {@code BatchNorm.batchNorm} takes both as float and hands PyTorch {@code 1 − momentum} (its momentum is
     * the weight of the old statistics), so PyTorch's default 0.1 would arrive as 0.100000024. In training the running
     * statistics are updated in place (the variance unbiased); in evaluation they normalize and stay as they are.
     */
    public static NDArray batchNorm(NDArray x, NDArray runningMean, NDArray runningVar, NDArray gamma, NDArray beta, boolean training,
            double momentum, double epsilon) {
        return JniUtils.batchNorm((PtNDArray) x, (PtNDArray) runningMean, (PtNDArray) runningVar, (PtNDArray) gamma, (PtNDArray) beta,
                training, momentum, epsilon);
    }

    /**
     * Forward multiply-accumulates per step below which one intra-op thread trains faster than all cores. On the 2-core
     * development machine, one thread against two (docs/performance.md, "Intra-op threads"): MLP 784-400-400-10 at batch
     * 128 (61M MACs) 3.2 vs 4.4 ms/step; ResNet-18 at batch 32, width 8 (283M) 47–50 vs 61–68 ms, width 14 (860M) 97–103
     * vs 102–103 ms, width 20 (1.75G) 176 vs 136 ms. Small steps spend their time in many short operations whose
     * OpenMP fork and join cost more than a second thread gains.
     */
    static final long ONE_THREAD_BELOW_MACS = 1_000_000_000L;

    /**
     * Sets PyTorch's intra-op thread count for a training step of {@code forwardMacsPerStep} multiply-accumulates: one
     * thread below {@link #ONE_THREAD_BELOW_MACS}, otherwise one per core. A count the user chose
     * ({@code -Dai.djl.pytorch.num_threads} or {@code OMP_NUM_THREADS}) is kept. Returns the count in effect. Some
     * operations split their sums between threads, so a run's last bits can depend on the count; runs record it.
     */
    public static int fitIntraOpThreads(long forwardMacsPerStep) {
        if (System.getProperty("ai.djl.pytorch.num_threads") == null && System.getenv("OMP_NUM_THREADS") == null) {
            setIntraOpThreads(forwardMacsPerStep < ONE_THREAD_BELOW_MACS ? 1 : Runtime.getRuntime().availableProcessors());
        }
        return intraOpThreads();
    }

    /** PyTorch's threads per operation (process-wide). */
    public static int intraOpThreads() {
        pytorch();
        return JniUtils.getNumThreads();
    }

    /** Sets PyTorch's threads per operation (process-wide). */
    public static void setIntraOpThreads(int threads) {
        pytorch();
        if (JniUtils.getNumThreads() != threads) {
            JniUtils.setNumThreads(threads);
        }
    }

    /**
     * Adds {@code gradient}·∂target/∂θ to the gradient of every leaf θ that {@code target} was computed from ({@code target}'s
     * own gradient when it is a leaf), keeping the recorded graph so later passes may go through shared parts of it
     * again. A backward pass in stages: the gradient that reaches an intermediate result can be changed before it
     * travels on.
     */
    public static void backward(NDArray target, NDArray gradient) {
        JniUtils.backward((PtNDArray) target, (PtNDArray) gradient, true, false);
    }

    /**
     * {@link #backward}, or false when {@code target} was not computed from anything that records gradients (model
     * inputs). DJL cannot tell beforehand: its {@code hasGradient} is true only for leaves that record gradients, false
     * for every intermediate result.
     */
    public static boolean backwardIfRecorded(NDArray target, NDArray gradient) {
        try {
            backward(target, gradient);
            return true;
        } catch (ai.djl.engine.EngineException e) {
            if (e.getMessage() != null && e.getMessage().contains("does not require grad")) {
                return false;
            }
            throw e;
        }
    }

    /** Whether operations on this thread are being recorded for a backward pass (inside a gradient collector). */
    public static boolean recording() {
        return JniUtils.isGradMode();
    }

    /** Zeroes the gradient buffer of a leaf array in place (DJL's getGradient returns a copy handle). */
    public static void zeroGradient(NDArray leaf) {
        JniUtils.zeroGrad((PtNDArray) leaf);
    }
}
