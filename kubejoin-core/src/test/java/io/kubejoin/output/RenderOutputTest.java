package io.kubejoin.output;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubejoin.render.RenderedFile;
import io.kubejoin.util.SecureFiles;
import io.kubejoin.util.UnsafePathException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.util.Comparator;
import java.util.stream.Stream;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;

class RenderOutputTest {
    @TempDir
    Path base;
    Path out;

    @BeforeEach
    void createOut() throws Exception {
        out = Files.createDirectories(base.resolve("out"));
    }

    @Test
    void writesFilesUnderNodeAndDestinationWithModesAndManifest() throws Exception {
        RenderedFile key = RenderedFile.text("slave", "/etc/kubernetes/cert/kube-proxy-key.pem", 0600, "KEY\n");
        RenderedFile cfg = RenderedFile.text("slave", "/etc/kubernetes/kubelet-config.yaml", 0644, "kind: X\n");
        RenderedFile crb = RenderedFile.text("cluster", "clusterrolebindings.yaml", 0644, "---\n");
        RenderOutput.write(out, List.of(key, cfg, crb));

        Path k = out.resolve("slave/etc/kubernetes/cert/kube-proxy-key.pem");
        assertThat(k).hasContent("KEY");
        assertThat(SecureFiles.mode(k)).isEqualTo(0600);
        assertThat(SecureFiles.mode(out.resolve("slave/etc/kubernetes/kubelet-config.yaml"))).isEqualTo(0644);
        assertThat(out.resolve("cluster/clusterrolebindings.yaml")).exists();
        String manifest = Files.readString(out.resolve("manifest.json"));
        assertThat(manifest).contains("\"destination\" : \"/etc/kubernetes/cert/kube-proxy-key.pem\"")
                .contains("\"mode\" : \"0600\"").contains("\"sha256\" : \"" + key.sha256() + "\"");
        assertThat(key.sha256()).hasSize(64).isNotEqualTo(cfg.sha256());
    }

    @Test
    void removesFilesOfARemovedNodeOnTheNextRender() throws Exception {
        RenderedFile a = RenderedFile.text("a", "/etc/x", 0644, "a");
        RenderedFile b = RenderedFile.text("b", "/etc/x", 0644, "b");
        RenderOutput.write(out, List.of(a, b));
        assertThat(out.resolve("b/etc/x")).exists();
        RenderOutput.write(out, List.of(a));
        assertThat(out.resolve("b/etc/x")).doesNotExist();
        assertThat(out.resolve("a/etc/x")).exists();
    }

    @Tag("hostile")
    @Test
    void refusesADestinationThatEscapesTheFolder() {
        RenderedFile evil = RenderedFile.text("..", "/../../etc/passwd", 0644, "x");
        assertThatThrownBy(() -> RenderOutput.write(out, List.of(evil))).isInstanceOf(IllegalArgumentException.class);
    }

    @Tag("hostile")
    @Test
    void aLinkAtTheDestinationIsReplacedByARegularFileEvenWhenItPointsAtTheSameBytes() throws Exception {
        Path elsewhere = Files.createDirectories(base.resolve("elsewhere"));
        Path theirs = Files.writeString(elsewhere.resolve("kubeconfig"), "SECRET\n");
        Files.setPosixFilePermissions(theirs, SecureFiles.permissions(0600));
        Path dest = out.resolve("n/etc/kubernetes/kubelet-bootstrap.kubeconfig");
        Files.createDirectories(dest.getParent());
        Files.createSymbolicLink(dest, theirs);

        RenderOutput.write(out, List.of(RenderedFile.text("n", "/etc/kubernetes/kubelet-bootstrap.kubeconfig", 0600, "SECRET\n")));

        assertThat(Files.isSymbolicLink(dest)).isFalse();
        assertThat(Files.isRegularFile(dest, LinkOption.NOFOLLOW_LINKS)).isTrue();
        assertThat(SecureFiles.modeNoFollow(dest)).isEqualTo(0600);
        assertThat(dest).hasContent("SECRET");
        assertThat(theirs).hasContent("SECRET");
    }

    @Tag("hostile")
    @Test
    void outputFolderIs0700AndFoldersMadeInItToo() throws Exception {
        Files.setPosixFilePermissions(out, SecureFiles.permissions(0777)); // as umask 000 leaves a new folder
        RenderOutput.write(out, List.of(RenderedFile.text("n", "/etc/kubernetes/cert/kube-proxy-key.pem", 0600, "KEY\n")));
        assertThat(SecureFiles.mode(out)).isEqualTo(0700);
        for (String d : List.of("n", "n/etc", "n/etc/kubernetes", "n/etc/kubernetes/cert")) {
            assertThat(SecureFiles.mode(out.resolve(d))).as(d).isEqualTo(0700);
        }
        assertThat(SecureFiles.mode(out.resolve("manifest.json"))).isEqualTo(0644);
    }

    @Tag("hostile")
    @Test
    void aLinkPlantedAsANodeFolderIsRefusedAndNothingLandsWhereItPoints() throws Exception {
        Path elsewhere = Files.createDirectories(base.resolve("planted"));
        Files.createSymbolicLink(out.resolve("n"), elsewhere);
        assertThatThrownBy(() -> RenderOutput.write(out, List.of(RenderedFile.text("n", "/etc/key.pem", 0600, "KEY"))))
                .isInstanceOf(UnsafePathException.class).hasMessageContaining(out.resolve("n").toString());
        try (Stream<Path> files = Files.walk(elsewhere)) {
            assertThat(files.filter(Files::isRegularFile)).isEmpty();
        }
        assertThat(out.resolve("manifest.json")).doesNotExist();
    }

    @Test
    void manifestIsWhatTheWholeTreeWouldPrintSortedByNodeThenDestination() throws Exception {
        List<RenderedFile> files = List.of(RenderedFile.text("b", "/etc/z", 0644, "z"),
                RenderedFile.text("cluster", "x.yaml", 0600, "x"), RenderedFile.text("a", "/etc/y", 0600, "yy"),
                RenderedFile.text("b", "/etc/a", 0644, "a"));
        RenderOutput.write(out, files);
        ObjectMapper json = JsonMapper.builder().build();
        ObjectNode root = json.createObjectNode();
        ArrayNode entries = root.putArray("files");
        for (RenderedFile f : files.stream().sorted(Comparator.comparing(RenderedFile::node)
                .thenComparing(RenderedFile::path)).toList()) {
            entries.addObject().put("node", f.node()).put("destination", f.path()).put("mode", f.modeString())
                    .put("sha256", f.sha256()).put("size", f.content().length);
        }
        assertThat(Files.readString(out.resolve("manifest.json")))
                .isEqualTo(json.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n");
    }
}
