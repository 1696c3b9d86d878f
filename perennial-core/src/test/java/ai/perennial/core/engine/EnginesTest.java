package ai.perennial.core.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class EnginesTest {
    /** The Java buffer a DJL PyTorch array uses as its storage, if any (null: the engine allocated it). */
    static Object javaStorage(NDArray a) throws ReflectiveOperationException {
        Field f = a.getClass().getDeclaredField("dataRef");
        f.setAccessible(true);
        return f.get(a);
    }

    /**
     * The engine loaded on another thread ({@link Engines#preload}): a thread that then asks for it has gradient
     * recording off, as the loading thread has it (PyTorch starts every new thread with it on).
     */
    @Test
    void aThreadThatGetsTheEngineHasGradientRecordingOff() throws InterruptedException {
        Engines.preload();
        AtomicReference<Boolean> recording = new AtomicReference<>();
        Thread t = new Thread(() -> {
            Engines.pytorch();
            recording.set(JniUtils.isGradMode());
        });
        t.start();
        t.join();
        assertThat(recording.get()).isFalse();
    }

    @Test
    void overwriteCopiesIntoTheEnginesOwnStorage() throws Exception {
        Engines.pytorch();
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray target = Engines.owned(m.create(new float[] {1, 2, 3, 4}, new Shape(2, 2)));
            assertThat(javaStorage(target)).isNull();
            Engines.overwrite(target, new float[] {5, 6, 7, 8});
            assertThat(target.toFloatArray()).containsExactly(5, 6, 7, 8);
            assertThat(javaStorage(target)).as("storage borrowed from a Java buffer").isNull();
            // the control: DJL's own set(Buffer) borrows the buffer, which is what overwrite avoids
            target.set(new float[] {1, 1, 1, 1});
            assertThat(javaStorage(target)).isNotNull();
        }
    }

    /** The gradient of sum(loss(x)) after the memory the garbage collector freed during the pass is written over. */
    static float[] gradientAfterACollection(NDArray x, UnaryOperator<NDArray> loss) throws InterruptedException {
        try (GradientCollector collector = Engines.newGradientCollector()) {
            NDArray total = loss.apply(x).sum();
            List<ByteBuffer> reused = new ArrayList<>();
            for (int round = 0; round < 3; round++) {
                System.gc();
                Thread.sleep(50);
                for (int i = 0; i < 2000; i++) {
                    ByteBuffer b = ByteBuffer.allocateDirect(4).order(ByteOrder.nativeOrder());
                    b.putFloat(0, 1e30f);
                    reused.add(b);
                }
            }
            collector.backward(total);
            assertThat(reused).isNotEmpty();
        }
        float[] g = x.getGradient().toFloatArray();
        Engines.zeroGradient(x);
        return g;
    }

    @Test
    void aConstantInALossOutlivesTheGarbageCollector() throws Exception {
        Engines.pytorch();
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = Engines.owned(m.create(new float[] {1, 2, 3, 4}));
            x.setRequiresGradient(true);
            assertThat(gradientAfterACollection(x, y -> Engines.times(y, 3))).containsExactly(3, 3, 3, 3);
            assertThat(gradientAfterACollection(x, y -> Engines.dividedBy(y, 4))).containsExactly(0.25f, 0.25f, 0.25f, 0.25f);
            // with DJL's own y.mul(3f) in place of times, this pass gives 1e30, the value written over the freed memory
        }
    }

    /** The C library's own getenv: what the native libraries see, unlike System.getenv (a copy made at JVM start). */
    private interface LibC extends com.sun.jna.Library {
        String getenv(String name);
    }

    @Test
    void nativeThreadCountsDoNotFollowTheMachinesLoad() {
        assumeTrue(System.getenv("MKL_DYNAMIC") == null && System.getenv("OMP_DYNAMIC") == null, "set by the caller: kept");
        Engines.pytorch();
        LibC c = com.sun.jna.Native.load("c", LibC.class);
        assertThat(c.getenv("MKL_DYNAMIC")).isEqualTo("FALSE");
        assertThat(c.getenv("OMP_DYNAMIC")).isEqualTo("FALSE");
    }

    @Test
    void overwriteWorksOnAParameterFromAnyThread() throws Exception {
        Engines.pytorch();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread worker = new Thread(() -> {
            try (NDManager m = NDManager.newBaseManager()) {
                NDArray param = Engines.owned(m.create(new float[] {1, 2}));
                param.setRequiresGradient(true);
                Engines.overwrite(param, new float[] {3, 4});
                assertThat(param.toFloatArray()).containsExactly(3, 4);
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        worker.start();
        worker.join();
        assertThat(failure.get()).isNull();
    }
}
