package io.kubejoin.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubejoin.testing.Cli;
import io.kubejoin.testing.Cli.Run;
import io.kubejoin.sandbox.Sandbox;
import io.kubejoin.sandbox.SandboxNode;
import io.kubejoin.sandbox.kubelet.SimulatedKubelet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;
import tools.jackson.databind.JsonNode;

/**
 * The end-to-end suite: the ordinary {@code kubejoin join}, {@code plan} and {@code reset} commands against the
 * sandbox — a simulated API server and signer, and worker machines that are real SSH servers on their own loopback
 * addresses, whose kubelet and kube-proxy simulators read what the join pushed. Nothing is mocked between the CLI
 * and the SSH wire.
 */
@Timeout(240)
class SandboxEndToEndTest {
    @TempDir
    Path dir;
    Sandbox sandbox;

    @AfterEach
    void stop() {
        if (sandbox != null) sandbox.close();
    }

    private Run join(String... extra) {
        List<String> args = new ArrayList<>(List.of("join", "-f", sandbox.inventoryFile().toString(), "--kubeconfig",
                sandbox.adminKubeconfig().toString(), "--plain", "-o", "json"));
        args.addAll(List.of(extra));
        if (!args.contains("--ready-timeout")) args.addAll(List.of("--ready-timeout", "60s"));
        return Cli.kubejoin(args.toArray(String[]::new));
    }

    private static int changedFiles(Run r) {
        int n = 0;
        for (JsonNode node : r.json().path("nodes")) n += node.path("changedFiles").size();
        return n;
    }

    private void start(Sandbox.Options options) throws IOException {
        sandbox = Sandbox.start(dir.resolve("sandbox"), options);
    }

    private List<String> bootstrapTokenSecrets() {
        return sandbox.api().adminClient().secrets().inNamespace("kube-system").list().getItems().stream()
                .filter(s -> "bootstrap.kubernetes.io/token".equals(s.getType()))
                .map(s -> s.getMetadata().getName()).toList();
    }

    private boolean ready(String node) {
        var n = sandbox.api().adminClient().nodes().withName(node).get();
        return n != null && n.getStatus().getConditions().stream()
                .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
    }

    @Test
    void threeNodesJoinThenARerunChangesNothingAndPlanAgrees() throws Exception {
        start(Sandbox.Options.defaults(3));
        Run first = join();
        assertThat(first.exit()).as(first.toString()).isZero();
        for (String n : sandbox.nodes().keySet()) {
            assertThat(ready(n)).as(n + " Ready").isTrue();
            assertThat(sandbox.node(n).kubeProxy().healthz()).isEqualTo(200);
            assertThat(first.node(n).path("phases")).extracting(p -> p.path("phase").asString())
                    .containsExactly("node-preflight", "binaries", "kubelet-files", "kubelet-start", "wait-ready",
                            "kube-proxy-files", "kube-proxy-start", "verify");
            // what the node got really is on its disk, with the modes the article gives
            Path root = sandbox.node(n).root();
            assertThat(Files.readString(root.resolve("etc/systemd/system/kubelet.service"))).contains("ExecStart=/opt/k8s/bin/kubelet");
            assertThat(Files.exists(root.resolve("etc/kubernetes/kubelet.kubeconfig"))).isTrue();
            // the bootstrap kubeconfig served the first TLS bootstrap only: gone once Ready (its token is deleted)
            assertThat(root.resolve("etc/kubernetes/kubelet-bootstrap.kubeconfig")).as(n).doesNotExist();
            assertThat(root.resolve("etc/kubernetes/kubelet-bootstrap.kubeconfig.kubejoin-bak")).as(n).doesNotExist();
            assertThat(first.node(n).path("phases").get(4).path("summary").asString()).contains("bootstrap kubeconfig removed");
        }
        assertThat(bootstrapTokenSecrets()).as("tokens deleted once every node holds its certificate").isEmpty();
        assertThat(first.err()).doesNotContainPattern("[a-z0-9]{6}\\.[a-z0-9]{16}"); // no token secret in the output

        Run second = join();
        assertThat(second.exit()).as(second.toString()).isZero();
        assertThat(changedFiles(second)).as(second.toString()).isZero();
        for (JsonNode n : second.json().path("nodes")) {
            for (JsonNode p : n.path("phases")) {
                assertThat(p.path("changed").asBoolean()).as(n.path("node") + " " + p).isFalse();
            }
        }

        Run plan = Cli.kubejoin("plan", "-f", sandbox.inventoryFile().toString());
        assertThat(plan.exit()).as(plan.toString()).isZero();
        assertThat(plan.out()).doesNotContain("changed:").doesNotContain("new:").doesNotContain("kubelet-bootstrap");
        for (String n : sandbox.nodes().keySet()) {
            assertThat(sandbox.node(n).root().resolve("etc/kubernetes/kubelet-bootstrap.kubeconfig")).as(n).doesNotExist();
        }
    }

