package ai.perennial.core.engine;

import ai.perennial.core.PerennialException;
import java.lang.management.ManagementFactory;

/**
 * Size checks made before large allocations, so a setting that cannot fit fails at once with the numbers instead of an
 * out-of-memory error (or a swapping machine) after the run has started.
 */
public final class Resources {
    /** The most elements one Java array holds. */
    public static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

    private Resources() {
    }

    /** Physical memory of the machine, in bytes (the Java heap limit if the platform does not say). */
    public static long physicalBytes() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getTotalMemorySize();
        }
        return Runtime.getRuntime().maxMemory();
    }

    /**
     * Fails when {@code bytes} of engine memory for {@code what} exceed the machine's physical memory.
     *
     * @param fix what the user can change, e.g. "use smaller layers"
     */
    public static void requireEngineMemory(long bytes, String what, String fix) {
        long available = physicalBytes();
        if (bytes < 0 || bytes > available) {
            throw new PerennialException(what + " need " + mib(bytes) + " but the machine has " + mib(available) + "; " + fix);
        }
    }

    /** Fails when {@code elements} of {@code what} exceed one Java array, or {@code bytes} exceed the Java heap limit. */
    public static void requireHeap(long elements, long bytes, String what, String fix) {
        long heap = Runtime.getRuntime().maxMemory();
        if (elements < 0 || elements > MAX_ARRAY) {
            throw new PerennialException(what + " hold " + elements + " values, more than one Java array takes (2^31); " + fix);
        }
        if (bytes > heap) {
            throw new PerennialException(what + " need " + mib(bytes) + " but the Java heap is limited to " + mib(heap) + "; " + fix
                    + ", or raise the heap (PERENNIAL_JAVA_OPTS=-Xmx...)");
        }
    }

    private static String mib(long bytes) {
        return bytes < 0 ? "more than 8 EiB" : (bytes >> 20) + " MiB";
    }
}
