package io.kubejoin.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubejoin.sandbox.api.SandboxApiServer;
import io.kubejoin.sandbox.api.Workloads;
import io.kubejoin.util.UserFacingException;
import io.kubejoin.version.KubeVersion;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The drain against the sandbox's Eviction API, budgets, controllers and scheduler. */
class NodeDrainerSandboxTest {
    private SandboxApiServer server;
    private KubernetesClient admin;
    private KubeConnection conn;
    private Workloads workloads;
    private final List<String> progress = new CopyOnWriteArrayList<>();
    private KubeVersion release;

    private void start(String version, String... nodes) {
        release = KubeVersion.parse(version);
        server = SandboxApiServer.start(SandboxApiServer.Options.defaults().withGitVersion(version).withSigner(false));
        admin = server.adminClient();
        for (String n : nodes) {
            Node node = new NodeBuilder().withNewMetadata().withName(n).endMetadata()
                    .withNewStatus().addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus().build();
            admin.nodes().resource(node).create();
        }
        workloads = server.workloads().delays(Duration.ofMillis(50), Duration.ofMillis(50), Duration.ofMillis(100));
        conn = KubeConnection.of(server.clientConfig(server.adminToken()), "the sandbox admin kubeconfig", Duration.ofSeconds(5));
    }

    @AfterEach
    void stop() {
        if (conn != null) conn.close();
        if (server != null) server.close();
    }

    private NodeDrainer drainer(NodeDrainer.Options o) {
        return new NodeDrainer(conn, release, o, progress::add);
    }

    private static NodeDrainer.Options quick() {
        return NodeDrainer.Options.defaults().withTimeout(Duration.ofSeconds(10))
                .withIntervals(Duration.ofMillis(200), Duration.ofMillis(50));
    }

