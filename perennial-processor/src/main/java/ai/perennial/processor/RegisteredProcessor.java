package ai.perennial.processor;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.TreeSet;
import javax.annotation.processing.AbstractProcessor;
import javax.annotation.processing.RoundEnvironment;
import javax.annotation.processing.SupportedAnnotationTypes;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.TypeElement;
import javax.tools.Diagnostic;
import javax.tools.FileObject;
import javax.tools.StandardLocation;

/**
 * Writes {@code META-INF/perennial/components}: one line {@code binary.ClassName#FIELD} per field annotated
 * {@code @ai.perennial.core.registry.Registered}. The registry reads these files at run time, so a component is
 * found by its declaration alone and no list of names is kept anywhere. Entries of an earlier (incremental)
 * compilation are kept when their class is not part of this one.
 */
@SupportedAnnotationTypes(RegisteredProcessor.ANNOTATION)
public final class RegisteredProcessor extends AbstractProcessor {
    static final String ANNOTATION = "ai.perennial.core.registry.Registered";
    static final String INDEX = "META-INF/perennial/components";

    private final Set<String> entries = new TreeSet<>();
    private final Set<String> compiledClasses = new TreeSet<>();

    @Override
    public SourceVersion getSupportedSourceVersion() {
        return SourceVersion.latestSupported();
    }

    @Override
    public boolean process(Set<? extends TypeElement> annotations, RoundEnvironment round) {
        for (Element root : round.getRootElements()) {
            collectClasses(root);
        }
        for (TypeElement annotation : annotations) {
            for (Element field : round.getElementsAnnotatedWith(annotation)) {
                if (field.getKind() != ElementKind.FIELD || !field.getModifiers().containsAll(Set.of(Modifier.PUBLIC, Modifier.STATIC,
                        Modifier.FINAL))) {
                    processingEnv.getMessager().printMessage(Diagnostic.Kind.ERROR,
                            "@Registered goes on a public static final field holding a Component", field);
                    continue;
                }
                TypeElement owner = (TypeElement) field.getEnclosingElement();
                entries.add(processingEnv.getElementUtils().getBinaryName(owner) + "#" + field.getSimpleName());
            }
        }
        if (round.processingOver()) {
            write();
        }
        return false;
    }

    private void collectClasses(Element element) {
        if (element instanceof TypeElement type) {
            compiledClasses.add(processingEnv.getElementUtils().getBinaryName(type).toString());
            for (Element inner : type.getEnclosedElements()) {
                collectClasses(inner);
            }
        }
    }

    private void write() {
        Set<String> all = new TreeSet<>(entries);
        try {
            FileObject previous = processingEnv.getFiler().getResource(StandardLocation.CLASS_OUTPUT, "", INDEX);
            try (BufferedReader in = new BufferedReader(new InputStreamReader(previous.openInputStream(), StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    String owner = line.substring(0, Math.max(0, line.indexOf('#')));
                    if (!line.isBlank() && !compiledClasses.contains(owner)) {
                        all.add(line.trim());
                    }
                }
            }
        } catch (IOException | IllegalArgumentException e) {
            // no index from an earlier compilation
        }
        if (all.isEmpty()) {
            return;
        }
        try {
            FileObject out = processingEnv.getFiler().createResource(StandardLocation.CLASS_OUTPUT, "", INDEX);
            try (Writer w = out.openWriter()) {
                for (String entry : all) {
                    w.write(entry);
                    w.write('\n');
                }
            }
        } catch (IOException e) {
            processingEnv.getMessager().printMessage(Diagnostic.Kind.ERROR, "cannot write " + INDEX + ": " + e.getMessage());
        }
    }
}
