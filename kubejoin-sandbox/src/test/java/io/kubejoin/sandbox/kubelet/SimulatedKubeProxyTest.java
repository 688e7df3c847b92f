package io.kubejoin.sandbox.kubelet;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubejoin.version.KubeVersion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import io.kubejoin.sandbox.RenderedNodes;
import io.kubejoin.sandbox.api.SandboxApiServer;
import io.kubejoin.sandbox.node.SimulatorRuntime;

/** SimulatedKubeProxy on files rendered by kubejoin's real renderers. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SimulatedKubeProxyTest {
    static SimulatorRuntime runtime;
    static SandboxApiServer server;

    @BeforeAll
    static void start() {
        runtime = SimulatorRuntime.create();
        server = SandboxApiServer.start(SandboxApiServer.Options.defaults().withSigner(false));
    }

    @AfterAll
    static void stop() {
        server.close();
        runtime.close();
    }

    private SimulatedKubeProxy proxy(RenderedNodes nodes, String node, String kubeletName, String version, boolean strict)
            throws InterruptedException {
        return proxy(nodes, node, kubeletName, version, new SimulatedKubeProxy.Options(strict));
    }

    private SimulatedKubeProxy proxy(RenderedNodes nodes, String node, String kubeletName, String version,
                                     SimulatedKubeProxy.Options options) throws InterruptedException {
        // started after its kubelet registered the Node (join's order): the API server has it
        SimulatedKubeProxy p = new SimulatedKubeProxy(runtime, nodes.root(node), kubeletName, KubeVersion.parse(version),
                options, n -> n.equals(kubeletName) ? "127.0.2.99" : null);
        p.start();
        p.awaitStarted(10, TimeUnit.SECONDS);
        return p;
    }

    @Test
    void renderedConfigRunsAndIsHealthy(@TempDir Path tmp) throws Exception {
        for (String version : new String[] {"1.17.2", "1.32.4"}) {
            RenderedNodes nodes = RenderedNodes.render(server, tmp.resolve(version), version, version.equals("1.17.2") ? "docker" : "containerd",
                    "p1", "127.0.2.1");
            SimulatedKubeProxy p = proxy(nodes, "p1", "p1", version, true);
            assertThat(p.state()).as("%s journal %s", version, p.journal().lines()).isEqualTo(SimulatedKubeProxy.State.RUNNING);
            assertThat(p.awaitRulesSynced(10, TimeUnit.SECONDS)).isTrue();
            assertThat(p.healthz()).isEqualTo(200);
            p.stop();
            assertThat(p.healthz()).isZero();
        }
    }

    /**
     * Started before its kubelet registered the Node: 1.29-1.33 read the Node with backoff and 1.34 polls it, with no
     * healthz server and no rules meanwhile, then go on with the bindAddress as node IP; 1.17-1.28 with a bindAddress
     * never read it.
     */
    @Test
    void startedBeforeItsNodeExistsItWaitsWhereTheReleaseDoes(@TempDir Path tmp) throws Exception {
        for (String version : new String[] {"1.30.4", "1.34.2"}) {
            RenderedNodes nodes = RenderedNodes.render(server, tmp.resolve(version), version, "containerd", "p7", "127.0.2.7");
            java.util.concurrent.atomic.AtomicBoolean registered = new java.util.concurrent.atomic.AtomicBoolean();
            SimulatedKubeProxy p = new SimulatedKubeProxy(runtime, nodes.root("p7"), "p7", KubeVersion.parse(version),
                    SimulatedKubeProxy.Options.defaults(), n -> registered.get() ? "127.0.2.200" : null);
            p.start();
            p.awaitStarted(10, TimeUnit.SECONDS);
            assertThat(p.state()).as(version).isEqualTo(SimulatedKubeProxy.State.RUNNING);
            Thread.sleep(1500);
            assertThat(p.healthz()).as("%s: no healthz server while it looks for its Node", version).isZero();
            assertThat(p.rulesSynced()).as(version).isFalse();
            registered.set(true);
            assertThat(p.awaitRulesSynced(10, TimeUnit.SECONDS)).as(version).isTrue();
            assertThat(p.healthz()).isEqualTo(200);
            assertThat(p.nodeIp()).as("%s: the bindAddress overrides the Node's address", version).isEqualTo("127.0.2.7");
            if (version.startsWith("1.30")) {
                assertThat(p.journal().lines()).anyMatch(l -> l.contains("Failed to retrieve node info"));
            }
            p.stop();
        }
        RenderedNodes old = RenderedNodes.render(server, tmp.resolve("1.17.2"), "1.17.2", "docker", "p8", "127.0.2.8");
        SimulatedKubeProxy p = new SimulatedKubeProxy(runtime, old.root("p8"), "p8", KubeVersion.parse("1.17.2"),
                SimulatedKubeProxy.Options.defaults(), n -> null);
        p.start();
        assertThat(p.awaitRulesSynced(10, TimeUnit.SECONDS)).as("1.17 with a bindAddress does not read its Node").isTrue();
        assertThat(p.nodeIp()).isEqualTo("127.0.2.8");
        assertThat(p.journal().lines()).noneMatch(l -> l.contains("Failed to retrieve node info"));
        p.stop();
    }

    /** As the real one: healthz refused, then 200 while starting up; the service rules only after the first sync. */
    @Test
    void theRulesComeWithTheFirstSyncAfterTheStart(@TempDir Path tmp) throws Exception {
        RenderedNodes nodes = RenderedNodes.render(server, tmp, "1.32.4", "containerd", "p5", "127.0.2.5");
        long start = System.nanoTime();
        SimulatedKubeProxy p = proxy(nodes, "p5", "p5", "1.32.4",
                new SimulatedKubeProxy.Options(false, java.time.Duration.ofSeconds(2)));
        assertThat(p.state()).isEqualTo(SimulatedKubeProxy.State.RUNNING);
        assertThat(p.rulesSynced()).as("no rules before the first sync").isFalse();
        // from 1.29 its Node is read first (here found at once), then healthz listens ~0.25 s later
        while (p.healthz() != 200 && System.nanoTime() - start < 1_500_000_000L) Thread.sleep(20);
        assertThat(p.healthz()).as("healthy while starting up").isEqualTo(200);
        assertThat(p.rulesSynced()).isFalse();
        assertThat(p.journal().lines()).noneMatch(l -> l.contains("Syncing"));
        assertThat(p.awaitRulesSynced(10, TimeUnit.SECONDS)).isTrue();
        assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(1900);
        assertThat(p.journal().lines()).anyMatch(l -> l.contains("Proxier rules"));
        assertThat(SimulatedKubeProxy.Options.defaults().firstSync()).isEqualTo(java.time.Duration.ofMillis(500));
        assertThat(SimulatedKubeProxy.Options.firstSyncFor(10_000)).isEqualTo(java.time.Duration.ofMillis(5500));
        p.stop();
    }

    @Test
    void hostnameOverrideDifferentFromKubeletsIsTheArticlesT3(@TempDir Path tmp) throws Exception {
        RenderedNodes nodes = RenderedNodes.render(server, tmp, "1.32.4", "containerd", "p2", "127.0.2.2");
        SimulatedKubeProxy p = proxy(nodes, "p2", "slave", "1.32.4", false);
        assertThat(p.state()).isEqualTo(SimulatedKubeProxy.State.RUNNING);
        assertThat(p.rulesSynced()).isFalse();
        long end = System.nanoTime() + 5_000_000_000L;
        while (p.healthz() == 0 && System.nanoTime() < end) Thread.sleep(20); // until its healthz server listens
        assertThat(p.healthz()).isEqualTo(503);
        assertThat(p.journal().lines()).anyMatch(l -> l.contains("can't determine this node's IP"))
                .anyMatch(l -> l.contains("nodes \\\"p2\\\" not found"));
    }

    @Test
    void removedFlagIsRefused(@TempDir Path tmp) throws Exception {
        RenderedNodes nodes = RenderedNodes.render(server, tmp, "1.26.15", "containerd", "p3", "127.0.2.3");
        assertThat(Files.readString(nodes.root("p3").resolve("etc/systemd/system/kube-proxy.service"))).doesNotContain("logtostderr");
        nodes.edit("p3", SimulatedKubeProxy.UNIT, u -> u.replace("  --v=2", "  --logtostderr=true \\\n  --v=2"));
        SimulatedKubeProxy p = proxy(nodes, "p3", "p3", "1.26.15", false);
        assertThat(p.state()).isEqualTo(SimulatedKubeProxy.State.FAILED);
        assertThat(p.failureReason()).isEqualTo("unknown flag: --logtostderr");
        assertThat(p.journal().last(1).get(0)).contains("Error: unknown flag: --logtostderr");
        assertThat(p.healthz()).isZero();
    }

    @Test
    void unknownFieldWarnsOrIsRefusedWhenStrict(@TempDir Path tmp) throws Exception {
        RenderedNodes nodes = RenderedNodes.render(server, tmp, "1.32.4", "containerd", "p4", "127.0.2.4");
        nodes.edit("p4", "/etc/kubernetes/kube-proxy-config.yaml", c -> c + "udpIdleTimeout: 250ms\n"); // gone in 1.26
        SimulatedKubeProxy strict = proxy(nodes, "p4", "p4", "1.32.4", true);
        assertThat(strict.state()).isEqualTo(SimulatedKubeProxy.State.FAILED);
        assertThat(strict.failureReason()).contains("unknown field \"udpIdleTimeout\"");
        SimulatedKubeProxy lenient = proxy(nodes, "p4", "p4", "1.32.4", false);
        assertThat(lenient.state()).isEqualTo(SimulatedKubeProxy.State.RUNNING);
        assertThat(lenient.journal().lines()).anyMatch(l -> l.startsWith("W") && l.contains("udpIdleTimeout"));
    }

    @Test
    void modeTheReleaseLacksIsRefused(@TempDir Path tmp) throws Exception {
        RenderedNodes nodes = RenderedNodes.render(server, tmp, "1.27.16", "containerd", "p5", "127.0.2.5");
        nodes.edit("p5", "/etc/kubernetes/kube-proxy-config.yaml", c -> c.replace("mode: ipvs", "mode: nftables"));
        SimulatedKubeProxy p = proxy(nodes, "p5", "p5", "1.27.16", false);
        assertThat(p.state()).isEqualTo(SimulatedKubeProxy.State.FAILED);
        assertThat(p.failureReason()).contains("nftables");
    }

    // kube-proxy's Node lookup as the sandbox makes it (ApiNodeLookup): a GET of the Node from the API server, over HTTPS

    /**
     * One lookup's answer; a lookup that timed out (the first TLS connection of a loaded machine can take longer than
     * the request's 10 s) is asked again, as kube-proxy asks again. A wrong answer or any other failure is not.
     */
    private String lookUp(ApiNodeLookup lookup, String name) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                return lookup.addressAsync(name, runtime).toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                boolean timedOut = e.getCause() != null && String.valueOf(e.getCause().getMessage()).contains("timeout");
                if (!timedOut || attempt == 3) throw e;
            }
        }
    }

    @Test
    void noNodeYetThenItsInternalIpElseItsExternalIp() throws Exception {
        ApiNodeLookup lookup = new ApiNodeLookup(server.url(), server.caCertificatePem(), server.adminToken());
        assertThat(lookUp(lookup, "lookup-1")).as("404 while the Node does not exist").isNull();
        KubernetesClient admin = server.adminClient();
        admin.nodes().resource(new NodeBuilder().withNewMetadata().withName("lookup-1").endMetadata()
                .withNewStatus().addNewAddress().withType("Hostname").withAddress("lookup-1").endAddress()
                .addNewAddress().withType("ExternalIP").withAddress("127.0.3.2").endAddress()
                .addNewAddress().withType("InternalIP").withAddress("127.0.3.1").endAddress().endStatus().build()).create();
        admin.nodes().resource(new NodeBuilder().withNewMetadata().withName("lookup-2").endMetadata()
                .withNewStatus().addNewAddress().withType("ExternalIP").withAddress("127.0.3.9").endAddress().endStatus().build()).create();
        admin.nodes().resource(new NodeBuilder().withNewMetadata().withName("lookup-3").endMetadata().build()).create();
        assertThat(lookUp(lookup, "lookup-1")).isEqualTo("127.0.3.1");
        assertThat(lookUp(lookup, "lookup-2")).isEqualTo("127.0.3.9");
        assertThat(lookUp(lookup, "lookup-3")).as("a Node without addresses").isNull();
    }

    @Test
    void aRefusedRequestFailsTheLookup() {
        ApiNodeLookup lookup = new ApiNodeLookup(server.url(), server.caCertificatePem(), "not-a-token");
        assertThat(lookup.addressAsync("lookup-1", runtime).toCompletionStage().toCompletableFuture())
                .failsWithin(20, TimeUnit.SECONDS);
    }
}