    private List<Pod> running(String app) {
        return admin.pods().inAnyNamespace().withLabel("app", app).list().getItems().stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null && p.getStatus() != null
                        && "Running".equals(p.getStatus().getPhase())).toList();
    }

    private List<String> namesOn(String node) {
        return admin.pods().inAnyNamespace().withField("spec.nodeName", node).list().getItems().stream()
                .map(p -> p.getMetadata().getNamespace() + "/" + p.getMetadata().getName()).sorted().toList();
    }

    private boolean unschedulable(String node) {
        Node n = admin.nodes().withName(node).get();
        return n.getSpec() != null && Boolean.TRUE.equals(n.getSpec().getUnschedulable());
    }

    private static void await(String what, BooleanSupplier c) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > end) throw new AssertionError("timed out waiting: " + what);
            Thread.sleep(20);
        }
    }

    @Test
    void evictsReplicaSetPodsLeavesDaemonSetAndMirrorPodsAndReplacementsRunElsewhere() throws Exception {
        start("v1.33.1", "n1", "n2", "n3");
        workloads.replicaSet("default", "web", 3, false);
        workloads.daemonSet("kube-system", "proxy");
        String mirror = workloads.mirrorPod("kube-system", "etcd", "n1");
        await("workload running", () -> running("web").size() == 3 && running("proxy").size() == 3);
        String webOnN1 = running("web").stream().filter(p -> "n1".equals(p.getSpec().getNodeName())).findFirst()
                .orElseThrow().getMetadata().getName();

        NodeDrainer.Result r = drainer(quick()).drain("n1");

        assertThat(r.completed()).as(r.failure()).isTrue();
        assertThat(r.evicted()).containsExactly("default/" + webOnN1);
        assertThat(r.left()).extracting(NodeDrainer.LeftPod::pod)
                .containsExactlyInAnyOrder("kube-system/" + mirror,
                        running("proxy").stream().filter(p -> "n1".equals(p.getSpec().getNodeName()))
                                .map(p -> "kube-system/" + p.getMetadata().getName()).findFirst().orElseThrow());
        assertThat(unschedulable("n1")).isTrue();
        assertThat(namesOn("n1")).noneMatch(n -> n.startsWith("default/"));
        assertThat(progress).contains("node/n1 cordoned", "pod/default/" + webOnN1 + " evicted", "node/n1 drained");
        await("replacement running", () -> running("web").size() == 3);
        assertThat(running("web")).extracting(p -> p.getSpec().getNodeName()).doesNotContain("n1");

        drainer(quick()).uncordon("n1");
        assertThat(unschedulable("n1")).isFalse();
        assertThat(progress).contains("node/n1 uncordoned");
    }

    @Test
    void aBudgetThatAllowsNoDisruptionBlocksUntilTheTimeoutAndIsNamed() throws Exception {
        start("v1.33.1", "n1", "n2", "n3");
        workloads.replicaSet("default", "web", 3, false);
        workloads.podDisruptionBudget("default", "web-pdb", "web", "3", null);
        await("workload running", () -> running("web").size() == 3);
        String webOnN1 = running("web").stream().filter(p -> "n1".equals(p.getSpec().getNodeName())).findFirst()
                .orElseThrow().getMetadata().getName();

        long t0 = System.nanoTime();
        NodeDrainer.Result r = drainer(quick().withTimeout(Duration.ofSeconds(2))).drain("n1");

        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofSeconds(2));
        assertThat(r.completed()).isFalse();
        assertThat(r.failure()).contains("drain of node n1 did not finish within 2 s")
                .contains("pod default/" + webOnN1 + " not evicted: Cannot evict pod as it would violate the pod's disruption budget.")
                .contains("The disruption budget web-pdb needs 3 healthy pods and has 3 currently")
                .contains("the node stays cordoned");
        assertThat(r.evicted()).isEmpty();
        assertThat(r.forceDeleted()).isEmpty();
        assertThat(admin.pods().inNamespace("default").withName(webOnN1).get().getMetadata().getDeletionTimestamp()).isNull();
        assertThat(unschedulable("n1")).isTrue();
        assertThatThrownBy(r::orThrow).isInstanceOf(UserFacingException.class).hasMessageContaining("web-pdb");
        // the retry is announced once, not at every attempt
        assertThat(progress.stream().filter(l -> l.startsWith("cannot evict pod default/" + webOnN1))).hasSize(1);
    }

    @Test
    void emptyDirPodsAreRefusedWithoutTheOptionAndNothingChanges() throws Exception {
        start("v1.33.1", "n1", "n2");
        workloads.replicaSet("default", "cache", 2, true);
        await("running", () -> running("cache").size() == 2);
        String onN1 = running("cache").stream().filter(p -> "n1".equals(p.getSpec().getNodeName())).findFirst()
                .orElseThrow().getMetadata().getName();

        assertThatThrownBy(() -> drainer(quick()).drain("n1")).isInstanceOf(UserFacingException.class)
                .hasMessageContaining("cannot drain node n1, nothing was changed")
                .hasMessageContaining("local storage").hasMessageContaining("delete-emptydir-data")
                .hasMessageContaining("default/" + onN1);
        assertThat(unschedulable("n1")).isFalse();

        NodeDrainer.Result r = drainer(quick().withDeleteEmptyDirData(true)).drain("n1");
        assertThat(r.completed()).as(r.failure()).isTrue();
        assertThat(r.evicted()).containsExactly("default/" + onN1);
    }

    @Test
    void barePodsNeedForce() throws Exception {
        start("v1.33.1", "n1", "n2");
        workloads.barePod("default", "solo", "n1", false);

        assertThatThrownBy(() -> drainer(quick()).drain("n1")).isInstanceOf(UserFacingException.class)
                .hasMessageContaining("declare no controller").hasMessageContaining("default/solo");

        NodeDrainer.Result r = drainer(quick().withForce(true)).drain("n1");
        assertThat(r.completed()).as(r.failure()).isTrue();
        assertThat(r.evicted()).containsExactly("default/solo");
        assertThat(progress).anyMatch(l -> l.contains("default/solo") && l.contains("no controller"));
    }

    @Test
    void forceDeletesWhatTheBudgetStillProtectsAtTheTimeoutAndSaysSo() throws Exception {
        start("v1.33.1", "n1", "n2");
        workloads.replicaSet("default", "web", 2, false);
        workloads.podDisruptionBudget("default", "web-pdb", "web", "2", null);
        await("running", () -> running("web").size() == 2);
        String onN1 = running("web").stream().filter(p -> "n1".equals(p.getSpec().getNodeName())).findFirst()
                .orElseThrow().getMetadata().getName();

        NodeDrainer.Result r = drainer(quick().withForce(true).withTimeout(Duration.ofSeconds(1))).drain("n1");

        assertThat(r.forceDeleted()).containsExactly("default/" + onN1);
        assertThat(progress).anyMatch(l -> l.startsWith("deleting pod default/" + onN1 + " despite its disruption budget")
                && l.contains("web-pdb"));
    }

    @Test
    void aPodWhoseKubeletNeverConfirmsIsReportedStillTerminating() throws Exception {
        start("v1.33.1", "n1", "n2");
        workloads.replicaSet("default", "web", 2, false);
        await("running", () -> running("web").size() == 2);
        String onN1 = running("web").stream().filter(p -> "n1".equals(p.getSpec().getNodeName())).findFirst()
                .orElseThrow().getMetadata().getName();
        // n1's kubelet stops reporting: the API still deletes gracefully, but nothing ends the pod
        admin.nodes().withName("n1").edit(n -> new NodeBuilder(n).editStatus().editFirstCondition().withStatus("Unknown")
                .endCondition().endStatus().build());

        NodeDrainer.Result r = drainer(quick().withTimeout(Duration.ofSeconds(1))).drain("n1");

        assertThat(r.completed()).isFalse();
        assertThat(r.failure()).contains("pod default/" + onN1 + " evicted but still terminating")
                .contains("check the kubelet on n1");
        assertThat(r.left()).extracting(NodeDrainer.LeftPod::pod).contains("default/" + onN1);
        assertThat(admin.pods().inNamespace("default").withName(onN1).get().getMetadata().getDeletionTimestamp()).isNotNull();
    }

    /** Every object's resourceVersion and the Node's cordon: what a read-only preview must leave as it was. */
    private java.util.Map<String, String> snapshot() {
        java.util.Map<String, String> m = new java.util.TreeMap<>();
        admin.pods().inAnyNamespace().list().getItems().forEach(p -> m.put("pod " + p.getMetadata().getNamespace() + "/"
                + p.getMetadata().getName(), p.getMetadata().getResourceVersion() + " deleting=" + (p.getMetadata().getDeletionTimestamp() != null)));
        admin.policy().v1().podDisruptionBudget().inAnyNamespace().list().getItems().forEach(b -> m.put("pdb "
                + b.getMetadata().getName(), b.getMetadata().getResourceVersion()));
        admin.nodes().list().getItems().forEach(n -> m.put("node " + n.getMetadata().getName(), n.getMetadata().getResourceVersion()
                + " unschedulable=" + unschedulable(n.getMetadata().getName())));
        return m;
    }

    private io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetStatus budget(String name) {
        var b = admin.policy().v1().podDisruptionBudget().inNamespace("default").withName(name).get();
        return b == null ? null : b.getStatus();
    }

    @Test
    void previewSaysWhatADrainWouldEvictLeaveAndRefuseAndWhichBudgetsBlockItChangingNothing() throws Exception {
        start("v1.33.1", "n1");
        workloads.replicaSet("default", "web", 2, false);
        workloads.podDisruptionBudget("default", "web-pdb", "web", "2", null); // minAvailable = replicas: 0 allowed
        workloads.replicaSet("default", "api", 3, false);
        workloads.podDisruptionBudget("default", "api-pdb", "api", null, "1"); // 1 allowed, 3 on the node
        workloads.replicaSet("default", "cache", 1, true);
        workloads.daemonSet("kube-system", "proxy");
        String mirror = workloads.mirrorPod("kube-system", "etcd", "n1");
        workloads.barePod("default", "solo", "n1", false);
        await("workload running", () -> running("web").size() == 2 && running("api").size() == 3
                && running("cache").size() == 1 && running("proxy").size() == 1);
        await("budgets settled", () -> budget("web-pdb") != null && Integer.valueOf(2).equals(budget("web-pdb").getCurrentHealthy())
                && budget("api-pdb") != null && Integer.valueOf(1).equals(budget("api-pdb").getDisruptionsAllowed()));
        Thread.sleep(300); // a few more control-loop rounds: a settled cluster writes nothing
        List<String> web = running("web").stream().map(p -> "default/" + p.getMetadata().getName()).sorted().toList();
        List<String> api = running("api").stream().map(p -> "default/" + p.getMetadata().getName()).sorted().toList();
        String cache = "default/" + running("cache").get(0).getMetadata().getName();
        String proxy = "kube-system/" + running("proxy").get(0).getMetadata().getName();
        var before = snapshot();

        NodeDrainer.Preview p = drainer(quick()).preview("n1");

        assertThat(p.node()).isEqualTo("n1");
        assertThat(p.refused()).isTrue();
        assertThat(p.refusals()).extracting(NodeDrainer.Refusal::pods).containsExactlyInAnyOrder(List.of(cache), List.of("default/solo"));
        assertThat(p.refusalMessage()).startsWith("cannot drain node n1, nothing was changed: ")
                .contains("local storage").contains("delete-emptydir-data").contains("declare no controller");
        // the same wording as the drain's own refusal
        String refusal = org.assertj.core.api.Assertions.catchThrowable(() -> drainer(quick()).drain("n1")).getMessage();
        assertThat(p.refusalMessage()).isEqualTo(refusal);
        assertThat(p.left()).containsExactlyInAnyOrder(new NodeDrainer.LeftPod(proxy, "DaemonSet-managed"),
                new NodeDrainer.LeftPod("kube-system/" + mirror, "mirror pod of a static pod (the kubelet owns it)"));
        assertThat(p.evict()).extracting(NodeDrainer.Evictable::pod)
                .containsExactlyInAnyOrderElementsOf(java.util.stream.Stream.concat(web.stream(), api.stream()).toList());
        assertThat(p.evict()).allMatch(e -> "ReplicaSet".equals(e.ownerKind()));
        NodeDrainer.Blocker webBlock = new NodeDrainer.Blocker("default/web-pdb", "2", null, 0, 2, null);
        NodeDrainer.Blocker apiBlock = new NodeDrainer.Blocker("default/api-pdb", null, "1", 1, 3,
                "the drain would evict 3 of its pods from this node");
        for (NodeDrainer.Evictable e : p.evict()) {
            assertThat(e.blockedBy()).as(e.pod()).containsExactly(web.contains(e.pod()) ? webBlock : apiBlock);
        }
        assertThat(p.blockers()).containsExactlyInAnyOrder(webBlock, apiBlock);
        assertThat(webBlock.describe()).isEqualTo("PDB default/web-pdb (minAvailable 2, 0 disruptions allowed)");
        assertThat(apiBlock.describe()).isEqualTo("PDB default/api-pdb (maxUnavailable 1, 1 disruption allowed, 3 of its pods "
                + "on this node): the drain would evict 3 of its pods from this node");

        // with the options the refused pods would be evicted too: the bare one without an owner kind, neither under a budget
        NodeDrainer.Preview forced = drainer(quick().withForce(true).withDeleteEmptyDirData(true)).preview("n1");
        assertThat(forced.refused()).isFalse();
        assertThat(forced.evict()).filteredOn(e -> e.pod().equals(cache) || e.pod().equals("default/solo"))
                .containsExactlyInAnyOrder(new NodeDrainer.Evictable(cache, "ReplicaSet", List.of()),
                        new NodeDrainer.Evictable("default/solo", null, List.of()));

        Thread.sleep(300); // a write the previews made would show by now
        assertThat(snapshot()).as("a preview changes nothing").isEqualTo(before);
        assertThat(budget("web-pdb").getDisruptedPods()).isNullOrEmpty();
        assertThat(budget("api-pdb").getDisruptedPods()).isNullOrEmpty();
        assertThat(unschedulable("n1")).isFalse();
        assertThat(progress).isEmpty();

        // the drain itself agrees: with those options it evicts what no budget blocks and one api pod (its budget allows
        // one), and the pods of the budgets the preview named are still there at the timeout (force deletes them then)
        NodeDrainer.Result r = drainer(quick().withForce(true).withDeleteEmptyDirData(true).withTimeout(Duration.ofSeconds(2)))
                .drain("n1");
        assertThat(r.evicted()).contains(cache, "default/solo").hasSize(3);
        assertThat(r.evicted()).filteredOn(api::contains).hasSize(1);
        List<String> apiLeft = api.stream().filter(a -> !r.evicted().contains(a)).toList();
        assertThat(r.forceDeleted()).containsExactlyInAnyOrderElementsOf(java.util.stream.Stream.concat(web.stream(), apiLeft.stream()).toList());
    }

    /** A pod under two budgets: the Eviction API answers 500 whatever they allow; the preview names both. */
    @Test
    void previewNamesBothBudgetsOfAPodUnderTwo() throws Exception {
        start("v1.33.1", "n1");
        workloads.replicaSet("default", "web", 1, false);
        workloads.podDisruptionBudget("default", "web-a", "web", "0", null);
        workloads.podDisruptionBudget("default", "web-b", "web", null, "1");
        await("running", () -> running("web").size() == 1);
        await("budgets settled", () -> budget("web-a") != null && Integer.valueOf(1).equals(budget("web-a").getDisruptionsAllowed())
                && budget("web-b") != null && Integer.valueOf(1).equals(budget("web-b").getDisruptionsAllowed()));
        String web = "default/" + running("web").get(0).getMetadata().getName();

        NodeDrainer.Preview p = drainer(quick()).preview("n1");

        String why = "the pod is under more than one PodDisruptionBudget (default/web-a, default/web-b), which the Eviction "
                + "API refuses (HTTP 500) whatever they allow";
        assertThat(p.evict()).containsExactly(new NodeDrainer.Evictable(web, "ReplicaSet", List.of(
                new NodeDrainer.Blocker("default/web-a", "0", null, 1, 0, why),
                new NodeDrainer.Blocker("default/web-b", null, "1", 1, 0, why))));
        // and the drain meets exactly that
        assertThatThrownBy(() -> drainer(quick()).drain("n1")).isInstanceOf(UserFacingException.class)
                .hasMessageContaining("more than one PodDisruptionBudget");
    }

    /** A user without the drain's rights: the 403 names the refused right and lists what plan/remove/upgrade need. */
    @Test
    void aPreviewWithoutTheRightToListPodsNamesTheMissingRight() {
        start("v1.33.1", "n1");
        server.addToken("viewer-token-0123456789", "viewer", List.of("system:authenticated"));
        try (KubeConnection limited = KubeConnection.of(server.clientConfig("viewer-token-0123456789"),
                "the viewer's kubeconfig", Duration.ofSeconds(5))) {
            assertThatThrownBy(() -> new NodeDrainer(limited, release, quick(), progress::add).preview("n1"))
                    .isInstanceOf(UserFacingException.class)
                    .hasMessageContaining("refused to let the user of the viewer's kubeconfig list poddisruptionbudgets (403 Forbidden)")
                    .hasMessageContaining("plan (its drain preview), remove and upgrade (their drain): list/get pods, get "
                            + "daemonsets, list poddisruptionbudgets");
            assertThatThrownBy(() -> new NodeDrainer(limited, release, quick(), progress::add).preview("n1", List.of()))
                    .isInstanceOf(UserFacingException.class)
                    .hasMessageContaining("refused to let the user of the viewer's kubeconfig list pods (403 Forbidden)");
        }
    }

    /**
     * A 1.21 cluster evicts in policy/v1beta1, and serves its budgets in both policy versions (one stored object):
     * the preview reads the budget the eviction meets.
     */
    @Test
    void previewOnA121ClusterSeesTheBudgetItsEvictionMeets() throws Exception {
        start("v1.21.14", "n1");
        workloads.replicaSet("default", "web", 2, false);
        workloads.podDisruptionBudget("default", "web-pdb", "web", "2", null);
        await("running", () -> running("web").size() == 2);
        await("budget settled", () -> budget("web-pdb") != null && Integer.valueOf(2).equals(budget("web-pdb").getCurrentHealthy()));

        NodeDrainer.Preview p = drainer(quick()).preview("n1");

        assertThat(p.blockers()).containsExactly(new NodeDrainer.Blocker("default/web-pdb", "2", null, 0, 2, null));
        NodeDrainer.Result r = drainer(quick().withTimeout(Duration.ofSeconds(1))).drain("n1");
        assertThat(r.failure()).contains("The disruption budget web-pdb needs 2 healthy pods and has 2 currently");
    }

    /** kube-apiserver serves a budget only in the policy versions its release has: policy/v1 from 1.21, v1beta1 until 1.24. */
    @Test
    void budgetsAreServedInTheReleasesPolicyVersionsOnly() {
        start("v1.20.15");
        workloads.podDisruptionBudget("default", "old", "web", "1", null);
        assertThat(admin.policy().v1beta1().podDisruptionBudget().inNamespace("default").withName("old").get().getApiVersion())
                .isEqualTo("policy/v1beta1");
        assertThatThrownBy(() -> admin.policy().v1().podDisruptionBudget().inAnyNamespace().list())
                .isInstanceOfSatisfying(io.fabric8.kubernetes.client.KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(404));
        conn.close();
        server.close();
        start("v1.25.0");
        workloads.podDisruptionBudget("default", "new", "web", "1", null);
        assertThat(admin.policy().v1().podDisruptionBudget().inNamespace("default").withName("new").get()).isNotNull();
        assertThatThrownBy(() -> admin.policy().v1beta1().podDisruptionBudget().inAnyNamespace().list())
                .isInstanceOfSatisfying(io.fabric8.kubernetes.client.KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(404));
    }

    @Test
    void olderClustersGetAPolicyV1beta1Eviction() throws Exception {
        start("v1.21.14", "n1", "n2");
        workloads.replicaSet("default", "web", 2, false);
        await("running", () -> running("web").size() == 2);
        NodeDrainer.Result r = drainer(quick()).drain("n1");
        assertThat(r.completed()).as(r.failure()).isTrue();
        assertThat(r.evicted()).hasSize(1);
    }
}
