package io.kubejoin.join;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubejoin.cluster.KubeConnection;
import io.kubejoin.inventory.Inventory;
import io.kubejoin.inventory.InventoryLoader;
import io.kubejoin.remote.Transport;
import io.kubejoin.sandbox.api.SandboxApiServer;
import io.kubejoin.state.StateStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;

/**
 * The join's cluster steps against the sandbox API server and its node phases on shim nodes. The phases that
 * need a running kubelet (wait-ready, verify) and the checks of this machine (node-preflight) are skipped here.
 */
@Timeout(120)
class JoinSandboxTest {
    static final Set<String> NO_KUBELET = Set.of("node-preflight", "wait-ready", "verify");

    @TempDir
    Path dir;
    SandboxApiServer sandbox;
    Inventory inv;
    KubeConnection conn;
    final Map<String, ShimNode> nodes = new ConcurrentHashMap<>();
    final List<String> progress = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        sandbox = SandboxApiServer.start(SandboxApiServer.Options.defaults().withGitVersion("v1.34.2"));
        Path pki = Path.of("examples/pki").toAbsolutePath();
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Files.writeString(bin.resolve("kubelet"), "#!/bin/sh\necho kubelet stand-in\n");
        Files.writeString(bin.resolve("kube-proxy"), "#!/bin/sh\necho kube-proxy stand-in\n");
        Files.writeString(dir.resolve("inventory.yaml"), Files.readString(Path.of("examples/current/inventory.yaml"))
                .replace("../pki/", pki + "/").replace("https://10.0.0.10:6443", sandbox.url())
                + "binaries: { dir: " + bin + " }\n");
        inv = InventoryLoader.load(dir.resolve("inventory.yaml"));
        Path kubeconfig = dir.resolve("admin.kubeconfig");
        sandbox.writeAdminKubeconfig(kubeconfig);
        conn = KubeConnection.open(kubeconfig, Duration.ofSeconds(10));
    }

    @AfterEach
    void stop() {
        conn.close();
        sandbox.close();
    }

    private Transport open(io.kubejoin.inventory.Node node) {
        return nodes.computeIfAbsent(node.name(), n -> {
            try {
                return new ShimNode(Files.createDirectories(dir.resolve("nodes").resolve(n)));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    private Join.Outcome join(Set<String> skip) throws InterruptedException {
        Join.Settings settings = new Join.Settings(skip, new JoinRunner.Options(8, 1, Duration.ofMillis(10), false),
                Duration.ofSeconds(30), false, Duration.ofDays(365));
        return Join.run(inv, conn, new StateStore(dir.resolve("state")), this::open, settings, Clock.systemUTC(),
                line -> { synchronized (progress) { progress.add(line); } });
    }

    @Test
    void joinCreatesRbacAndTokensAndPushesThenConvergesOnTheSecondRun() throws Exception {
        Join.Outcome first = join(NO_KUBELET);
        assertThat(first.refused()).isFalse();
        assertThat(first.allJoined()).as(String.join("\n", progress)).isTrue();
        assertThat(first.clusterLines()).filteredOn(l -> l.startsWith("rbac:")).hasSize(3)
                .allMatch(l -> l.endsWith(": created"));
        assertThat(first.clusterLines()).filteredOn(l -> l.startsWith("tokens:")).hasSize(3);
        Path kubelet = nodes.get("worker-1").root.resolve("opt/k8s/bin/kubelet");
        assertThat(kubelet).hasContent("#!/bin/sh\necho kubelet stand-in");
        assertThat(io.kubejoin.util.SecureFiles.mode(kubelet)).isEqualTo(0755);
        var secrets = sandbox.adminClient().secrets().inNamespace("kube-system").list().getItems();
        assertThat(secrets).filteredOn(s -> "bootstrap.kubernetes.io/token".equals(s.getType())).hasSize(3);
        // the token in each node's bootstrap kubeconfig is the one whose Secret was created
        String kubeconfig = Files.readString(nodes.get("worker-2").root.resolve("etc/kubernetes/kubelet-bootstrap.kubeconfig"));
        assertThat(secrets).anyMatch(s -> kubeconfig.contains("token: " + s.getMetadata().getName()
                .substring("bootstrap-token-".length()) + "."));
        // nothing secret in the progress lines
        assertThat(String.join("\n", progress)).doesNotContain("PRIVATE KEY").doesNotContainPattern("token: [a-z0-9]{6}\\.[a-z0-9]{16}");

        progress.clear();
        Join.Outcome second = join(NO_KUBELET);
        assertThat(second.allJoined()).isTrue();
        assertThat(second.clusterLines()).filteredOn(l -> l.startsWith("rbac:")).allMatch(l -> l.endsWith(": unchanged"));
        assertThat(second.clusterLines()).noneMatch(l -> l.startsWith("tokens:"));
        assertThat(second.nodes()).allSatisfy(r -> assertThat(r.changed()).as(r.node()).isFalse());
    }

    /** A CA key that is not the certificate's is refused before preflight's probe token, RBAC or any token Secret. */
    @Tag("hostile")
    @Test
    void aCaKeyThatDoesNotMatchTheCertificateChangesNothingInTheCluster() throws Exception {
        io.kubejoin.pki.OpenSsl.key(dir, "ec-pkcs8", "other-key.pem");
        Path pki = Path.of("examples/pki").toAbsolutePath();
        Files.writeString(dir.resolve("inventory.yaml"), Files.readString(dir.resolve("inventory.yaml"))
                .replace(pki + "/ca-key.pem", dir.resolve("other-key.pem").toString()));
        inv = InventoryLoader.load(dir.resolve("inventory.yaml"));
        var client = sandbox.adminClient();
        List<String> bindingsBefore = client.rbac().clusterRoleBindings().list().getItems().stream()
                .map(b -> b.getMetadata().getName()).sorted().toList();
        List<String> secretsBefore = client.secrets().inNamespace("kube-system").list().getItems().stream()
                .map(b -> b.getMetadata().getName()).sorted().toList();

        Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> join(NO_KUBELET));

        assertThat(t).isInstanceOf(io.kubejoin.inventory.InvalidInputException.class);
        var problems = ((io.kubejoin.inventory.InvalidInputException) t).problems();
        assertThat(problems).singleElement().satisfies(p -> {
            assertThat(p.fieldPath()).isEqualTo("pki.caKey");
            assertThat(p.file()).isEqualTo(dir.resolve("other-key.pem"));
            assertThat(p.message()).contains("does not belong to the CA certificate");
        });
        assertThat(client.rbac().clusterRoleBindings().list().getItems()).extracting(b -> b.getMetadata().getName())
                .doesNotContain("kubelet-bootstrap", "kube-apiserver:kubelet-apis", io.kubejoin.cluster.RbacBindings.NODE_CLIENT_RENEWAL)
                .containsExactlyInAnyOrderElementsOf(bindingsBefore);
        assertThat(client.secrets().inNamespace("kube-system").list().getItems()).extracting(s -> s.getMetadata().getName())
                .containsExactlyInAnyOrderElementsOf(secretsBefore)
                .noneMatch(n -> n.startsWith("bootstrap-token-"));
        assertThat(nodes).isEmpty();
        assertThat(progress).isEmpty();
    }

    @Test
    void refusedPreflightPushesNothing() throws Exception {
        sandbox.bootstrapTokenAuth(false);
        Join.Outcome outcome = join(Set.of("node-preflight", "wait-ready", "verify"));
        assertThat(outcome.refused()).isTrue();
        assertThat(outcome.nodes()).isEmpty();
        assertThat(nodes).isEmpty();
        assertThat(String.join("\n", progress)).contains("--enable-bootstrap-token-auth");
    }

    private Map<String, List<io.kubejoin.render.RenderedFile>> rendered(StateStore state) {
        var inputs = io.kubejoin.state.RenderInputs.prepare(inv, state, java.time.Instant.now(), new java.security.SecureRandom());
        return io.kubejoin.render.Renderer.render(inv, inputs.material(), inputs.tokens()).byNode();
    }

    @Test
    void resetRemovesTheStaleCredentialRevalidatesTheTokenAndRestartsKubelet() throws Exception {
        join(NO_KUBELET);
        ShimNode w1 = nodes.get("worker-1");
        Files.writeString(w1.root.resolve("etc/kubernetes/kubelet.kubeconfig"), "stale");
        Files.writeString(w1.root.resolve("etc/kubernetes/cert/kubelet-client-current.pem"), "stale");
        Files.writeString(w1.root.resolve("etc/kubernetes/cert/kubelet-client-2026-11-26-02-00-00.pem"), "stale");
        StateStore state = new StateStore(dir.resolve("state"));
        var token = state.tokens().get("worker-1");
        sandbox.adminClient().secrets().inNamespace("kube-system").withName(token.secretName()).delete();

        List<String> done = Reset.recover(inv, inv.node("worker-1").orElseThrow(), conn, w1, token,
                rendered(state).get("worker-1"), Clock.systemUTC()).done();
        assertThat(done).anyMatch(l -> l.contains("made valid again")).anyMatch(l -> l.contains("kubelet started"));
        assertThat(w1.root.resolve("etc/kubernetes/kubelet.kubeconfig")).doesNotExist();
        assertThat(w1.root.resolve("etc/kubernetes/cert/kubelet-client-current.pem")).doesNotExist();
        assertThat(w1.root.resolve("etc/kubernetes/cert/kubelet-client-2026-11-26-02-00-00.pem")).doesNotExist();
        assertThat(w1.root.resolve("etc/kubernetes/kubelet-bootstrap.kubeconfig")).exists();
        assertThat(sandbox.adminClient().secrets().inNamespace("kube-system").withName(token.secretName()).get()).isNotNull();
        assertThat(w1.log()).containsSubsequence("systemctl stop kubelet", "systemctl start kubelet");
        assertThat(String.join("\n", done)).doesNotContain(token.secret());
    }

    @Test
    void fullResetUndoesTheJoin() throws Exception {
        join(NO_KUBELET);
        sandbox.adminClient().nodes().resource(new io.fabric8.kubernetes.api.model.NodeBuilder()
                .withNewMetadata().withName("worker-2").endMetadata().build()).create();
        ShimNode w2 = nodes.get("worker-2");
        List<String> done = Reset.full(inv, inv.node("worker-2").orElseThrow(), conn, w2,
                rendered(new StateStore(dir.resolve("state"))).get("worker-2"), Map.of(), Clock.systemUTC()).done();
        assertThat(done).anyMatch(l -> l.contains("Node worker-2 deleted")).anyMatch(l -> l.contains("tokens deleted"));
        assertThat(w2.root.resolve("etc/kubernetes/kubelet-config.yaml")).doesNotExist();
        assertThat(w2.root.resolve("etc/systemd/system/kube-proxy.service")).doesNotExist();
        assertThat(sandbox.adminClient().nodes().withName("worker-2").get()).isNull();
        assertThat(w2.log()).contains("systemctl disable --now kubelet", "systemctl disable --now kube-proxy");
        // the other nodes keep their tokens
        assertThat(sandbox.adminClient().secrets().inNamespace("kube-system").list().getItems())
                .filteredOn(s -> "bootstrap.kubernetes.io/token".equals(s.getType())).hasSize(2);
    }
}