    @Tag("hostile")
    /**
     * Issue 15: a kubelet binary replaced by hand on a joined node is a change join would undo (push the inventory's
     * binary, restart kubelet): plan shows it and exits 1, as {@code kubectl diff} does; after the join, plan exits 0.
     */
    @Test
    void planShowsABinaryReplacedOnTheNodeAndExitsOneUntilJoinRestoresIt() throws Exception {
        start(Sandbox.Options.defaults(1));
        String name = sandbox.nodes().keySet().iterator().next();
        assertThat(join().exit()).isZero();
        Run clean = Cli.kubejoin("plan", "-f", sandbox.inventoryFile().toString());
        assertThat(clean.exit()).as(clean.toString()).isZero();

        String kubelet = new io.kubejoin.render.NodeFiles(sandbox.inventory().paths()).kubeletBinary();
        Path onNode = sandbox.node(name).root().resolve(kubelet.substring(1));
        byte[] source = Files.readAllBytes(onNode);
        // another build of the same size: only the hash can tell (a size check alone would call it unchanged)
        byte[] other = source.clone();
        other[other.length / 2] ^= 1;
        Files.write(onNode, other);

        Run plan = Cli.kubejoin("plan", "-f", sandbox.inventoryFile().toString());
        assertThat(plan.exit()).as(plan.toString()).isEqualTo(1);
        assertThat(plan.out()).contains("changed   " + kubelet).contains("would restart kubelet")
                .contains("1 change(s) on 1 node(s)");

        Run rejoin = join();
        assertThat(rejoin.exit()).as(rejoin.toString()).isZero();
        assertThat(Files.readAllBytes(onNode)).isEqualTo(source);
        Run after = Cli.kubejoin("plan", "-f", sandbox.inventoryFile().toString());
        assertThat(after.exit()).as(after.toString()).isZero();
        assertThat(after.out()).contains("0 change(s) on 0 node(s)");

        // a binary of another size: the node tells it from its size alone, without hashing it
        Files.write(onNode, java.util.Arrays.copyOf(source, source.length + 1));
        Run bigger = Cli.kubejoin("plan", "-f", sandbox.inventoryFile().toString());
        assertThat(bigger.exit()).as(bigger.toString()).isEqualTo(1);
        assertThat(bigger.out()).contains("changed   " + kubelet).contains("would restart kubelet");
        Files.write(onNode, source);

        // no file changed, but a unit stopped: join's kube-proxy-start would start it, so plan says so and exits 1
        assertThat(sandbox.node(name).exec("systemctl stop kube-proxy").exitCode()).isZero();
        Run stopped = Cli.kubejoin("plan", "-f", sandbox.inventoryFile().toString());
        assertThat(stopped.exit()).as(stopped.toString()).isEqualTo(1);
        assertThat(stopped.out()).contains("kube-proxy (not running: join starts it)").doesNotContain("would restart")
                .contains("0 change(s) on 1 node(s)");
    }

