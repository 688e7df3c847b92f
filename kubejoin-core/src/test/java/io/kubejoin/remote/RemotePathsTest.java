package io.kubejoin.remote;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubejoin.testing.Processes;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Tag;

@Timeout(30)
class RemotePathsTest {
    @Tag("hostile")
    @Test
    void quotingSurvivesTheShell() {
        for (String s : List.of("plain", "it's", "a b", "$(reboot)", "`x`", "\\", "'\"'", "*")) {
            Processes.Result r = Processes.run(List.of("sh", "-c", "printf %s " + io.kubejoin.remote.script.Sh.quote(s)));
            assertThat(r.stdout()).isEqualTo(s);
        }
    }

    @Test
    void tempAndBackupNamesStayInTheDestinationFolder() {
        assertThat(RemotePaths.tmp("/etc/kubernetes/kubelet.conf")).isEqualTo("/etc/kubernetes/.kubelet.conf.kubejoin-tmp");
        assertThat(RemotePaths.tmp("/x")).isEqualTo("/.x.kubejoin-tmp");
        assertThat(RemotePaths.bak("/etc/a")).isEqualTo("/etc/a.kubejoin-bak");
    }

    @Test
    void sha256OutputOnlyForAskedPaths() {
        String h = "a".repeat(64);
        String out = h + "  /etc/a\n" + h + "  /etc/other\n\\" + h + "  /etc/b\\nc\nM 600 0 /etc/a\nD /etc/x\nD /etc/y\nF /etc/y\n";
        RemotePaths.Survey s = RemotePaths.parseSurvey(out, List.of("/etc/a", "/etc/b"));
        assertThat(s.files()).containsOnlyKeys("/etc/a");
        assertThat(s.files().get("/etc/a")).isEqualTo(new RemotePaths.RemoteState(h, 0600, 0));
        assertThat(s.missingDirs()).containsExactly("/etc/x", "/etc/y");
        assertThat(s.failedDirs()).containsExactly("/etc/y");
    }

    @Test
    void aNodeOfTheInventoryBecomesATargetWithItsSshSettings() throws Exception {
        var node = io.kubejoin.testing.TestInventories.article().nodes().get(0);
        SshTarget t = SshTarget.of(node);
        assertThat(t.host()).isEqualTo(node.address());
        assertThat(t.port()).isEqualTo(node.ssh().port());
        assertThat(t.user()).isEqualTo(node.ssh().user());
        assertThat(t.identityFile()).isEqualTo(node.ssh().identityFile());
        assertThat(t.knownHosts()).isEqualTo(node.ssh().knownHosts());
        assertThat(t.jump()).isNull();
        assertThat(t.knownHostsName()).isEqualTo(t.port() == 22 ? node.address() : "[" + node.address() + "]:" + t.port());
        assertThat(t.withUser("deploy").needsSudo()).isTrue();
        assertThat(t.withUser("root").needsSudo()).isFalse();
    }
}
