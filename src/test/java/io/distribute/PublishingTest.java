package io.distribute;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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

    @Test
    void theReadmesContentsListEverySectionAndEveryLinkHasATarget() throws IOException {
        List<String> lines = read("README.md").lines().toList();
        List<String> sections = lines.stream().filter(l -> l.startsWith("## ") && !l.equals("## Contents"))
                .map(l -> l.substring(3)).toList();
        int from = lines.indexOf("## Contents");
        assertTrue(from > 0, "README has a Contents section");
        StringBuilder toc = new StringBuilder();
        for (String l : lines.subList(from + 1, lines.size())) {
            if (l.startsWith("## ")) {
                break;
            }
            toc.append(l).append(' ');
        }
        List<String> listed = new ArrayList<>();
        Matcher m = Pattern.compile("\\[([^\\]]+)]\\(#([^)]+)\\)").matcher(toc);
        while (m.find()) {
            listed.add(m.group(2));
        }
        assertEquals(sections.stream().map(PublishingTest::anchor).toList(), listed, "Contents, in order");
        Matcher links = Pattern.compile("]\\(#([a-z0-9-]+)\\)").matcher(String.join("\n", lines));
        List<String> anchors = lines.stream().filter(l -> l.startsWith("#")).map(l -> anchor(l.replaceAll("^#+ ", "")))
                .toList();
        while (links.find()) {
            assertTrue(anchors.contains(links.group(1)), "link to #" + links.group(1));
        }
    }

    /** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
    private static String anchor(String heading) {
        return heading.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9 _-]", "").replace(' ', '-');
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
