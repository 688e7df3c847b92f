package io.kubejoin.inventory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubejoin.remote.SshTarget;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;

/** ssh.proxyJump: a bastion in OpenSSH's [user@]host[:port] form, cluster-wide or per node. */
class ProxyJumpFieldTest {
    @TempDir
    Path dir;

    private Inventory load(String ssh, String nodeSsh) throws Exception {
        Path pki = Path.of("examples/pki").toAbsolutePath();
        Path inv = dir.resolve("inventory.yaml");
        Files.writeString(inv, """
                kubernetesVersion: "1.33.1"
                apiServer: https://10.0.0.10:6443
                pki: { caCert: %s/ca.pem, caKey: %s/ca-key.pem }
                ssh: %s
                nodes:
                  - { name: a, address: 10.0.1.1 }
                  - { name: b, address: 10.0.1.2, ssh: %s }
                """.formatted(pki, pki, ssh, nodeSsh));
        return InventoryLoader.load(inv);
    }

    @Test
    void bastionAppliesToEveryNodeUnlessOverridden() throws Exception {
        Inventory inv = load("{ user: deploy, proxyJump: jump@10.0.0.5:2222 }", "{ proxyJump: '[fd00::5]' }");
        SshTarget a = SshTarget.of(inv.nodes().get(0));
        assertThat(a.jump()).isNotNull();
        assertThat(a.jump().host()).isEqualTo("10.0.0.5");
        assertThat(a.jump().port()).isEqualTo(2222);
        assertThat(a.jump().user()).isEqualTo("jump");
        SshTarget b = SshTarget.of(inv.nodes().get(1));
        assertThat(b.jump().host()).isEqualTo("fd00::5");
        assertThat(b.jump().port()).isEqualTo(22);
        assertThat(b.jump().user()).isEqualTo("deploy"); // the node's user when the bastion names none
    }

    @Test
    void noBastionByDefault() throws Exception {
        assertThat(SshTarget.of(load("{ user: root }", "{ port: 2200 }").nodes().get(1)).jump()).isNull();
    }

    @Tag("hostile")
    @Test
    void malformedBastionIsBadInput() {
        assertThatThrownBy(() -> load("{ proxyJump: 'a b' }", "{}"))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("ssh.proxyJump: 'a b' is not a bastion");
        assertThatThrownBy(() -> load("{ proxyJump: 'h:70000' }", "{}"))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("ssh.proxyJump");
    }

    @Test
    void severalHopsChainTheFirstReachedFirstAndNoneMeansNone() throws Exception {
        Inventory inv = load("{ user: deploy, proxyJump: 'a@10.0.0.5,10.0.0.6:2200', configFile: none }",
                "{ proxyJump: none }");
        SshTarget t = SshTarget.of(inv.nodes().get(0));
        assertThat(t.jump().host()).isEqualTo("10.0.0.6"); // the last hop is the one next to the node
        assertThat(t.jump().port()).isEqualTo(2200);
        assertThat(t.jump().user()).isEqualTo("deploy");
        assertThat(t.jump().jump().host()).isEqualTo("10.0.0.5");
        assertThat(t.jump().jump().user()).isEqualTo("a");
        assertThat(t.jump().jump().jump()).isNull();
        assertThat(SshTarget.of(inv.nodes().get(1)).jump()).isNull();
        assertThat(inv.nodes().get(1).ssh().wrote("proxyJump")).isTrue(); // so a config file cannot add one
    }

    @Test
    void theFieldsTheInventoryWritesAreKnownSoAConfigFileFillsOnlyTheRest() throws Exception {
        Inventory inv = load("{ user: deploy, configFile: none }", "{ port: 2200 }");
        assertThat(inv.nodes().get(0).ssh().written()).containsExactly("user");
        assertThat(inv.nodes().get(1).ssh().written()).containsExactlyInAnyOrder("user", "port");
        assertThat(inv.nodes().get(1).ssh().configFile()).isNull();
    }

    @Tag("hostile")
    @Test
    void aConfigFileThatIsNotThereIsBadInput() {
        assertThatThrownBy(() -> load("{ configFile: ./no-such-ssh-config }", "{}"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("ssh.configFile: OpenSSH config file")
                .hasMessageContaining("does not exist");
    }
}