    private void reportKubeletVersion(String node, String version) {
        sandbox.api().adminClient().nodes().withName(node).editStatus(n -> {
            n.getStatus().getNodeInfo().setKubeletVersion(version);
            return n;
        });
    }

    /**
     * Issue 15: plan tells what upgrade would do. A joined node whose kubelet reports an older release than the
     * inventory's gets an upgrade line: the drain's pods (evicted, left) and the budget that blocks it now; it counts as
     * pending (exit 1). A kubelet newer than the inventory is a downgrade upgrade refuses. Once the versions match
     * (a build suffix aside), no such line, exit 0. Nothing in the cluster changes.
     */
    @Test
    void planShowsWhatUpgradeWouldDoForAKubeletOfAnotherRelease() throws Exception {
        start(Sandbox.Options.defaults(2));
        List<String> names = new ArrayList<>(sandbox.nodes().keySet());
        String n1 = names.get(0);
        String n2 = names.get(1);
        assertThat(join().exit()).isZero();
        var admin = sandbox.api().adminClient();
        var workloads = sandbox.api().workloads().delays(java.time.Duration.ofMillis(50), java.time.Duration.ofMillis(50),
                java.time.Duration.ofMillis(100));
        workloads.replicaSet("default", "web", 2, false);
        workloads.podDisruptionBudget("default", "web-pdb", "web", "2", null); // minAvailable = replicas: 0 allowed
        workloads.daemonSet("kube-system", "proxy");
        long end = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
        java.util.function.Supplier<List<io.fabric8.kubernetes.api.model.Pod>> running = () -> admin.pods().inAnyNamespace().list()
                .getItems().stream().filter(p -> p.getStatus() != null && "Running".equals(p.getStatus().getPhase())).toList();
        while (running.get().size() < 4 || admin.policy().v1().podDisruptionBudget().inNamespace("default").withName("web-pdb")
                .get().getStatus() == null || !Integer.valueOf(2).equals(admin.policy().v1().podDisruptionBudget()
                .inNamespace("default").withName("web-pdb").get().getStatus().getCurrentHealthy())) {
            if (System.nanoTime() > end) throw new AssertionError("workload not running: " + running.get());
            Thread.sleep(50);
        }
        String webOnN1 = running.get().stream().filter(p -> n1.equals(p.getSpec().getNodeName())
                && p.getMetadata().getName().startsWith("web-")).findFirst().orElseThrow().getMetadata().getName();
        io.kubejoin.version.KubeVersion target = sandbox.inventory().kubernetesVersion();
        String older = new io.kubejoin.version.KubeVersion(1, target.minor() - 1, 4).gitVersion() + "-eks-1a2b3c";
        String newer = new io.kubejoin.version.KubeVersion(1, target.minor(), target.patch() + 1).gitVersion();
        reportKubeletVersion(n1, older);
        reportKubeletVersion(n2, newer);
        Thread.sleep(300);
        String before = admin.pods().inAnyNamespace().list().getItems().stream()
                .map(p -> p.getMetadata().getName() + "@" + p.getMetadata().getResourceVersion()).sorted().toList()
                + " " + admin.nodes().list().getItems().stream().map(n -> n.getMetadata().getName() + "@"
                + n.getMetadata().getResourceVersion()).sorted().toList();

        Run plan = Cli.kubejoin("plan", "-f", sandbox.inventoryFile().toString());

        assertThat(plan.exit()).as(plan.toString()).isEqualTo(1);
        assertThat(plan.out()).contains("  upgrade " + older + " -> " + target.gitVersion() + " (kubejoin upgrade): would cordon "
                + "and drain: evict 1 pod (default/" + webOnN1 + "), leave 1 (DaemonSet/mirror), blocked now by PDB "
                + "default/web-pdb (minAvailable 2, 0 disruptions allowed)");
        assertThat(plan.out()).contains("  downgrade " + newer + " -> " + target.gitVersion() + ": "
                + "kubejoin upgrade refuses it: " + n2 + "'s kubelet runs " + newer + ", newer than kubernetesVersion");
        assertThat(plan.out()).contains("0 change(s) on 2 node(s); 2 node(s) of another kubelet release");

        Run json = Cli.kubejoin("plan", "-f", sandbox.inventoryFile().toString(), "-o", "json");
        assertThat(json.exit()).as(json.toString()).isEqualTo(1);
        JsonNode up = json.node(n1).path("upgrade");
        assertThat(up.path("action").asString()).isEqualTo("upgrade");
        assertThat(up.path("reportedKubeletVersion").asString()).isEqualTo(older);
        assertThat(up.path("targetVersion").asString()).isEqualTo(target.gitVersion());
        assertThat(up.path("drain").path("evict").get(0).path("pod").asString()).isEqualTo("default/" + webOnN1);
        assertThat(up.path("drain").path("evict").get(0).path("ownerKind").asString()).isEqualTo("ReplicaSet");
        assertThat(up.path("drain").path("leave").get(0).path("reason").asString()).isEqualTo("DaemonSet-managed");
        JsonNode budget = up.path("drain").path("blockingBudgets").get(0);
        assertThat(budget.path("budget").asString()).isEqualTo("default/web-pdb");
        assertThat(budget.path("minAvailable").asString()).isEqualTo("2");
        assertThat(budget.path("disruptionsAllowed").asInt()).isZero();
        assertThat(json.node(n2).path("upgrade").path("action").asString()).isEqualTo("downgrade");
        assertThat(json.node(n2).path("upgrade").path("refusedBecause").asString()).contains("downgrade");
        assertThat(json.node(n2).path("upgrade").has("drain")).isFalse();
        assertThat(json.json().path("pendingNodes").asInt()).isEqualTo(2);

        String after = admin.pods().inAnyNamespace().list().getItems().stream()
                .map(p -> p.getMetadata().getName() + "@" + p.getMetadata().getResourceVersion()).sorted().toList()
                + " " + admin.nodes().list().getItems().stream().map(n -> n.getMetadata().getName() + "@"
                + n.getMetadata().getResourceVersion()).sorted().toList();
        assertThat(after).as("plan changes nothing in the cluster").isEqualTo(before);

        // the versions match (a vendor's build suffix is not another release): nothing to upgrade
        reportKubeletVersion(n1, target.gitVersion() + "+k3s1");
        reportKubeletVersion(n2, target.gitVersion());
        Run same = Cli.kubejoin("plan", "-f", sandbox.inventoryFile().toString());
        assertThat(same.exit()).as(same.toString()).isZero();
        assertThat(same.out()).doesNotContain("upgrade").contains("0 change(s) on 0 node(s)");
    }

