package io.kubejoin.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.kubejoin.inventory.InventoryLoader;
import io.kubejoin.inventory.Node;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How an ssh config file and the inventory combine into a node's target (no connection is made). */
class SshConfigTest {
    @TempDir
    Path dir;

    private List<Node> nodes(String config, String ssh) throws Exception {
        Path cfg = Files.writeString(dir.resolve("ssh_config"), config);
        Path pki = Path.of("examples/pki").toAbsolutePath();
        Path inv = Files.writeString(dir.resolve("inventory.yaml"), """
                kubernetesVersion: "1.33.4"
                apiServer: https://10.0.0.10:6443
                pki: { caCert: %s/ca.pem, caKey: %s/ca-key.pem }
                ssh: { configFile: %s, %s }
                nodes:
                  - { name: web-1, address: 10.0.1.1 }
                  - { name: db-1, address: 10.0.2.1 }
                """.formatted(pki, pki, cfg, ssh));
        return InventoryLoader.load(inv).nodes();
    }

    @Test
    void anAliasNamesTheNodeElseItsAddressMatchesThePatternsFirstValueWinning() throws Exception {
        List<Node> n = nodes("""
                Host web-1
                  HostName 192.0.2.7
                  User web
                Host 10.0.2.*
                  Port 2202
                  User dbadmin
                  IdentityFile %s/a
                  IdentityFile %s/b
                  UserKnownHostsFile %s/kh
                Host *
                  User everyone
                  Port 2999
                """.formatted(dir, dir, dir), "knownHosts: " + dir.resolve("inv_kh"));
        SshTarget web = SshTarget.of(n.get(0));
        assertThat(web.host()).isEqualTo("192.0.2.7");
        assertThat(web.alias()).isEqualTo("web-1");
        assertThat(web.user()).isEqualTo("web"); // the first obtained value, not Host *'s
        assertThat(web.port()).isEqualTo(2999);
        SshTarget db = SshTarget.of(n.get(1));
        assertThat(db.host()).isEqualTo("10.0.2.1");
        assertThat(db.alias()).isNull();
        assertThat(db.port()).isEqualTo(2202);
        assertThat(db.user()).isEqualTo("dbadmin");
        assertThat(db.identityFiles()).containsExactly(dir.resolve("a"), dir.resolve("b"));
        assertThat(db.knownHosts()).isEqualTo(dir.resolve("inv_kh")); // written in the inventory: it wins
    }

    @org.junit.jupiter.api.Tag("hostile")
    @Test
    void aConfigThatTurnsHostKeyCheckingOffDoesNotTurnItOff() throws Exception {
        List<Node> n = nodes("""
                Host *
                  StrictHostKeyChecking no
                  UserKnownHostsFile /dev/null
                """, "user: root");
        SshTarget t = SshTarget.of(n.get(0));
        assertThat(t.knownHosts()).isEqualTo(n.get(0).ssh().knownHosts()); // the inventory's (default) file
        assertThat(t.knownHosts().toString()).isNotEqualTo("/dev/null");
    }

    @Test
    void theInventorysWrittenFieldsWin() throws Exception {
        List<Node> n = nodes("""
                Host *
                  User everyone
                  Port 2999
                  IdentityFile %s/cfg-key
                  ProxyJump bastion
                """.formatted(dir), "user: root, port: 22, identityFile: " + dir.resolve("inv-key") + ", proxyJump: none");
        SshTarget t = SshTarget.of(n.get(0));
        assertThat(t.user()).isEqualTo("root");
        assertThat(t.port()).isEqualTo(22);
        assertThat(t.identityFiles()).containsExactly(dir.resolve("inv-key"));
        assertThat(t.jump()).isNull();
    }

    @Test
    void aBastionIsResolvedThroughTheFileTooAndKeepsTheNodesKeysWhenItHasNone() throws Exception {
        List<Node> n = nodes("""
                Host gw
                  HostName 198.51.100.1
                  User jumper
                  Port 2022
                Host web-1
                  ProxyJump gw
                  IdentityFile %s/node-key
                """.formatted(dir), "user: root");
        SshTarget t = SshTarget.of(n.get(0));
        assertThat(t.jump().host()).isEqualTo("198.51.100.1");
        assertThat(t.jump().user()).isEqualTo("jumper");
        assertThat(t.jump().port()).isEqualTo(2022);
        assertThat(t.jump().alias()).isEqualTo("gw");
        assertThat(t.jump().identityFiles()).containsExactly(dir.resolve("node-key"));
        assertThat(t.display()).isEqualTo("root@10.0.1.1:22 (web-1) via jumper@198.51.100.1:2022 (gw)");
    }

    @Test
    void bastionsThatJumpThroughEachOtherAreRefusedNotFollowedForever() throws Exception {
        List<Node> n = nodes("""
                Host a
                  ProxyJump b
                Host b
                  ProxyJump a
                Host web-1
                  ProxyJump a
                """, "user: root");
        TransportException e = assertThrows(TransportException.class, () -> SshTarget.of(n.get(0)));
        assertThat(e.kind()).isEqualTo(TransportException.Kind.INVALID_REQUEST);
        assertThat(e.getMessage()).contains("loops").contains(dir.resolve("ssh_config").toString());
        assertThat(e.isTransient()).isFalse();
    }
}
