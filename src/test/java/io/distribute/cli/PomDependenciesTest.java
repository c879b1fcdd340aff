package io.distribute.cli;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.File;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Library users get JGroups, the SLF4J API and BouncyCastle's TLS (the secure connection layer) only: every other dependency of pom.xml is test-scoped or optional
 * (picocli and logback, which only the CLI and its executable jar need).
 */
class PomDependenciesTest {

    @Test
    void onlyJGroupsSlf4jApiAndBouncyCastleTlsReachLibraryUsers() throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(false);
        Document pom = f.newDocumentBuilder().parse(new File("pom.xml"));
        Element project = pom.getDocumentElement();
        List<String> exported = new ArrayList<>();
        List<String> optional = new ArrayList<>();
        for (Element deps : children(project, "dependencies")) {
            for (Element d : children(deps, "dependency")) {
                String id = text(d, "groupId") + ":" + text(d, "artifactId");
                String scope = text(d, "scope");
                if ("test".equals(scope) || "provided".equals(scope)) {
                    continue;
                }
                ("true".equals(text(d, "optional")) ? optional : exported).add(id);
            }
        }
        assertEquals(List.of("org.bouncycastle:bctls-jdk18on", "org.jgroups:jgroups", "org.slf4j:slf4j-api"),
                exported.stream().sorted().toList());
        assertEquals(List.of("ch.qos.logback:logback-classic", "info.picocli:picocli"), optional.stream().sorted().toList());
    }

    private static List<Element> children(Element parent, String name) {
        List<Element> out = new ArrayList<>();
        NodeList nl = parent.getChildNodes();
        for (int i = 0; i < nl.getLength(); i++) {
            Node n = nl.item(i);
            if (n instanceof Element e && e.getTagName().equals(name)) {
                out.add(e);
            }
        }
        return out;
    }

    private static String text(Element e, String child) {
        List<Element> c = children(e, child);
        return c.isEmpty() ? null : c.get(0).getTextContent().trim();
    }
}