    /** plan's other exit codes, as kubectl diff's: 2 for bad input (binaries it cannot read), 3 for a node it cannot read. */
    @Test
    void planExitsTwoOnBadInputAndThreeOnAnUnreadableNode() throws Exception {
        start(Sandbox.Options.defaults(1));
        Path inv = sandbox.inventoryFile();
        String text = Files.readString(inv);

        Files.writeString(inv, text.replace("binaries:\n  dir: bin\n", "binaries:\n  dir: no-such-bin\n"));
        Run bad = Cli.kubejoin("plan", "-f", inv.toString());
        assertThat(bad.exit()).as(bad.toString()).isEqualTo(2);
        assertThat(bad.err()).contains("binaries.dir");

        // nothing listens on loopback port 1: the node cannot be read
        Files.writeString(inv, text.replaceFirst("(?m)^  port: \\d+$", "  port: 1"));
        Run unreachable = Cli.kubejoin("plan", "-f", inv.toString());
        assertThat(unreachable.exit()).as(unreachable.toString()).isEqualTo(3);
        assertThat(unreachable.out()).contains("cannot read the node");

        // nothing listens where the kubeconfig points: the nodes' plan is still shown, what upgrade would do is not, exit 3
        Files.writeString(inv, text);
        Path nowhere = dir.resolve("nowhere.kubeconfig");
        Files.writeString(nowhere, Files.readString(sandbox.adminKubeconfig())
                .replaceFirst("server: https://[^\\s]+", "server: https://127.0.0.1:1"));
        Run noCluster = Cli.kubejoin("plan", "-f", inv.toString(), "--kubeconfig", nowhere.toString());
        assertThat(noCluster.exit()).as(noCluster.toString()).isEqualTo(3);
        assertThat(noCluster.out()).contains("cluster: cannot read it (what upgrade would do is not planned): cannot reach "
                + "kube-apiserver at https://127.0.0.1:1").contains(sandbox.nodes().keySet().iterator().next() + ": ");
    }

