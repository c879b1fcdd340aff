package io.distribute;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a user of the published library relies on: the license, the README's dependency snippet, package docs. */
class PublishingTest {

    private static String read(String path) throws IOException {
        return Files.readString(Path.of(path), StandardCharsets.UTF_8);
    }

    @Test
    void theReadmesDependencySnippetNamesThePomsCoordinates() throws IOException {
        String pom = read("pom.xml");
        String version = first(pom, "<artifactId>distribute</artifactId>\\s*<version>([^<]+)</version>");
        String readme = read("README.md");
        assertTrue(readme.contains("<groupId>io.distribute</groupId>\n  <artifactId>distribute</artifactId>\n"
                + "  <version>" + version + "</version>"), "README's <dependency> names version " + version);
        assertTrue(readme.contains("io.distribute:distribute:" + version), "README's coordinates");
    }

    @Test
    void theLicenseIsApache2InFullAndDeclaredInThePom() throws IOException {
        String license = read("LICENSE");
        assertTrue(license.contains("Apache License") && license.contains("Version 2.0, January 2004")
                && license.contains("END OF TERMS AND CONDITIONS") && license.length() > 10_000, "full text");
        assertTrue(read("pom.xml").contains("<name>Apache License, Version 2.0</name>"));
    }

    @Test
    void everyPublicPackageHasAPackageInfo() {
        for (String p : JavadocCoverageTest.PUBLIC_PACKAGES) {
            Path info = Path.of("src", "main", "java").resolve(p.replace('.', '/')).resolve("package-info.java");
            assertTrue(Files.isRegularFile(info), info.toString());
        }
    }

    private static String first(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertTrue(m.find(), regex);
        return m.group(1);
    }

    @Test
    void sourcesAndJavadocJarsAreBuilt() throws IOException {
        String pom = read("pom.xml");
        assertEquals(1, count(pom, "<artifactId>maven-source-plugin</artifactId>"));
        assertEquals(1, count(pom, "<artifactId>maven-javadoc-plugin</artifactId>"));
        assertTrue(pom.contains("<excludePackageNames>io.distribute.internal:io.distribute.internal.*:io.distribute.cli"
                + "</excludePackageNames>"));
    }

    private static int count(String text, String s) {
        return text.split(Pattern.quote(s), -1).length - 1;
    }
}
