package io.kubejoin.output;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubejoin.render.RenderedFile;
import io.kubejoin.util.SecureFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RenderOutputTest {
    @TempDir
    Path out;

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

    @Test
    void refusesADestinationThatEscapesTheFolder() {
        RenderedFile evil = RenderedFile.text("..", "/../../etc/passwd", 0644, "x");
        assertThatThrownBy(() -> RenderOutput.write(out, List.of(evil))).isInstanceOf(IllegalArgumentException.class);
    }
}