    @Test
    void aForgedCsrIsDeniedWithItsReasonAndTheOtherNodesJoin() throws Exception {
        start(Sandbox.Options.defaults(3));
        List<String> names = new ArrayList<>(sandbox.nodes().keySet());
        sandbox.node(names.get(1)).forgeCsrFor(names.get(2));
        Run r = join("--retries", "0", "--ready-timeout", "20s");
        assertThat(r.exit()).as(r.toString()).isEqualTo(1);
        JsonNode bad = r.node(names.get(1));
        assertThat(bad.path("joined").asBoolean()).isFalse();
        assertThat(bad.path("failedPhase").asString()).isEqualTo("wait-ready");
        assertThat(bad.path("error").asString()).contains("denied");
        assertThat(r.err()).contains("but the request is for system:node:" + names.get(2));
        assertThat(r.node(names.get(0)).path("joined").asBoolean()).isTrue();
        assertThat(r.node(names.get(2)).path("joined").asBoolean()).isTrue();
    }

    private static List<Path> etcFiles(SandboxNode n) throws IOException {
        try (Stream<Path> files = Files.walk(n.root().resolve("etc"))) {
            return files.filter(Files::isRegularFile).sorted().toList();
        }
    }

    @Test
    void bootstrapTokenAuthOffIsRefusedBeforeAnyPushWithTheFlagNamed() throws Exception {
        start(Sandbox.Options.defaults(2));
        sandbox.api().bootstrapTokenAuth(false);
        java.util.Map<String, List<Path>> before = new java.util.HashMap<>();
        for (SandboxNode n : sandbox.nodes().values()) before.put(n.name(), etcFiles(n));
        Run r = join();
        assertThat(r.exit()).as(r.toString()).isEqualTo(2);
        assertThat(r.out() + r.err()).contains("--enable-bootstrap-token-auth");
        for (SandboxNode n : sandbox.nodes().values()) {
            // only what the machine had (its /etc/resolv.conf)
            assertThat(etcFiles(n)).as("nothing pushed to " + n.name()).isEqualTo(before.get(n.name()));
        }
    }

    @Test
    void signerNotRunningIsDiagnosed() throws Exception {
        start(Sandbox.Options.defaults(1));
        sandbox.api().signer(false);
        Run r = join("--retries", "0", "--ready-timeout", "15s");
        assertThat(r.exit()).as(r.toString()).isNotZero();
        assertThat(r.out() + r.err()).contains("kube-controller-manager");
    }

