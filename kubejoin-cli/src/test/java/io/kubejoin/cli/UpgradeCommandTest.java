package io.kubejoin.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.kubejoin.join.Upgrade;
import io.kubejoin.render.NodeFiles;
import io.kubejoin.sandbox.Sandbox;
import io.kubejoin.testing.Cli;
import io.kubejoin.testing.Cli.Run;
import io.kubejoin.version.KubeVersion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kubejoin upgrade} over SSH against the sandbox (issue 15's acceptance): nodes joined at 1.33 with 1.33
 * binaries under a 1.34 control plane, then the inventory and its binaries raised to 1.34.
 */
@Timeout(300)
class UpgradeCommandTest {
    static final String FROM = "1.33.5";
    static final String TO = "1.34.2";

    @TempDir
    Path dir;
    Sandbox sandbox;
    KubernetesClient admin;
    final List<Watch> watches = new ArrayList<>();

    @AfterEach
    void stop() {
        watches.forEach(Watch::close);
        if (sandbox != null) sandbox.close();
    }

    private void start(int nodes) throws Exception {
        sandbox = Sandbox.start(dir.resolve("sandbox"), Sandbox.Options.defaults(nodes).withVersion(FROM).withApiServerVersion(TO));
        Run join = Cli.kubejoin("join", "-f", sandbox.inventoryFile().toString(), "--kubeconfig",
                sandbox.adminKubeconfig().toString(), "--plain", "--ready-timeout", "60s");
        assertThat(join.exit()).as(join.toString()).isZero();
        admin = sandbox.api().adminClient();
        sandbox.api().workloads().delays(Duration.ofMillis(50), Duration.ofMillis(50), Duration.ofMillis(100));
    }

    /** The operator's edit: kubernetesVersion raised, the new release's binaries in binaries.dir. */
    private void raiseInventoryTo(String version) throws Exception {
        Path inv = sandbox.inventoryFile();
        String text = Files.readString(inv);
        assertThat(text).contains("kubernetesVersion: \"" + FROM + "\"");
        Files.writeString(inv, text.replace("kubernetesVersion: \"" + FROM + "\"", "kubernetesVersion: \"" + version + "\""));
        Sandbox.writeBinaries(sandbox.dir().resolve("bin"), KubeVersion.parse(version));
    }

    /** An inventory beside the sandbox's with another kubernetesVersion (its binaries stay the joined ones). */
    private Path inventoryAt(String version) throws Exception {
        Path other = sandbox.dir().resolve("inventory-" + version + ".yaml");
        Files.writeString(other, Files.readString(sandbox.inventoryFile())
                .replace("kubernetesVersion: \"" + FROM + "\"", "kubernetesVersion: \"" + version + "\""));
        return other;
    }

    private Run upgrade(String... args) {
        return upgradeWith(sandbox.inventoryFile(), args);
    }

    private Run upgradeWith(Path inventory, String... args) {
        List<String> a = new ArrayList<>(List.of("upgrade", "-f", inventory.toString(), "--kubeconfig",
                sandbox.adminKubeconfig().toString(), "--plain", "--ready-timeout", "60s"));
        a.addAll(List.of(args));
        return Cli.kubejoin(a.toArray(String[]::new));
    }


    private String kubeletVersion(String node) {
        return admin.nodes().withName(node).get().getStatus().getNodeInfo().getKubeletVersion();
    }



    /** One line of the API's watch history, in the order this test received the events. */
    record Seen(String kind, String action, String name, String node, boolean unschedulable, boolean running) {
    }

    /** Records every Node and every web Pod event from now on, in one sequence. */
    private List<Seen> watchHistory() {
        List<Seen> history = java.util.Collections.synchronizedList(new ArrayList<>());
        watches.add(admin.nodes().watch(new Watcher<io.fabric8.kubernetes.api.model.Node>() {
            @Override
            public void eventReceived(Action action, io.fabric8.kubernetes.api.model.Node n) {
                history.add(new Seen("node", action.name(), n.getMetadata().getName(), n.getMetadata().getName(),
                        n.getSpec() != null && Boolean.TRUE.equals(n.getSpec().getUnschedulable()), false));
            }

            @Override
            public void onClose(WatcherException cause) {
            }
        }));
        watches.add(admin.pods().inNamespace("default").withLabel("app", "web").watch(new Watcher<Pod>() {
            @Override
            public void eventReceived(Action action, Pod p) {
                boolean running = !action.name().equals("DELETED") && p.getMetadata().getDeletionTimestamp() == null
                        && p.getStatus() != null && "Running".equals(p.getStatus().getPhase());
                history.add(new Seen("pod", action.name(), p.getMetadata().getName(), p.getSpec().getNodeName(), false, running));
            }

            @Override
            public void onClose(WatcherException cause) {
            }
        }));
        return history;
    }

    @Test
    void threeNodesAreUpgradedOneAtATimeWithEvictedPodsReplacedElsewhereAndASecondRunChangesNothing() throws Exception {
        start(3);
        List<String> names = new ArrayList<>(sandbox.nodes().keySet());
        sandbox.api().workloads().replicaSet("default", "web", 3, false);
        sandbox.api().workloads().daemonSet("kube-system", "agent");
        ClusterLook.await("web on every node", () -> ClusterLook.running(admin, "web").stream().map(p -> p.getSpec().getNodeName()).distinct().count() == 3);
        for (String n : names) assertThat(kubeletVersion(n)).isEqualTo("v" + FROM);
        raiseInventoryTo(TO);
        List<Seen> history = watchHistory();
        Thread.sleep(300); // the watches' initial ADDED events

        Run r = upgrade("--max-unavailable", "1", "--drain-timeout", "30s");

        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("at most 1 unavailable at a time").containsPattern("(?m)^node-1 +upgraded")
                .contains("3 upgraded, 0 unchanged");
        // never more than one node unschedulable at a time, and every node was cordoned once; at each cordon after the
        // first, the evicted pods of the node before have their replacements Running (on another node)
        List<Seen> seen;
        synchronized (history) {
            seen = List.copyOf(history);
        }
        Map<String, Boolean> cordoned = new HashMap<>();
        Map<String, Seen> pods = new HashMap<>();
        List<String> cordonOrder = new ArrayList<>();
        for (Seen s : seen) {
            if (s.kind().equals("pod")) {
                if (s.action().equals("DELETED")) pods.remove(s.name());
                else pods.put(s.name(), s);
                continue;
            }
            boolean before = cordoned.getOrDefault(s.name(), false);
            cordoned.put(s.name(), s.unschedulable());
            if (s.unschedulable() && !before) {
                cordonOrder.add(s.name());
                if (cordonOrder.size() > 1) {
                    String previous = cordonOrder.get(cordonOrder.size() - 2);
                    List<Seen> runningWeb = pods.values().stream().filter(Seen::running).toList();
                    assertThat(runningWeb).as("web pods Running when " + s.name() + " is cordoned").hasSize(3);
                    assertThat(runningWeb.stream().filter(p -> p.node().equals(previous)).count())
                            .as("the replacement of the pod evicted from " + previous + " runs elsewhere, or on it once uncordoned")
                            .isLessThanOrEqualTo(1);
                }
            }
            assertThat(cordoned.values().stream().filter(b -> b).count()).as("unschedulable at once, after " + s).isLessThanOrEqualTo(1);
        }
        assertThat(cordonOrder).containsExactlyElementsOf(names);
        // the web pods really were evicted and replaced: none of the originals is left
        assertThat(r.out()).contains("node-1: pod/default/").contains("evicted");
        // each node: the new release reported, no mark left, schedulable, the 1.34 binary and files in place
        NodeFiles paths = new NodeFiles(sandbox.inventory().paths());
        for (String n : names) {
            assertThat(kubeletVersion(n)).as(n).isEqualTo("v" + TO);
            assertThat(ClusterLook.unschedulable(admin, n)).as(n).isFalse();
            assertThat(admin.nodes().withName(n).get().getMetadata().getAnnotations()).as(n)
                    .doesNotContainKeys(Upgrade.TARGET_ANNOTATION, Upgrade.CORDONED_ANNOTATION);
            assertThat(Files.readString(sandbox.node(n).root().resolve(paths.kubeletBinary().substring(1)))).contains("kubelet v" + TO);
            assertThat(Files.readString(sandbox.node(n).root().resolve(paths.kubeProxyBinary().substring(1)))).contains("kube-proxy v" + TO);
        }
        // plan compares every node's files with the render for the 1.34 inventory: nothing pending
        Run plan = Cli.kubejoin("plan", "-f", sandbox.inventoryFile().toString());
        assertThat(plan.exit()).as(plan.toString()).isZero();

        // a second run: nothing changes, no node is cordoned
        int before = seen.size();
        Run again = upgrade("--max-unavailable", "1", "-o", "json");
        assertThat(again.exit()).as(again.toString()).isZero();
        for (String n : names) {
            assertThat(again.node(n).path("upgraded").asBoolean()).as(n).isTrue();
            assertThat(again.node(n).path("changed").asBoolean()).as(n).isFalse();
            assertThat(again.node(n).path("changedFiles").size()).as(n).isZero();
        }
        synchronized (history) {
            assertThat(history.subList(before, history.size())).as("no cordon on the second run")
                    .noneMatch(s -> s.kind().equals("node") && s.unschedulable());
        }
    }

    @Test
    void aBudgetThatBlocksTheDrainStopsTheRunWithTheNodeCordonedAndAReRunResumes() throws Exception {
        start(3);
        List<String> names = new ArrayList<>(sandbox.nodes().keySet());
        sandbox.api().workloads().replicaSet("default", "web", 3, false);
        sandbox.api().workloads().podDisruptionBudget("default", "web-pdb", "web", "3", null);
        ClusterLook.await("web on every node", () -> ClusterLook.running(admin, "web").stream().map(p -> p.getSpec().getNodeName()).distinct().count() == 3);
        raiseInventoryTo(TO);

        long t0 = System.nanoTime();
        Run r = upgrade("--max-unavailable", "1", "--drain-timeout", "2s");

        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(60));
        assertThat(r.exit()).as(r.toString()).isEqualTo(1);
        assertThat(r.out()).contains("drain of node node-1 did not finish within 2 s").contains("web-pdb")
                .contains("the node stays cordoned").containsPattern("(?m)^node-1 +FAILED +\\S+ +\\S+ +drain: ")
                .containsPattern("(?m)^node-2 +FAILED .*not started").containsPattern("(?m)^node-3 +FAILED .*not started");
        assertThat(ClusterLook.unschedulable(admin, "node-1")).isTrue();
        assertThat(admin.nodes().withName("node-1").get().getMetadata().getAnnotations())
                .containsEntry(Upgrade.TARGET_ANNOTATION, "v" + TO);
        for (String n : names) assertThat(kubeletVersion(n)).as(n).isEqualTo("v" + FROM);
        assertThat(ClusterLook.unschedulable(admin, "node-2")).isFalse();
        assertThat(ClusterLook.unschedulable(admin, "node-3")).isFalse();

        admin.policy().v1().podDisruptionBudget().inNamespace("default").withName("web-pdb").delete();
        Run resumed = upgrade("--max-unavailable", "1", "--drain-timeout", "30s");
        assertThat(resumed.exit()).as(resumed.toString()).isZero();
        assertThat(resumed.out()).contains("an earlier upgrade to v" + TO + " did not finish");
        for (String n : names) {
            assertThat(kubeletVersion(n)).as(n).isEqualTo("v" + TO);
            assertThat(ClusterLook.unschedulable(admin, n)).as(n).isFalse();
        }
    }

    @Test
    void aNodeTheOperatorCordonedStaysCordonedAndEveryRefusalOfTheSkewPolicyIsExit2WithNothingChanged() throws Exception {
        start(2);
        // kubelet newer than kube-apiserver (1.34)
        Run newer = upgradeWith(inventoryAt("1.35.0"));
        assertThat(newer.exit()).as(newer.toString()).isEqualTo(2);
        assertThat(newer.err()).contains("would be newer than kube-apiserver 1.34");
        // more than 3 minors behind a 1.34 kube-apiserver (and a downgrade of the running 1.33 kubelets)
        Run tooOld = upgradeWith(inventoryAt("1.30.0"));
        assertThat(tooOld.exit()).as(tooOld.toString()).isEqualTo(2);
        assertThat(tooOld.err()).contains("4 minor releases older than kube-apiserver").contains("downgrade");
        // a node not joined
        admin.nodes().withName("node-2").delete();
        ClusterLook.await("node-2 gone", () -> admin.nodes().withName("node-2").get() == null);
        sandbox.node("node-2").exec("systemctl stop kubelet");
        Run notJoined = upgradeWith(inventoryAt(TO));
        assertThat(notJoined.exit()).as(notJoined.toString()).isEqualTo(2);
        assertThat(notJoined.err()).contains("node-2 is not joined").contains("join it first");
        // a bad --max-unavailable names the option and the fix
        Run bad = upgrade("--max-unavailable", "ten");
        assertThat(bad.exit()).as(bad.toString()).isEqualTo(2);
        assertThat(bad.err()).contains("--max-unavailable").contains("10%");
        for (Run refused : List.of(newer, tooOld, notJoined, bad)) {
            assertThat(refused.out()).as(refused.toString()).doesNotContain("cordoned");
        }
        assertThat(ClusterLook.unschedulable(admin, "node-1")).isFalse();
        assertThat(kubeletVersion("node-1")).isEqualTo("v" + FROM);

        // the operator's cordon: the upgrade goes on, and the node stays cordoned
        admin.nodes().withName("node-1").edit(n -> {
            n.getSpec().setUnschedulable(true);
            return n;
        });
        raiseInventoryTo(TO);
        Run op = upgrade("node-1");
        assertThat(op.exit()).as(op.toString()).isZero();
        assertThat(op.out()).contains("was cordoned before the upgrade, not by kubejoin");
        assertThat(kubeletVersion("node-1")).isEqualTo("v" + TO);
        assertThat(ClusterLook.unschedulable(admin, "node-1")).isTrue();
    }

    @Test
    void aKubeletThatComesBackWithAnotherReleaseFailsWaitReadyWithItsJournalAndAReRunResumes() throws Exception {
        start(1);
        Path inv = sandbox.inventoryFile();
        Files.writeString(inv, Files.readString(inv).replace("kubernetesVersion: \"" + FROM + "\"", "kubernetesVersion: \"" + TO + "\""));
        // binaries.dir holds another patch release than the inventory names
        Sandbox.writeBinaries(sandbox.dir().resolve("bin"), KubeVersion.parse("1.34.1"));

        Run r = upgrade("--report", dir.resolve("upgrade.html").toString());

        assertThat(r.exit()).as(r.toString()).isEqualTo(1);
        assertThat(r.out()).contains("node-1 is Ready but its kubelet reports v1.34.1, not v" + TO)
                .containsPattern("(?m)^node-1 +FAILED .*wait-ready: ").contains("    | ");
        assertThat(ClusterLook.unschedulable(admin, "node-1")).as("stays cordoned").isTrue();
        assertThat(dir.resolve("upgrade.html")).exists();

        Sandbox.writeBinaries(sandbox.dir().resolve("bin"), KubeVersion.parse(TO));
        Run resumed = upgrade();
        assertThat(resumed.exit()).as(resumed.toString()).isZero();
        assertThat(kubeletVersion("node-1")).isEqualTo("v" + TO);
        assertThat(ClusterLook.unschedulable(admin, "node-1")).isFalse();
    }

    @Test
    void listPhasesNamesTheClusterStepsAndTheNodePhasesInOrder() {
        Run r = Cli.kubejoin("upgrade", "--list-phases");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).containsSubsequence("preflight", "approver", "cordon", "drain", "binaries", "kubelet-files",
                "kubelet-start", "wait-ready", "kube-proxy-files", "kube-proxy-start", "verify", "uncordon");
        Run typo = Cli.kubejoin("upgrade", "--skip-phases", "drian", "-f", "examples/current/inventory.yaml");
        assertThat(typo.exit()).as(typo.toString()).isEqualTo(2);
        assertThat(typo.err()).contains("drain");
    }
}
