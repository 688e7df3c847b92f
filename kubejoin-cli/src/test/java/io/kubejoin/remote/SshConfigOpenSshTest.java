package io.kubejoin.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.kubejoin.bench.OpenSshNode;
import io.kubejoin.inventory.Inventory;
import io.kubejoin.inventory.InventoryLoader;
import io.kubejoin.inventory.Node;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * SSH as operators have it set up, against Debian's real OpenSSH: an ssh config file whose Host aliases, HostName,
 * Port, User, IdentityFile and ProxyJump (two bastions, each its own sshd on another loopback address) are the only
 * place the route is written; and a key held only by a real ssh-agent.
 */
@Timeout(90)
class SshConfigOpenSshTest {
    static final Duration T = Duration.ofSeconds(20);

    @TempDir
    static Path base;
    static OpenSshNode hop1;
    static OpenSshNode hop2;
    static OpenSshNode node;
    static Path key;
    static Path agentOnlyEd25519;
    static Path agentOnlyRsa;

    @BeforeAll
    static void start() throws Exception {
        OpenSshRequirements.requireSshd();
        Path keys = Files.createDirectories(base.resolve("keys"));
        key = TestKeys.generate(keys, "ed25519", "");
        Path agentKeys = Files.createDirectories(base.resolve("agent-keys"));
        agentOnlyEd25519 = TestKeys.generate(agentKeys, "ed25519", "");
        agentOnlyRsa = TestKeys.generate(agentKeys, "rsa", "");
        List<Path> pubs = List.of(Path.of(key + ".pub"), Path.of(agentOnlyEd25519 + ".pub"),
                Path.of(agentOnlyRsa + ".pub"));
        // the bastions log what they forward (direct-tcpip) at DEBUG1; the node logs which key it accepted
        hop1 = OpenSshNode.on("127.0.0.2", Files.createDirectories(base.resolve("hop1")), pubs, false,
                List.of("LogLevel DEBUG1"));
        hop2 = OpenSshNode.on("127.0.0.3", Files.createDirectories(base.resolve("hop2")), pubs, false,
                List.of("LogLevel DEBUG1"));
        node = OpenSshNode.on("127.0.0.4", Files.createDirectories(base.resolve("node")), pubs, false,
                List.of("LogLevel VERBOSE"));
    }

    @AfterAll
    static void stop() throws Exception {
        for (OpenSshNode n : new OpenSshNode[] {node, hop2, hop1}) {
            if (n != null) n.close();
        }
    }

    /** The route exists only here: the node's alias, both bastions by alias, every port, user and key. */
    static Path config(Path dir, String nodeJump) throws Exception {
        Path cfg = dir.resolve("ssh_config");
        Files.writeString(cfg, """
                Host worker-1
                  HostName 127.0.0.4
                  Port %d
                  ProxyJump %s

                Host bastion-a
                  HostName 127.0.0.2
                  Port %d

                Host bastion-b
                  HostName 127.0.0.3
                  Port %d

                Host *
                  User root
                  IdentityFile %s
                """.formatted(node.port, nodeJump, hop1.port, hop2.port, key));
        return cfg;
    }