    @Tag("hostile")
    @Test
    void aConnectionDroppedMidPushIsRetriedAndLeavesNoPartialFile() throws Exception {
        start(Sandbox.Options.defaults(2));
        SandboxNode victim = sandbox.nodes().values().iterator().next();
        sandbox.ssh().dropConnectionDuringNextPush(victim.address(), 100);
        Run r = join();
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.err()).contains("retry");
        try (Stream<Path> files = Files.walk(victim.root())) {
            assertThat(files.map(Path::toString)).noneMatch(p -> p.endsWith(".kubejoin-tmp") && !p.contains("/."));
        }
        assertThat(ready(victim.name())).isTrue();
    }

    @Test
    void aFailingKubeletIsReportedWithItsJournalAndTheOthersJoin() throws Exception {
        start(Sandbox.Options.defaults(3));
        List<String> names = new ArrayList<>(sandbox.nodes().keySet());
        sandbox.node(names.get(0)).failKubelet(true);
        long start = System.nanoTime();
        Run r = join("--retries", "0");
        assertThat(r.exit()).as(r.toString()).isEqualTo(1);
        JsonNode bad = r.node(names.get(0));
        // systemctl restart returns before the kubelet exits (Type=simple): wait-ready sees it exit and
        // restarted by systemd, within seconds instead of its 60 s timeout, and quotes its error
        assertThat(bad.path("failedPhase").asString()).isEqualTo("wait-ready");
        assertThat(bad.path("error").asString()).contains("kubelet exits at start").contains("simulated failure at start")
                .doesNotContain("kube-apiserver");
        assertThat(bad.path("journal").toString()).contains("simulated failure at start");
        assertThat((System.nanoTime() - start) / 1_000_000_000L).isLessThan(50);
        assertThat(ready(names.get(1))).isTrue();
        assertThat(ready(names.get(2))).isTrue();
    }

    @Test
    void resetRecoversANodeWhoseCredentialWasLost() throws Exception {
        start(Sandbox.Options.defaults(1));
        String name = sandbox.nodes().keySet().iterator().next();
        assertThat(join().exit()).isZero();
        // T3: kubelet's client credential is gone (or stale): reset makes its token valid again, removes what is
        // left, restarts kubelet, approves its new CSR and waits for the new certificate
        Path root = sandbox.node(name).root();
        Path kubeconfig = root.resolve("etc/kubernetes/kubelet.kubeconfig");
        Path current = root.resolve("etc/kubernetes/cert/kubelet-client-current.pem");
        String before = Files.readString(current);
        Files.delete(kubeconfig);
        Run reset = Cli.kubejoin("reset", "-f", sandbox.inventoryFile().toString(), "--kubeconfig",
                sandbox.adminKubeconfig().toString(), "--ready-timeout", "60s", name);
        assertThat(reset.exit()).as(reset.toString()).isZero();
        assertThat(reset.out()).contains("Ready again").contains("new client certificate, serial");
        assertThat(Files.exists(kubeconfig)).isTrue();
        assertThat(Files.readString(current)).as("a new client certificate").isNotEqualTo(before);
        assertThat(ready(name)).isTrue();
        assertThat(bootstrapTokenSecrets()).as("the token reset revived is deleted again").isEmpty();
        assertThat(root.resolve("etc/kubernetes/kubelet-bootstrap.kubeconfig")).as("pushed for the bootstrap, removed after it").doesNotExist();
        Run again = join();
        assertThat(again.exit()).as(again.toString()).isZero();
        assertThat(changedFiles(again)).as(again.toString()).isZero();
        assertThat(root.resolve("etc/kubernetes/kubelet-bootstrap.kubeconfig")).doesNotExist();
    }

    @Test
    void resetWithTheSignerDownFailsNamingTheMissingProofThoughTheNodeStillLooksReady() throws Exception {
        start(Sandbox.Options.defaults(1));
        String name = sandbox.nodes().keySet().iterator().next();
        assertThat(join().exit()).isZero();
        // kube-controller-manager down: the new CSR is approved but never signed; kubelet (rotateCertificates) has
        // written kubelet.kubeconfig at start anyway, and the Node's Ready condition is the stale one from the join
        sandbox.api().signer(false);
        Run reset = Cli.kubejoin("reset", "-f", sandbox.inventoryFile().toString(), "--kubeconfig",
                sandbox.adminKubeconfig().toString(), "--ready-timeout", "8s", name);
        assertThat(reset.exit()).as(reset.toString()).isEqualTo(1);
        assertThat(reset.out()).doesNotContain("Ready again").contains("not recovered within 8 s: CSR csr-")
                .contains("approved but not issued: is kube-controller-manager running?")
                .contains("fix: start kube-controller-manager");
        assertThat(sandbox.node(name).root().resolve("etc/kubernetes/kubelet.kubeconfig")).exists();
        assertThat(ready(name)).as("stale, not proof").isTrue();
    }

    @Test
    void fullResetRemovesWhatJoinInstalledAndTheNode() throws Exception {
        start(Sandbox.Options.defaults(1));
        String name = sandbox.nodes().keySet().iterator().next();
        assertThat(join().exit()).isZero();
        SandboxNode node = sandbox.node(name);
        io.kubejoin.render.NodeFiles paths = new io.kubejoin.render.NodeFiles(sandbox.inventory().paths());
        Path root = node.root();
        String mode = sandbox.inventory().nodes().get(0).kubeProxy().mode().value();
        assertThat(node.kernelRules()).isEqualTo(mode);
        // a pod's projected volume: a tmpfs below kubelet's root dir, whose files must never be deleted through it
        String volume = paths.kubeletRootDir() + "/pods/0c9a/volumes/kubernetes.io~projected/kube-api-access-x";
        node.mount(volume);
        Files.writeString(root.resolve(volume.substring(1)).resolve("token"), "pod data");
        Files.writeString(root.resolve(paths.kubeletRootDir().substring(1)).resolve("cpu_manager_state"), "{}");

        Run reset = Cli.kubejoin("reset", "--full", "-f", sandbox.inventoryFile().toString(), "--kubeconfig",
                sandbox.adminKubeconfig().toString(), name);
        assertThat(reset.exit()).as(reset.toString()).isZero();
        assertThat(sandbox.api().adminClient().nodes().withName(name).get()).isNull();
        assertThat(root.resolve("etc/systemd/system/kubelet.service")).doesNotExist();
        assertThat(root.resolve("etc/systemd/system/multi-user.target.wants/kubelet.service")).doesNotExist();
        assertThat(node.kubelet().state()).isEqualTo(SimulatedKubelet.State.STOPPED);
        // the binaries the join installed, kubelet's and kube-proxy's data folders, kube-proxy's rules
        assertThat(root.resolve(paths.kubeletBinary().substring(1))).doesNotExist();
        assertThat(root.resolve(paths.kubeProxyBinary().substring(1))).doesNotExist();
        assertThat(root.resolve(paths.kubeletRootDir().substring(1))).doesNotExist();
        assertThat(root.resolve(paths.kubeProxyWorkDir().substring(1))).doesNotExist();
        assertThat(node.kernelRules()).as("kube-proxy --cleanup ran").isNull();
        assertThat(Files.readString(root.resolve("proc/mounts"))).doesNotContain(paths.kubeletRootDir());
        assertThat(node.detached(volume).resolve("token")).as("unmounted, not deleted").hasContent("pod data");
        assertThat(reset.out()).contains("kube-proxy --cleanup").contains("unmounted 1 pod volume(s)")
                .contains("and 2 binaries the join installed").contains("stays: not kubejoin's to remove")
                .doesNotContain("NOT removed");
    }

    @Test
    void theArticlesClusterJoins() throws Exception {
        start(Sandbox.Options.article(2));
        Run r = join();
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(sandbox.inventory().kubernetesVersion().toString()).isEqualTo("1.17.2");
        String unit = Files.readString(sandbox.nodes().values().iterator().next().root()
                .resolve("etc/systemd/system/kubelet.service"));
        assertThat(unit).contains("--image-pull-progress-deadline"); // a dockershim flag: still there in 1.17
    }
}
