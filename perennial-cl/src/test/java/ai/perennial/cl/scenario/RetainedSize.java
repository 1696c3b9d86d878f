package ai.perennial.cl.scenario;

import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Approximate retained heap bytes of an object graph: every object reachable from the root counted once (by identity),
 * arrays at their element sizes, objects at a header plus 8 bytes a field; JDK collections and maps are walked through
 * their elements, other JDK objects count their header only. Enough to tell a graph that holds one copy of some arrays
 * from one that holds a copy per task.
 */
final class RetainedSize {
    private RetainedSize() {
    }

    static long of(Object root) {
        Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        Deque<Object> todo = new ArrayDeque<>() {
            @Override
            public void push(Object o) {
                if (o != null) {
                    super.push(o);
                }
            }
        };
        todo.push(root);
        long bytes = 0;
        while (!todo.isEmpty()) {
            Object o = todo.pop();
            if (o == null || o instanceof Class<?> || o instanceof Enum<?> || !seen.add(o)) {
                continue;
            }
            Class<?> c = o.getClass();
            if (c.isArray()) {
                int n = Array.getLength(o);
                Class<?> e = c.getComponentType();
                bytes += 16 + (long) n * (e == byte.class || e == boolean.class ? 1 : e == short.class || e == char.class ? 2
                        : e == long.class || e == double.class ? 8 : 4);
                if (!e.isPrimitive()) {
                    for (int i = 0; i < n; i++) {
                        todo.push(Array.get(o, i));
                    }
                }
            } else if (o instanceof String s) {
                bytes += 40 + s.length();
            } else if (o instanceof Collection<?> col) {
                bytes += 32 + 8L * col.size();
                col.forEach(todo::push);
            } else if (o instanceof Map<?, ?> map) {
                bytes += 32 + 32L * map.size();
                map.forEach((k, v) -> {
                    todo.push(k);
                    todo.push(v);
                });
            } else if (c.getName().startsWith("java.")) {
                bytes += 16;
            } else {
                bytes += 16;
                for (Class<?> k = c; k != null && k != Object.class; k = k.getSuperclass()) {
                    for (Field f : k.getDeclaredFields()) {
                        if (Modifier.isStatic(f.getModifiers())) {
                            continue;
                        }
                        bytes += 8;
                        if (!f.getType().isPrimitive()) {
                            try {
                                f.setAccessible(true);
                                todo.push(f.get(o));
                            } catch (ReflectiveOperationException | RuntimeException e) {
                                throw new IllegalStateException("cannot read " + f, e);
                            }
                        }
                    }
                }
            }
        }
        return bytes;
    }
}
