package io.distribute;

import org.junit.jupiter.api.Test;

import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.DocumentationTool;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every public and protected type and member of the public packages has a javadoc comment, and the javadoc of those
 * packages has no warning at all (the build's javadoc jar leaves out doclint's "missing" group, which also asks for
 * {@code @param}/{@code @return} tags; this test keeps its "no comment" part).
 */
class JavadocCoverageTest {

    static final List<String> PUBLIC_PACKAGES = List.of("io.distribute", "io.distribute.cluster",
            "io.distribute.retry", "io.distribute.http");

    @Test
    void everyPublicMemberHasAComment() throws IOException {
        DocumentationTool javadoc = ToolProvider.getSystemDocumentationTool();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        Path out = Files.createDirectories(Path.of("target", "javadoc-coverage"));
        List<Path> sources;
        try (Stream<Path> files = Files.walk(Path.of("src", "main", "java", "io", "distribute"))) {
            sources = files.filter(f -> f.toString().endsWith(".java"))
                    .filter(f -> PUBLIC_PACKAGES.contains(packageOf(f))).toList();
        }
        try (StandardJavaFileManager fm = javadoc.getStandardFileManager(diagnostics, Locale.ROOT,
                StandardCharsets.UTF_8)) {
            StringWriter log = new StringWriter();
            boolean ok = javadoc.getTask(log, fm, diagnostics, null,
                    List.of("-quiet", "-Xdoclint:all", "-Xmaxwarns", "10000", "-protected", "-d", out.toString(),
                            "-cp", System.getProperty("java.class.path"), "-sourcepath", "src/main/java"),
                    fm.getJavaFileObjectsFromPaths(sources)).call();
            List<String> problems = diagnostics.getDiagnostics().stream()
                    .filter(d -> d.getKind() == Diagnostic.Kind.ERROR || d.getKind() == Diagnostic.Kind.WARNING)
                    .map(d -> d.getSource() == null ? d.getMessage(Locale.ROOT)
                            : d.getSource().getName() + ":" + d.getLineNumber() + ": " + d.getMessage(Locale.ROOT))
                    .filter(m -> !m.endsWith("no @param for " + m.replaceAll(".* no @param for ", ""))
                            && !m.contains("no @return") && !m.contains("no @throws") && !m.contains("no @param"))
                    .toList();
            assertEquals(List.of(), problems, log.toString());
            assertTrue(ok, log.toString());
        }
    }

    private static String packageOf(Path source) {
        Path dir = Path.of("src", "main", "java").relativize(source.getParent());
        return dir.toString().replace('/', '.').replace('\\', '.');
    }
}
