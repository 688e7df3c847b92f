package io.kubejoin.sandbox.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubejoin.sandbox.RawApi;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The drain-facing simulators against eviction.go's rules: allowed, blocked by a budget, replacements scheduled. */
class WorkloadsTest {
    private SandboxApiServer server;
    private KubernetesClient admin;
    private RawApi raw;
    private Workloads workloads;

    private void start(String version, String... nodes) {
        server = SandboxApiServer.start(SandboxApiServer.Options.defaults().withGitVersion(version).withSigner(false));
        admin = server.adminClient();
        raw = new RawApi(server);
        for (String n : nodes) node(n);
        workloads = server.workloads().delays(Duration.ofMillis(50), Duration.ofMillis(50), Duration.ofMillis(100));
    }

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    private void node(String name) {
        Node n = new NodeBuilder().withNewMetadata().withName(name).endMetadata()
                .withNewStatus().addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus().build();
        admin.nodes().resource(n).create();
    }

    private void cordon(String name) {
        admin.nodes().withName(name).edit(n -> new NodeBuilder(n).editSpec().withUnschedulable(true).endSpec().build());
    }

    private List<Pod> pods(String app) {
        return admin.pods().inNamespace("default").withLabel("app", app).list().getItems();
    }

    private List<Pod> running(String app) {
        return pods(app).stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null
                && p.getStatus() != null && "Running".equals(p.getStatus().getPhase())).toList();
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) throw new AssertionError("timed out waiting: " + what);
            Thread.sleep(20);
        }
    }

    private RawApi.Answer evict(String pod, String apiVersion) {
        return raw.post("/api/v1/namespaces/default/pods/" + pod + "/eviction", server.adminToken(),
                "{\"apiVersion\":\"" + apiVersion + "\",\"kind\":\"Eviction\",\"metadata\":{\"name\":\"" + pod
                        + "\",\"namespace\":\"default\"}}");
    }

    private Pod on(String app, String node) {
        return running(app).stream().filter(p -> node.equals(p.getSpec().getNodeName())).findFirst().orElseThrow();
    }

    @Test
    void replicasSpreadEvictionDeletesGracefullyAndTheReplacementAvoidsTheCordonedNode() throws Exception {
        start("v1.33.1", "n1", "n2", "n3");
        workloads.replicaSet("default", "web", 3, false);
        await("3 running", () -> running("web").size() == 3);
        assertThat(running("web")).extracting(p -> p.getSpec().getNodeName()).containsExactlyInAnyOrder("n1", "n2", "n3");
        cordon("n1");
        Pod victim = on("web", "n1");
        workloads.delays(Duration.ofMillis(50), Duration.ofMillis(50), Duration.ofSeconds(1));

        RawApi.Answer a = evict(victim.getMetadata().getName(), "policy/v1");

        assertThat(a.code()).as(a.body()).isEqualTo(201);
        assertThat(a.body()).contains("\"status\":\"Success\"");
        // graceful: terminating first, gone once the kubelet confirms
        Pod terminating = admin.pods().inNamespace("default").withName(victim.getMetadata().getName()).get();
        assertThat(terminating.getMetadata().getDeletionTimestamp()).isNotNull();
        assertThat(terminating.getMetadata().getDeletionGracePeriodSeconds()).isEqualTo(30L);
        // the ReplicaSet does not wait for the end: its replacement exists while the old pod terminates
        await("replacement made", () -> pods("web").size() == 4);
        await("evicted pod gone", () -> admin.pods().inNamespace("default").withName(victim.getMetadata().getName()).get() == null);
        await("replacement running", () -> running("web").size() == 3);
        assertThat(running("web")).extracting(p -> p.getSpec().getNodeName()).doesNotContain("n1");
    }

    @Test
    void aBudgetWithNoDisruptionAllowedAnswers429AndThePodStays() throws Exception {
        start("v1.33.1", "n1", "n2", "n3");
        workloads.replicaSet("default", "web", 3, false);
        workloads.podDisruptionBudget("default", "web-pdb", "web", "3", null);
        await("3 running", () -> running("web").size() == 3);
        await("budget observed", () -> {
            var pdb = admin.policy().v1().podDisruptionBudget().inNamespace("default").withName("web-pdb").get();
            return pdb.getStatus() != null && Integer.valueOf(3).equals(pdb.getStatus().getCurrentHealthy());
        });
        Pod victim = on("web", "n1");

        RawApi.Answer a = evict(victim.getMetadata().getName(), "policy/v1");

        assertThat(a.code()).as(a.body()).isEqualTo(429);
        assertThat(a.body()).contains("\"reason\":\"TooManyRequests\"")
                .contains("Cannot evict pod as it would violate the pod's disruption budget.")
                .contains("The disruption budget web-pdb needs 3 healthy pods and has 3 currently");
        Thread.sleep(300);
        assertThat(admin.pods().inNamespace("default").withName(victim.getMetadata().getName()).get().getMetadata()
                .getDeletionTimestamp()).isNull();
    }

    @Test
    void maxUnavailableOneLetsOneEvictionThroughAndRefusesTheNextUntilTheReplacementIsReady() throws Exception {
        start("v1.33.1", "n1", "n2", "n3");
        workloads.replicaSet("default", "web", 3, false);
        workloads.podDisruptionBudget("default", "web-pdb", "web", null, "1");
        await("3 running", () -> running("web").size() == 3);
        await("one disruption allowed", () -> {
            var pdb = admin.policy().v1().podDisruptionBudget().inNamespace("default").withName("web-pdb").get();
            return pdb.getStatus() != null && Integer.valueOf(1).equals(pdb.getStatus().getDisruptionsAllowed());
        });
        assertThat(evict(on("web", "n1").getMetadata().getName(), "policy/v1").code()).isEqualTo(201);
        // the budget was spent at once (disruptedPods), before any controller ran
        RawApi.Answer second = evict(on("web", "n2").getMetadata().getName(), "policy/v1");
        assertThat(second.code()).as(second.body()).isEqualTo(429);
        await("replacement running and budget back", () -> running("web").size() == 3 && admin.policy().v1()
                .podDisruptionBudget().inNamespace("default").withName("web-pdb").get().getStatus().getDisruptionsAllowed() == 1);
        assertThat(evict(on("web", "n2").getMetadata().getName(), "policy/v1").code()).isEqualTo(201);
    }

    @Test
    void withEveryNodeCordonedTheReplacementStaysPending() throws Exception {
        start("v1.33.1", "n1", "n2");
        workloads.replicaSet("default", "web", 2, false);
        await("2 running", () -> running("web").size() == 2);
        cordon("n1");
        cordon("n2");
        assertThat(evict(on("web", "n1").getMetadata().getName(), "policy/v1").code()).isEqualTo(201);
        await("replacement created", () -> pods("web").stream().anyMatch(p -> p.getSpec().getNodeName() == null));
        Thread.sleep(400);
        assertThat(pods("web")).filteredOn(p -> p.getSpec().getNodeName() == null).singleElement()
                .satisfies(p -> assertThat(p.getStatus().getPhase()).isEqualTo("Pending"));
    }

    @Test
    void policyV1EvictionIsRefusedBefore122AndV1beta1Accepted() throws Exception {
        start("v1.21.14", "n1");
        workloads.replicaSet("default", "web", 2, false);
        await("2 running", () -> running("web").size() == 2);
        String name = running("web").get(0).getMetadata().getName();
        RawApi.Answer v1 = evict(name, "policy/v1");
        assertThat(v1.code()).as(v1.body()).isEqualTo(400);
        assertThat(v1.body()).contains("policy/v1");
        assertThat(evict(name, "policy/v1beta1").code()).isEqualTo(201);
    }

    @Test
    void podsSelectByNodeNameAsKubeApiserverDoes() throws Exception {
        start("v1.33.1", "n1", "n2");
        workloads.barePod("default", "solo", "n2", false);
        workloads.mirrorPod("kube-system", "etcd", "n1");
        assertThat(admin.pods().inAnyNamespace().withField("spec.nodeName", "n2").list().getItems())
                .extracting(p -> p.getMetadata().getName()).containsExactly("solo");
        assertThat(admin.pods().inAnyNamespace().withField("spec.nodeName", "n1").list().getItems())
                .extracting(p -> p.getMetadata().getName()).containsExactly("etcd-n1");
        RawApi.Answer bad = raw.get("/api/v1/pods?fieldSelector=spec.bogus%3Dx", server.adminToken());
        assertThat(bad.code()).isEqualTo(400);
        assertThat(bad.body()).contains("field label not supported: spec.bogus");
    }
}
