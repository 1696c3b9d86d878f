package ai.perennial.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.lang.reflect.Field;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class EnginesTest {
    /** The Java buffer a DJL PyTorch array uses as its storage, if any (null: the engine allocated it). */
    static Object javaStorage(NDArray a) throws ReflectiveOperationException {
        Field f = a.getClass().getDeclaredField("dataRef");
        f.setAccessible(true);
        return f.get(a);
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
