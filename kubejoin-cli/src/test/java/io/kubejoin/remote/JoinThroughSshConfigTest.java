package io.kubejoin.remote;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubejoin.bench.OpenSshNode;
import io.kubejoin.cluster.KubeConnection;
import io.kubejoin.inventory.Inventory;
import io.kubejoin.inventory.InventoryLoader;
import io.kubejoin.join.Join;
import io.kubejoin.join.JoinRunner;
import io.kubejoin.sandbox.api.SandboxApiServer;
import io.kubejoin.state.StateStore;
import io.kubejoin.util.SecureFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16's acceptance, over Debian's real OpenSSH: a join whose route (node alias, two ProxyJump bastions, ports,
 * user, key) is written only in an ssh config file, every hop a real sshd on its own loopback address and checked
 * against known_hosts; and a join whose only key is in a real ssh-agent. The node is an isolated sshd (its own mount
 * namespace, as in {@link JoinOverOpenSshTest}); the phases that need a running kubelet are skipped.
 */
@Timeout(180)
class JoinThroughSshConfigTest {
    static final Set<String> NO_KUBELET = Set.of("node-preflight", "wait-ready", "verify");
    static final String BECOME = "s3cret become";

    @TempDir
    Path dir;
    final List<AutoCloseable> started = new ArrayList<>();
    OpenSshNode node;
    OpenSshNode hop1;
    OpenSshNode hop2;
    SandboxApiServer sandbox;
    KubeConnection conn;
    Path key;
    Path agentKey;
    final List<String> progress = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        OpenSshRequirements.requireSshd();
        OpenSshRequirements.requireIsolation();
        key = TestKeys.generate(Files.createDirectories(dir.resolve("keys")), "ed25519", "");
        agentKey = TestKeys.generate(Files.createDirectories(dir.resolve("agent-keys")), "ed25519", "");
        List<Path> pubs = List.of(Path.of(key + ".pub"), Path.of(agentKey + ".pub"));
        hop1 = OpenSshNode.on("127.0.0.2", Files.createDirectories(dir.resolve("hop1")), pubs, false,
                List.of("LogLevel DEBUG1"));
        started.add(hop1);
        hop2 = OpenSshNode.on("127.0.0.3", Files.createDirectories(dir.resolve("hop2")), pubs, false,
                List.of("LogLevel DEBUG1"));
        started.add(hop2);
        Path nodeDir = Files.createDirectories(dir.resolve("node"));
        if (Files.isExecutable(Path.of("/usr/bin/sudo"))) {
            // a login user of that node only, whose sudo wants its password
            OpenSshNode.addUser(nodeDir, "deploy", 23460, BECOME, "deploy ALL=(ALL:ALL) ALL");
        }
        node = OpenSshNode.on("127.0.0.4", nodeDir, pubs, true, List.of("LogLevel VERBOSE"));
        started.add(node);
        OpenSshInventory.writeKnownHosts(dir, List.of(hop1, hop2, node));
        sandbox = SandboxApiServer.start(SandboxApiServer.Options.defaults().withGitVersion("v1.33.4"));
        Path kubeconfig = dir.resolve("admin.kubeconfig");
        sandbox.writeAdminKubeconfig(kubeconfig);
        conn = KubeConnection.open(kubeconfig, Duration.ofSeconds(10));
    }

    @AfterEach
    void stop() throws Exception {
        if (conn != null) conn.close();
        if (sandbox != null) sandbox.close();
        for (int i = started.size() - 1; i >= 0; i--) started.get(i).close();
    }

    private Inventory inventory(String ssh, String address) throws Exception {
        Path bin = OpenSshInventory.standInBinaries(dir);
        OpenSshInventory.write(dir, sandbox.url(), ssh, bin, "  - { name: worker-1, address: " + address + " }\n");
        return InventoryLoader.load(dir.resolve("inventory.yaml"));
    }

    private Join.Outcome join(Inventory inv, SshConnector ssh) throws InterruptedException {
        Join.Settings settings = new Join.Settings(NO_KUBELET, new JoinRunner.Options(8, 1, Duration.ofMillis(100), false),
                Duration.ofSeconds(30), false, Duration.ofDays(365));
        return Join.run(inv, conn, new StateStore(dir.resolve("state")), n -> ssh.open(SshTarget.of(n)), settings,
                Clock.systemUTC(), line -> {
                    synchronized (progress) {
                        progress.add(line);
                    }
                });
    }

    private void assertJoined(Join.Outcome outcome) throws Exception {
        assertThat(outcome.allJoined()).as(String.join("\n", progress)).isTrue();
        Path root = node.root();
        assertThat(root.resolve("etc/kubernetes/kubelet-config.yaml")).exists();
        assertThat(SecureFiles.mode(root.resolve("etc/kubernetes/kubelet-bootstrap.kubeconfig"))).isEqualTo(0600);
        assertThat(SecureFiles.mode(root.resolve("opt/k8s/bin/kubelet"))).isEqualTo(0755);
        assertThat(node.shimLog()).contains("systemctl restart kubelet", "systemctl restart kube-proxy");
    }

    @Test
    void joinThroughTwoBastionsWrittenOnlyInAnSshConfigFile() throws Exception {
        Path cfg = Files.writeString(dir.resolve("ssh_config"), """
                Host worker-1
                  HostName 127.0.0.4
                  Port %d
                  ProxyJump jump-a,jump-b

                Host jump-a
                  HostName 127.0.0.2
                  Port %d

                Host jump-b
                  HostName 127.0.0.3
                  Port %d

                Host *
                  User root
                  IdentityFile %s
                """.formatted(node.port, hop1.port, hop2.port, key));
        // the inventory names neither address, port, user, key nor bastion of the route
        Inventory inv = inventory("{ configFile: %s, knownHosts: %s }".formatted(cfg, dir.resolve("known_hosts")),
                "127.0.0.1");
        try (SshConnector ssh = new SshConnector(SshOptions.defaults().withAgentSocket(null))) {
            assertJoined(join(inv, ssh));
        }
        assertThat(hop1.log()).contains("127.0.0.3 port " + hop2.port);
        assertThat(hop2.log()).contains("127.0.0.4 port " + node.port);
    }

    @Test
    void joinAuthenticatedOnlyByAKeyInSshAgent() throws Exception {
        try (OpenSshAgent agent = new OpenSshAgent(dir)) {
            agent.add(agentKey);
            // the inventory's key file does not exist: the agent's key is the only one
            Inventory inv = inventory("{ user: root, port: %d, identityFile: %s, knownHosts: %s }".formatted(node.port,
                    dir.resolve("keys/not-there"), dir.resolve("known_hosts")), "127.0.0.4");
            try (SshConnector ssh = new SshConnector(SshOptions.defaults().withAgentSocket(agent.socket))) {
                assertJoined(join(inv, ssh));
            }
            assertThat(node.log()).contains("Accepted publickey for root")
                    .contains(HostKeyVerifier.fingerprint(TestKeys.publicKey(agentKey)))
                    .doesNotContain(HostKeyVerifier.fingerprint(TestKeys.publicKey(key)));
        }
    }

    @Test
    void joinAsAUserWhoseSudoWantsAPassword() throws Exception {
        OpenSshRequirements.requireSudo();
        Inventory inv = inventory("{ user: deploy, port: %d, identityFile: %s, knownHosts: %s }".formatted(node.port,
                key, dir.resolve("known_hosts")), "127.0.0.4");
        java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
        try (SshConnector ssh = new SshConnector(SshOptions.defaults().withAgentSocket(null).withBecomePassword(() -> {
            asked.incrementAndGet();
            return BECOME;
        }))) {
            assertJoined(join(inv, ssh));
        }
        assertThat(Files.getOwner(node.root().resolve("etc/kubernetes/kubelet-config.yaml")).getName())
                .isEqualTo("root");
        assertThat(asked.get()).as("read when the node's sudo first asked").isPositive();
        assertThat(String.join("\n", progress)).doesNotContain(BECOME);
    }
}