    static Path knownHosts(Path dir, OpenSshNode... hosts) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (OpenSshNode h : hosts) sb.append(h.knownHostsLine());
        return Files.writeString(dir.resolve("known_hosts"), sb);
    }

    /** An inventory that says nothing of the route: the node's name and an address nothing listens on. */
    static Node inventoryNode(Path dir, String ssh) throws Exception {
        Path pki = Path.of("examples/pki").toAbsolutePath();
        Path inv = dir.resolve("inventory.yaml");
        Files.writeString(inv, """
                kubernetesVersion: "1.33.4"
                apiServer: https://127.0.0.1:6443
                sandbox: true
                pki: { caCert: %s/ca.pem, caKey: %s/ca-key.pem }
                ssh: %s
                nodes:
                  - { name: worker-1, address: 127.0.0.9 }
                """.formatted(pki, pki, ssh));
        Inventory loaded = InventoryLoader.load(inv);
        return loaded.nodes().get(0);
    }

    @Test
    void twoBastionsFromTheConfigFileOnlyEachHopVerified(@TempDir Path dir) throws Exception {
        Path kh = knownHosts(dir, hop1, hop2, node);
        Node n = inventoryNode(dir, "{ configFile: %s, knownHosts: %s }".formatted(config(dir, "bastion-a,bastion-b"), kh));
        SshTarget t = SshTarget.of(n);
        assertThat(t.display()).isEqualTo("root@127.0.0.4:" + node.port + " (worker-1) via root@127.0.0.3:" + hop2.port
                + " (bastion-b) via root@127.0.0.2:" + hop1.port + " (bastion-a)");
        try (SshConnector c = new SshConnector(SshOptions.defaults().withAgentSocket(null));
                SshTransport tr = c.open(t)) {
            ExecResult r = tr.exec("echo reached", T);
            assertThat(r.stdout().strip()).isEqualTo("reached");
            // the push used by join's file phases, through both bastions
            Path dest = dir.resolve("pushed/kubelet-config.yaml");
            assertThat(tr.push(List.of(new RemoteFile(dest.toString(), 0644, "a: 1\n".getBytes()))).changed())
                    .containsExactly(dest.toString());
        }
        // the first bastion forwarded to the second, the second to the node: the route really was the chain
        assertThat(hop1.log()).containsPattern("direct-tcpip.*127\\.0\\.0\\.3.*" + hop2.port + "|127\\.0\\.0\\.3 port "
                + hop2.port);
        assertThat(hop2.log()).containsPattern("127\\.0\\.0\\.4 port " + node.port);
    }

    @Test
    void theFirstBastionsOwnProxyJumpIsFollowedAsSshJDoes(@TempDir Path dir) throws Exception {
        Path kh = knownHosts(dir, hop1, hop2, node);
        Path cfg = config(dir, "bastion-b");
        Files.writeString(cfg, Files.readString(cfg).replace("Host bastion-b\n", "Host bastion-b\n  ProxyJump bastion-a\n"));
        SshTarget t = SshTarget.of(inventoryNode(dir, "{ configFile: %s, knownHosts: %s }".formatted(cfg, kh)));
        assertThat(t.jump().jump().alias()).isEqualTo("bastion-a");
        try (SshConnector c = new SshConnector(SshOptions.defaults().withAgentSocket(null));
                SshTransport tr = c.open(t)) {
            assertThat(tr.exec("echo reached", T).stdout().strip()).isEqualTo("reached");
        }
    }

    @Tag("hostile")
    @Test
    void anUnknownBastionKeyIsRefusedNamingThatBastion(@TempDir Path dir) throws Exception {
        Path kh = knownHosts(dir, hop1, node); // the second bastion's key is not known
        Node n = inventoryNode(dir, "{ configFile: %s, knownHosts: %s }".formatted(config(dir, "bastion-a,bastion-b"), kh));
        int before = node.log().length();
        try (SshConnector c = new SshConnector(SshOptions.defaults().withAgentSocket(null))) {
            HostKeyException e = assertThrows(HostKeyException.class, () -> c.open(SshTarget.of(n)));
            assertThat(e.kind()).isEqualTo(TransportException.Kind.HOST_KEY_UNKNOWN);
            assertThat(e.getMessage()).contains("through bastion root@127.0.0.3:" + hop2.port + " (bastion-b)")
                    .contains("[127.0.0.3]:" + hop2.port + " is not in " + kh);
            assertThat(e.isTransient()).isFalse();
        }
        // nothing reached the node
        assertThat(node.log().substring(before)).doesNotContain("Accepted publickey");
    }

    @Tag("hostile")
    @Test
    void aChangedKeyOfTheFirstBastionIsRefusedToo(@TempDir Path dir) throws Exception {
        Path other = TestKeys.generate(Files.createDirectories(dir.resolve("other")), "ed25519", "");
        String forged = "[127.0.0.2]:" + hop1.port + " " + Files.readString(Path.of(other + ".pub")).strip() + "\n";
        Path kh = Files.writeString(dir.resolve("known_hosts"), forged + hop2.knownHostsLine() + node.knownHostsLine());
        Node n = inventoryNode(dir, "{ configFile: %s, knownHosts: %s }".formatted(config(dir, "bastion-a,bastion-b"), kh));
        try (SshConnector c = new SshConnector(SshOptions.defaults().withAcceptNewHostKeys(true).withAgentSocket(null))) {
            HostKeyException e = assertThrows(HostKeyException.class, () -> c.open(SshTarget.of(n)));
            assertThat(e.kind()).isEqualTo(TransportException.Kind.HOST_KEY_CHANGED);
            assertThat(e.getMessage()).contains("(bastion-a)").contains("HOST KEY CHANGED for [127.0.0.2]:" + hop1.port);
        }
    }

    @Test
    void whatTheInventoryWritesWinsOverTheConfigFile(@TempDir Path dir) throws Exception {
        Path kh = knownHosts(dir, hop1, hop2, node);
        Path cfg = config(dir, "bastion-a,bastion-b");
        // the inventory names a user the node does not have and no bastion: it wins, so the login fails directly
        SshTarget t = SshTarget.of(inventoryNode(dir,
                "{ configFile: %s, knownHosts: %s, user: nobody-here, proxyJump: none }".formatted(cfg, kh)));
        assertThat(t.user()).isEqualTo("nobody-here");
        assertThat(t.jump()).isNull();
        assertThat(t.host()).isEqualTo("127.0.0.4"); // HostName still comes from the config: the inventory has none
        assertThat(t.identityFile()).isEqualTo(key);
        // configFile: none: the inventory alone, as before
        SshTarget plain = SshTarget.of(inventoryNode(dir, "{ configFile: none, knownHosts: %s }".formatted(kh)));
        assertThat(plain.host()).isEqualTo("127.0.0.9");
        assertThat(plain.port()).isEqualTo(22);
        assertThat(plain.jump()).isNull();
    }

    @Test
    void aKeyOnlyInTheAgentLogsInAndIsTriedBeforeKeyFiles(@TempDir Path dir) throws Exception {
        Path kh = knownHosts(dir, node);
        try (OpenSshAgent agent = new OpenSshAgent(dir)) {
            agent.add(agentOnlyEd25519);
            // no key file at all: the inventory's default path does not exist
            SshTarget t = new SshTarget("127.0.0.4", node.port, "root", dir.resolve("no-such-key"), kh);
            try (SshConnector c = new SshConnector(SshOptions.defaults().withAgentSocket(agent.socket));
                    SshTransport tr = c.open(t)) {
                assertThat(tr.exec("echo agent", T).stdout().strip()).isEqualTo("agent");
            }
            String agentFp = fingerprint(agentOnlyEd25519);
            assertThat(node.log()).contains("Accepted publickey for root").contains(agentFp);
            // with a key file too, the agent's key is offered first and accepted
            String before = node.log();
            try (SshConnector c = new SshConnector(SshOptions.defaults().withAgentSocket(agent.socket));
                    SshTransport tr = c.open(new SshTarget("127.0.0.4", node.port, "root", key, kh))) {
                assertThat(tr.exec("true", T).ok()).isTrue();
            }
            String after = node.log().substring(before.length());
            assertThat(after).contains("Accepted publickey for root").contains(agentFp).doesNotContain(fingerprint(key));
        }
    }

    @Test
    void anRsaKeyInTheAgentSignsWithSha2(@TempDir Path dir) throws Exception {
        // Debian's sshd refuses ssh-rsa (SHA-1) signatures: a login proves the agent was asked for rsa-sha2-*
        Path kh = knownHosts(dir, node);
        try (OpenSshAgent agent = new OpenSshAgent(dir)) {
            agent.add(agentOnlyRsa);
            SshTarget t = new SshTarget("127.0.0.4", node.port, "root", dir.resolve("no-such-key"), kh);
            try (SshConnector c = new SshConnector(SshOptions.defaults().withAgentSocket(agent.socket));
                    SshTransport tr = c.open(t)) {
                assertThat(tr.exec("true", T).ok()).isTrue();
            }
            assertThat(node.log()).containsPattern("Accepted publickey for root .*RSA " + java.util.regex.Pattern.quote(fingerprint(agentOnlyRsa)));
        }
    }

    @Test
    void anAgentThatIsNotThereLeavesTheKeyFiles(@TempDir Path dir) throws Exception {
        Path kh = knownHosts(dir, node);
        SshTarget t = new SshTarget("127.0.0.4", node.port, "root", key, kh);
        try (SshConnector c = new SshConnector(SshOptions.defaults().withAgentSocket(dir.resolve("gone.sock")));
                SshTransport tr = c.open(t)) {
            assertThat(tr.exec("true", T).ok()).isTrue();
        }
        // without agent and without the key file, the message names the missing file
        try (SshConnector c = new SshConnector(SshOptions.defaults().withAgentSocket(null))) {
            TransportException e = assertThrows(TransportException.class,
                    () -> c.open(new SshTarget("127.0.0.4", node.port, "root", dir.resolve("no-such-key"), kh)));
            assertThat(e.kind()).isEqualTo(TransportException.Kind.IDENTITY);
            assertThat(e.getMessage()).contains(dir.resolve("no-such-key") + " does not exist");
        }
    }

    static String fingerprint(Path privateKey) {
        return HostKeyVerifier.fingerprint(TestKeys.publicKey(privateKey));
    }
}
