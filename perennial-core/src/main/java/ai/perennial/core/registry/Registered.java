package ai.perennial.core.registry;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a {@code public static final} {@link Component} field as a registry entry. The build indexes every such
 * field (perennial-processor), so declaring a component in its own file is all it takes to make it known to
 * configs, the command line, {@code list}/{@code describe} and the generated docs.
 */
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.FIELD)
public @interface Registered {
}
