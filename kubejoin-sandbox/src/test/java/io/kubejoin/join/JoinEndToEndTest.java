package io.kubejoin.join;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubejoin.inventory.Network;
import io.kubejoin.cluster.KubeConnection;
import io.kubejoin.inventory.Inventory;
import io.kubejoin.inventory.InventoryLoader;
import io.kubejoin.remote.Transport;
import io.kubejoin.join.phases.VerifyPhase;
import io.kubejoin.sandbox.node.NodeSshServer;
import io.kubejoin.sandbox.api.SandboxApiServer;
import io.kubejoin.sandbox.SandboxNode;
import io.kubejoin.sandbox.kubelet.SimulatedKubelet;
import io.kubejoin.sandbox.node.SimulatorRuntime;
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
 * A whole join of three nodes of the examples/current inventory (labels, taints, per-node overrides) against the
 * sandbox: API server with bootstrap-token auth and the csrsigning simulator, sandbox machines reached in-process
 * ({@link InProcessNode}) whose kubelet and kube-proxy simulators read what the join pushed. The e2e suite does the
 * same over SSH.
 */
@Timeout(180)
class JoinEndToEndTest {
    @TempDir
    Path dir;
    SandboxApiServer sandbox;
    SimulatorRuntime runtime;
    KubeConnection conn;
    Inventory inv;
    final Map<String, InProcessNode> nodes = new ConcurrentHashMap<>();
    final List<String> progress = new ArrayList<>();
    SimulatedKubelet.Options kubeletOptions = SimulatedKubelet.Options.defaults();
    /** kube-proxy's first sync on the nodes opened next (null: the simulator's default, 0.5 s) */
    Duration kubeProxyFirstSync;
    /** the node whose container runtime is down (its socket missing), or null */
    String runtimeDownOn;
    /** Changes a machine before the join first reaches it. */
    java.util.function.Consumer<SandboxNode> machineSetup = m -> { };

    @BeforeEach
    void start() throws Exception {
        Path pki = Path.of("examples/pki").toAbsolutePath();
        // the sandbox serves and signs with the inventory's CA, as the cluster of a real inventory does: the
        // kubelets verify the API server with the CA their bootstrap kubeconfig embeds
        var ca = io.kubejoin.pki.CertificateAuthority.load(pki.resolve("ca.pem"), "pki.caCert", pki.resolve("ca-key.pem"), "pki.caKey");
        sandbox = SandboxApiServer.start(SandboxApiServer.Options.defaults().withGitVersion("v1.34.2")
                .withCa(io.kubejoin.sandbox.tls.SandboxCa.of(ca)));
        runtime = SimulatorRuntime.create();
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Files.writeString(bin.resolve("kubelet"), "#!/bin/sh\n# stands for kubelet: the simulator runs instead\n");
        Files.writeString(bin.resolve("kube-proxy"), "#!/bin/sh\n# stands for kube-proxy\n");
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
        nodes.values().forEach(n -> n.node.shutdown());
        runtime.close();
        conn.close();
        sandbox.close();
    }

    private Transport open(io.kubejoin.inventory.Node node) {
        return nodes.computeIfAbsent(node.name(), n -> {
            try {
                SandboxNode machine = new SandboxNode(n, node.address(), Files.createDirectories(dir.resolve("nodes").resolve(n)),
                        NodeSshServer.generateHostKey(), inv.kubernetesVersion(), runtime,
                        Network.kubernetesServiceIp(inv.network().serviceCIDR()), "/run/containerd/containerd.sock");
                // containerd set up for the inventory's kubelet (cgroupDriver: systemd), as Sandbox sets its machines up
                machine.host().systemdCgroup(true);
                if (kubeletOptions.forgeCsrForNode() != null) machine.forgeCsrFor(kubeletOptions.forgeCsrForNode());
                if (kubeProxyFirstSync != null) machine.kubeProxyFirstSync(kubeProxyFirstSync);
                if (n.equals(runtimeDownOn)) machine.runtimeDown(true);
                machineSetup.accept(machine);
                return new InProcessNode(machine);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    private Join.Outcome join() throws InterruptedException {
        return join(Duration.ofSeconds(60), io.kubejoin.join.phases.VerifyPhase.DEFAULT_TIMEOUT);
    }

    private Join.Outcome join(Duration readyTimeout, Duration verifyTimeout) throws InterruptedException {
        return join(Set.of(), readyTimeout, verifyTimeout);
    }

    private Join.Outcome join(Set<String> skip, Duration readyTimeout, Duration verifyTimeout) throws InterruptedException {
        Join.Settings settings = new Join.Settings(skip,
                new JoinRunner.Options(8, 1, Duration.ofMillis(10), false), readyTimeout, false,
                Duration.ofDays(365), verifyTimeout);
        return Join.run(inv, conn, new StateStore(dir.resolve("state")), this::open, settings, Clock.systemUTC(),
                line -> { synchronized (progress) { progress.add(line); } });
    }

    @Test
    void aMultiHomedNodeRegistersTheInventorysAddressNotWhatItsNameResolvesTo() throws Exception {
        // worker-2's name resolves to its NAT interface, as on many VMs: without --node-ip kubelet would register
        // that address and ask for a serving certificate for it, which the approver rightly refuses
        machineSetup = m -> {
            if (m.name().equals("worker-2")) {
                try {
                    m.hostnameResolvesTo("10.0.2.15");
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        };
        Join.Outcome outcome = join();
        assertThat(outcome.allJoined()).as(String.join("\n", progress)).isTrue();
        for (io.kubejoin.inventory.Node n : inv.nodes()) {
            var node = sandbox.adminClient().nodes().withName(n.name()).get();
            assertThat(node.getStatus().getAddresses()).as(n.name())
                    .anySatisfy(a -> {
                        assertThat(a.getType()).isEqualTo("InternalIP");
                        assertThat(a.getAddress()).isEqualTo(n.address());
                    })
                    .noneSatisfy(a -> assertThat(a.getAddress()).isEqualTo("10.0.2.15"));
        }
        for (io.kubejoin.inventory.Node n : inv.nodes()) {
            // the static pod folder exists, so kubelet does not log about it every fileCheckFrequency
            SandboxNode machine = nodes.get(n.name()).node;
            Path manifests = machine.root().resolve("etc/kubernetes/manifests");
            assertThat(manifests).as(n.name()).isDirectory();
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(manifests)))
                    .isEqualTo("rwxr-xr-x");
            assertThat(machine.kubelet().journal().lines()).as(n.name())
                    .noneMatch(l -> l.contains("Unable to read config path"));
        }
    }

    @Test
    void aNodeWithoutSystemdResolvedGetsEtcResolvConfAndARerunChangesNothing() throws Exception {
        machineSetup = m -> {
            if (m.name().equals("worker-3")) {
                try {
                    m.systemdResolved(false); // Debian, RHEL: no /run/systemd/resolve/resolv.conf
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        };
        Join.Outcome first = join();
        assertThat(first.allJoined()).as(String.join("\n", progress)).isTrue();
        for (io.kubejoin.inventory.Node n : inv.nodes()) {
            SandboxNode machine = nodes.get(n.name()).node;
            // kubelet starts either way; without the file every pod would fail to get its sandbox
            assertThat(machine.kubelet().podDnsError()).as(n.name()).isNull();
            String config = Files.readString(machine.root().resolve("etc/kubernetes/kubelet-config.yaml"));
            assertThat(config).as(n.name()).contains(n.name().equals("worker-3")
                    ? "resolvConf: /etc/resolv.conf" : "resolvConf: /run/systemd/resolve/resolv.conf");
        }
        assertThat(progress).as("the join says so").anyMatch(l -> l.startsWith("worker-3: node-preflight:")
                && l.contains("no systemd-resolved: kubelet's resolvConf is /etc/resolv.conf"));
        progress.clear();
        Join.Outcome second = join();
        assertThat(second.nodes()).allSatisfy(r -> assertThat(r.changed()).as(r.node() + " " + r.phases()).isFalse());
    }

    @Test
    void threeNodesJoinBecomeReadyAndASecondRunChangesNothing() throws Exception {
        Join.Outcome first = join();
        assertThat(first.allJoined()).as(String.join("\n", progress) + "\n" + first.nodes().get(0).journal()).isTrue();
        var client = sandbox.adminClient();
        assertThat(client.nodes().list().getItems()).extracting(n -> n.getMetadata().getName())
                .containsExactlyInAnyOrder("worker-1", "worker-2", "worker-3");
        // tokens are gone once each node holds its certificate
        assertThat(client.secrets().inNamespace("kube-system").list().getItems())
                .noneMatch(s -> "bootstrap.kubernetes.io/token".equals(s.getType()));
        assertThat(first.nodes()).allSatisfy(r -> assertThat(r.phases()).extracting(JoinRunner.PhaseRecord::phase)
                .containsExactly("node-preflight", "binaries", "kubelet-files", "kubelet-start", "wait-ready",
                        "kube-proxy-files", "kube-proxy-start", "verify"));

        var kubelet1 = nodes.get("worker-1").node.kubelet();
        var proxy1 = nodes.get("worker-1").node.kubeProxy();
        progress.clear();
        Join.Outcome second = join();
        assertThat(second.allJoined()).as(String.join("\n", progress)).isTrue();
        assertThat(second.nodes()).allSatisfy(r -> assertThat(r.changed()).as(r.node() + " " + r.phases()).isFalse());
        // the same kubelet and kube-proxy processes: nothing was restarted
        assertThat(nodes.get("worker-1").node.kubelet()).isSameAs(kubelet1);
        assertThat(nodes.get("worker-1").node.kubeProxy()).isSameAs(proxy1);
    }

    /**
     * The API requests of a join do not grow with the nodes beyond what each node needs: the token Secrets are
     * listed once per run (not once per node before its tokens are deleted) and each CSR is approved with one PUT
     * of the object the approver decided on (no GET first). Every token of a Ready node is still deleted, one
     * from an earlier run too, and a token of another tool is left alone.
     */
    @Test
    void aJoinListsTokensOncePerRunApprovesEachCsrWithOnePutAndStillDeletesEveryTokenOfTheNode() throws Exception {
        // created through the join's own connection (its 10 s timeouts ride out a loaded machine); only POSTs, which
        // nothing below counts
        var admin = conn.client();
        java.time.Instant later = java.time.Instant.now().plus(Duration.ofHours(1));
        // worker-1's token from an earlier run that never finished; another tool's token, tied to no node of ours
        admin.secrets().resource(io.kubejoin.render.ClusterManifests.bootstrapTokenSecret(inv,
                new io.kubejoin.token.BootstrapToken("old111", "0123456789abcdef", "worker-1", later))).create();
        admin.secrets().resource(new io.fabric8.kubernetes.api.model.SecretBuilder(io.kubejoin.render.ClusterManifests
                .bootstrapTokenSecret(inv, new io.kubejoin.token.BootstrapToken("kad111", "fedcba9876543210", "worker-2", later)))
                .editMetadata().removeFromLabels(io.kubejoin.render.ClusterManifests.NODE_LABEL).endMetadata().build()).create();

        Join.Outcome outcome = join();
        assertThat(outcome.allJoined()).as(String.join("\n", progress)).isTrue();
        Map<String, Long> sent = conn.sentByKind();
        int n = inv.nodes().size();
        // a client and a serving CSR per node, each approved by one PUT to /approval and not read again first
        assertThat(sent.getOrDefault("PUT certificatesigningrequests/*/approval", 0L)).as(sent.toString()).isEqualTo(2L * n);
        assertThat(sent.getOrDefault("GET certificatesigningrequests/*", 0L)).as(sent.toString()).isZero();
        // the tokens have their hour ahead: none is extended
        assertThat(sent.getOrDefault("PATCH secrets/*", 0L)).as(sent.toString()).isZero();
        // Secret lists: the tokens step's and the approver's, whatever the number of nodes
        assertThat(sent.getOrDefault("GET secrets", 0L)).as(sent.toString()).isLessThanOrEqualTo(2L);
        // the token of each node deleted by its name: the run's and worker-1's old one
        assertThat(sent.getOrDefault("DELETE secrets/*", 0L)).as(sent.toString()).isGreaterThanOrEqualTo(n + 1L);
        assertThat(admin.secrets().inNamespace("kube-system").list().getItems())
                .filteredOn(s -> "bootstrap.kubernetes.io/token".equals(s.getType()))
                .extracting(s -> s.getMetadata().getName()).containsExactly("bootstrap-token-kad111");
        assertThat(outcome.nodes()).filteredOn(r -> r.node().equals("worker-1")).singleElement()
                .satisfies(r -> assertThat(r.phases()).filteredOn(p -> p.phase().equals("wait-ready")).singleElement()
                        .satisfies(p -> assertThat(p.summary()).contains("old111.****")));
    }

    /**
     * The bootstrap kubeconfig serves the first TLS bootstrap only: removed once Ready, never pushed again to a node
     * whose kubelet holds its own certificate (also when node-preflight is skipped), and a kubelet restarted without
     * it goes on with its kubeconfig — unless that kubeconfig is unusable: then, as the real kubelet, it fails
     * naming the missing bootstrap file.
     */
    @Test
    void theBootstrapKubeconfigIsRemovedOnceReadyAndNeverPushedToAJoinedNode() throws Exception {
        io.kubejoin.render.NodeFiles f = new io.kubejoin.render.NodeFiles(inv.paths());
        Join.Outcome first = join();
        assertThat(first.allJoined()).as(String.join("\n", progress)).isTrue();
        for (InProcessNode n : nodes.values()) {
            assertThat(n.root.resolve(f.kubeletBootstrapKubeconfig().substring(1))).doesNotExist();
            assertThat(n.root.resolve(f.kubeletKubeconfig().substring(1))).exists();
        }
        // worker-1's kubelet config drifted: the re-run restores it and restarts kubelet, without a bootstrap kubeconfig
        InProcessNode w1 = nodes.get("worker-1");
        Path config = w1.root.resolve(f.kubeletConfig().substring(1));
        Files.writeString(config, Files.readString(config) + "# drift\n");
        var kubelet1 = w1.node.kubelet();
        Join.Outcome second = join(Set.of("node-preflight"), Duration.ofSeconds(60), VerifyPhase.DEFAULT_TIMEOUT);
        assertThat(second.allJoined()).as(String.join("\n", progress)).isTrue();
        JoinRunner.NodeReport r1 = second.nodes().get(0);
        assertThat(r1.node()).isEqualTo("worker-1");
        assertThat(r1.changedFiles()).containsExactly(f.kubeletConfig());
        assertThat(w1.node.kubelet()).as("restarted").isNotSameAs(kubelet1);
        assertThat(w1.root.resolve(f.kubeletBootstrapKubeconfig().substring(1))).doesNotExist();
        assertThat(second.nodes().subList(1, 3)).allSatisfy(r -> assertThat(r.changedFiles()).isEmpty());

        // an unusable kubelet.kubeconfig and no bootstrap kubeconfig: the kubelet exits naming the missing file
        Files.writeString(w1.root.resolve(f.kubeletKubeconfig().substring(1)), "not: [a kubeconfig\n");
        assertThat(w1.exec("systemctl restart kubelet", Duration.ofSeconds(10)).ok()).isTrue();
        String fatal = "failed to run Kubelet: unable to load bootstrap kubeconfig: stat " + f.kubeletBootstrapKubeconfig()
                + ": no such file or directory";
        List<String> journal = List.of();
        for (long end = System.nanoTime() + Duration.ofSeconds(15).toNanos(); System.nanoTime() < end; Thread.sleep(200)) {
            journal = NodeCommands.journal(w1, "kubelet");
            if (journal.stream().anyMatch(l -> l.contains(fatal))) break;
        }
        assertThat(journal).anyMatch(l -> l.contains(fatal));
        assertThat(io.kubejoin.join.JournalSignatures.match(io.kubejoin.join.JournalSignatures.KUBELET, journal))
                .anySatisfy(m -> assertThat(m.fix()).contains("kubejoin reset NODE"));
    }

    /**
     * Issue 17: where kube-proxy waits for its Node (1.34+; 1.17-1.28 never read it), its files go with kubelet's push
     * and one script starts both units before the Node exists: its phases say so, and the sandbox's kube-proxy
     * found no Node at its first look. A second run changes and restarts nothing (the threeNodes test too).
     */
    @Test
    void kubeProxyStartsWithTheKubeletBeforeItsNodeWhereTheReleaseWaitsForIt() throws Exception {
        assertThat(io.kubejoin.version.VersionRules.kubeProxyMayStartBeforeItsNode(inv.kubernetesVersion())).isTrue();
        Join.Outcome first = join();
        assertThat(first.allJoined()).as(String.join("\n", progress)).isTrue();
        for (JoinRunner.NodeReport r : first.nodes()) {
            assertThat(r.phases()).filteredOn(p -> p.phase().equals("kube-proxy-files")).singleElement()
                    .satisfies(p -> assertThat(p.summary()).isEqualTo("6 of 6 files changed (pushed with kubelet-files)"));
            assertThat(r.phases()).filteredOn(p -> p.phase().equals("kube-proxy-start")).singleElement()
                    .satisfies(p -> assertThat(p.summary()).isEqualTo("kube-proxy restarted (files changed, started with kubelet)"));
            assertThat(nodes.get(r.node()).node.kubeProxy().startedBeforeItsNode()).as(r.node()).isTrue();
        }
        var proxy1 = nodes.get("worker-1").node.kubeProxy();
        progress.clear();
        Join.Outcome second = join();
        assertThat(second.nodes()).allSatisfy(r -> assertThat(r.changed()).as(r.node() + " " + r.phases()).isFalse());
        assertThat(second.nodes().get(0).phases()).filteredOn(p -> p.phase().equals("kube-proxy-start")).singleElement()
                .satisfies(p -> assertThat(p.summary()).isEqualTo("kube-proxy running, unchanged (started with kubelet)"));
        assertThat(nodes.get("worker-1").node.kubeProxy()).isSameAs(proxy1);
    }

    /**
     * Issue 17: 1.29-1.33 kube-proxy reads its Node at start and gives up after ~31 s (kubernetes#119525): it starts
     * only after wait-ready, by its own phase, and finds its Node at once.
     */
    @Test
    void kubeProxyStartsAfterItsNodeIsReadyWhereTheReleaseGivesUpOnIt() throws Exception {
        Files.writeString(dir.resolve("inventory.yaml"), Files.readString(dir.resolve("inventory.yaml"))
                .replace("kubernetesVersion: \"1.34.2\"", "kubernetesVersion: \"1.30.4\""));
        inv = InventoryLoader.load(dir.resolve("inventory.yaml"));
        assertThat(io.kubejoin.version.VersionRules.kubeProxyMayStartBeforeItsNode(inv.kubernetesVersion())).isFalse();
        // the sandbox's control plane is 1.34: four minors ahead of these kubelets, which preflight's skew check refuses
        Join.Outcome first = join(Set.of("preflight"), Duration.ofSeconds(60), VerifyPhase.DEFAULT_TIMEOUT);
        assertThat(first.allJoined()).as(String.join("\n", progress)).isTrue();
        for (JoinRunner.NodeReport r : first.nodes()) {
            assertThat(r.phases()).filteredOn(p -> p.phase().equals("kube-proxy-files")).singleElement()
                    .satisfies(p -> assertThat(p.summary()).isEqualTo("6 of 6 files changed"));
            assertThat(r.phases()).filteredOn(p -> p.phase().equals("kube-proxy-start")).singleElement()
                    .satisfies(p -> assertThat(p.summary()).isEqualTo("kube-proxy restarted (files changed)"));
            SandboxNode machine = nodes.get(r.node()).node;
            assertThat(machine.kubeProxy().startedBeforeItsNode()).as(r.node()).isFalse();
        }
        progress.clear();
        Join.Outcome second = join(Set.of("preflight"), Duration.ofSeconds(60), VerifyPhase.DEFAULT_TIMEOUT);
        assertThat(second.nodes()).allSatisfy(r -> assertThat(r.changed()).as(r.node() + " " + r.phases()).isFalse());
    }

    /**
     * A kubelet before 1.26 posts NotReady first and Ready only at its next node-status sync, 10 s later (the
     * reference 1.24 kubelet: registered 16:14:58.05, NodeReady 16:15:08.3): the join waits for that Ready and
     * succeeds, its wait-ready taking the sync's 10 s.
     */
    @Test
    void anOldTargetJoinsWaitingForTheReadyOfTheKubeletsNextStatusSync() throws Exception {
        Files.writeString(dir.resolve("inventory.yaml"), Files.readString(dir.resolve("inventory.yaml"))
                .replace("kubernetesVersion: \"1.34.2\"", "kubernetesVersion: \"1.24.17\"").replace("mode: nftables", "mode: iptables"));
        inv = InventoryLoader.load(dir.resolve("inventory.yaml"));
        assertThat(io.kubejoin.version.VersionRules.kubeletFastStatusUntilReady(inv.kubernetesVersion())).isFalse();
        // the sandbox's control plane is 1.34, ten minors ahead of these kubelets: preflight's skew check refuses it
        Join.Outcome outcome = join(Set.of("preflight"), Duration.ofSeconds(60), VerifyPhase.DEFAULT_TIMEOUT);
        assertThat(outcome.allJoined()).as(String.join("\n", progress)).isTrue();
        for (JoinRunner.NodeReport r : outcome.nodes()) {
            PhaseRecordCheck.tookAtLeast(r, "wait-ready", Duration.ofSeconds(10));
            SimulatedKubelet k = nodes.get(r.node()).node.kubelet();
            assertThat(k.journal().lines()).as(r.node()).anyMatch(l -> l.contains("event=\"NodeReady\""))
                    .noneMatch(l -> l.contains("Fast updating node status"));
        }
        assertThat(sandbox.adminClient().nodes().list().getItems()).allSatisfy(n -> assertThat(n.getStatus().getConditions())
                .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True")));
    }

    /** From 1.26 the kubelet retries its status every 100 ms until Ready: the join's wait is not held up by a sync. */
    @Test
    void aCurrentTargetTurnsReadyOnTheKubeletsFastStatusPath() throws Exception {
        assertThat(io.kubejoin.version.VersionRules.kubeletFastStatusUntilReady(inv.kubernetesVersion())).isTrue();
        Join.Outcome outcome = join();
        assertThat(outcome.allJoined()).as(String.join("\n", progress)).isTrue();
        for (JoinRunner.NodeReport r : outcome.nodes()) {
            SimulatedKubelet k = nodes.get(r.node()).node.kubelet();
            assertThat(k.journal().lines()).as(r.node()).anyMatch(l -> l.contains("Fast updating node status as it just became ready"));
            assertThat(r.phases()).filteredOn(p -> p.phase().equals("wait-ready")).singleElement()
                    .satisfies(p -> assertThat(p.took()).as(r.node()).isLessThan(Duration.ofSeconds(10)));
        }
    }

    /** Issue 12: a real kube-proxy programs the kubernetes service VIP only with its first sync, after its start. */
    @Test
    void verifyWaitsForKubeProxysFirstSync() throws Exception {
        kubeProxyFirstSync = Duration.ofSeconds(2);
        Join.Outcome outcome = join();
        assertThat(outcome.allJoined()).as(String.join("\n", progress) + "\n" + outcome.nodes()).isTrue();
        assertThat(outcome.nodes()).allSatisfy(r -> assertThat(r.phases()).last()
                .satisfies(p -> assertThat(p.phase()).isEqualTo("verify")));
        assertThat(nodes.get("worker-1").node.kubeProxy().rulesSynced()).isTrue();
    }

    @Test
    void aKubeProxyThatDoesNotSyncFailsVerifyAtItsTimeoutWithTheEvidence() throws Exception {
        kubeProxyFirstSync = Duration.ofHours(1);
        Join.Outcome outcome = join(Duration.ofSeconds(60), Duration.ofSeconds(2));
        assertThat(outcome.nodes()).allSatisfy(r -> {
            assertThat(r.failedPhase()).isEqualTo("verify");
            assertThat(r.error()).contains("no nftables rule for the kubernetes service 10.96.0.1:443 after 2 s")
                    .contains("nft list table ip kube-proxy").doesNotContain("healthz");
            assertThat(r.hint()).contains("--verify-timeout");
            assertThat(r.journal()).anyMatch(l -> l.contains("Using nftables Proxier"));
            PhaseRecordCheck.tookAtLeast(r, "verify", Duration.ofMillis(1900));
        });
    }

    /**
     * Issue 12: a kubelet that exits at start (here: containerd is not running) is restarted by systemd every
     * RestartSec; wait-ready must see it within seconds and quote the kubelet's own error, not wait its whole
     * timeout and then blame the connection to kube-apiserver.
     */
    @Test
    void aKubeletThatDiesAtStartFailsWaitReadyWithinSecondsQuotingItsError() throws Exception {
        runtimeDownOn = "worker-2";
        // node-preflight would see the missing socket first: skipped, as if containerd stopped after it
        Join.Outcome outcome = join(Set.of("node-preflight"), Duration.ofSeconds(40), io.kubejoin.join.phases.VerifyPhase.DEFAULT_TIMEOUT);
        JoinRunner.NodeReport w2 = outcome.nodes().get(1);
        assertThat(w2.node()).isEqualTo("worker-2");
        assertThat(w2.failedPhase()).as(w2.toString()).isEqualTo("wait-ready");
        assertThat(w2.phases()).filteredOn(p -> p.phase().equals("wait-ready")).singleElement()
                // well before the 40 s ready timeout (the old code waited all of it); generous for a loaded machine
                .satisfies(p -> assertThat(p.took()).as("fails within seconds").isLessThan(Duration.ofSeconds(20)));
        assertThat(w2.error()).contains("kubelet exits at start")
                .contains("validate service connection: validate CRI v1 runtime API for endpoint")
                .contains("dial unix /run/containerd/containerd.sock: connect: no such file or directory")
                .doesNotContain("reach kube-apiserver");
        assertThat(w2.hint()).contains("systemctl enable --now containerd");
        assertThat(w2.journal()).anyMatch(l -> l.contains("\"command failed\""));
        assertThat(outcome.nodes().get(0).ok()).isTrue();
        assertThat(outcome.nodes().get(2).ok()).isTrue();
    }

    /**
     * T1 after preflight (bootstrap-token auth turned off once the join is under way): the kubelets, rotating their
     * certificates, do not exit but retry their refused CSR forever, as real ones do. wait-ready must still end within
     * seconds with the certificate manager's Unauthorized line and the T1/T3 fix, not wait out its timeout.
     */
    @Test
    void aRefusedBootstrapTokenFailsWaitReadyWithinSecondsThoughTheKubeletKeepsRunning() throws Exception {
        machineSetup = m -> sandbox.bootstrapTokenAuth(false); // after the cluster preflight, before any kubelet starts
        Join.Outcome outcome = join(Duration.ofSeconds(60), io.kubejoin.join.phases.VerifyPhase.DEFAULT_TIMEOUT);
        assertThat(outcome.nodes()).hasSize(3).allSatisfy(r -> {
            assertThat(r.failedPhase()).as(r + "\n" + String.join("\n", progress)).isEqualTo("wait-ready");
            assertThat(r.phases()).filteredOn(p -> p.phase().equals("wait-ready")).singleElement()
                    .satisfies(p -> assertThat(p.took()).as("fails within seconds").isLessThan(Duration.ofSeconds(30)));
            assertThat(r.error()).contains("kube-apiserver refuses its CSR").contains("active/running")
                    .contains("cannot create certificate signing request: Unauthorized");
            assertThat(r.hint()).contains("--enable-bootstrap-token-auth");
            assertThat(r.journal()).anyMatch(l -> l.contains("Unauthorized"));
        });
        for (InProcessNode n : nodes.values()) {
            assertThat(n.node.kubelet().state()).as("the kubelet runs on, retrying").isEqualTo(SimulatedKubelet.State.RUNNING);
        }
    }

    /**
     * A run that outlives its tokens (thousands of nodes on slow machines; here a 2-minute TTL and a run whose tokens
     * were made two minutes before its nodes are reached): kubelet-start extends a token about to expire before it
     * starts a kubelet that will use it — the same token, its Secret's expiration moved to a full TTL from now —, and
     * the nodes join. Without that, kube-apiserver refuses the expired token and wait-ready fails them. A run with
     * time left on its tokens writes no token at all.
     */
    @Test
    void aRunThatOutlivesItsTokensExtendsEachBeforeItsKubeletStartsAndTheNodesJoin() throws Exception {
        Files.writeString(dir.resolve("inventory.yaml"), Files.readString(dir.resolve("inventory.yaml"))
                .replace("tokenTTL: 1h", "tokenTTL: 2m"));
        inv = InventoryLoader.load(dir.resolve("inventory.yaml"));
        // the cluster steps' clock reads two minutes ago (less a second): the tokens expire a second after they are
        // made; the nodes are reached after that second
        java.util.concurrent.atomic.AtomicBoolean past = new java.util.concurrent.atomic.AtomicBoolean(true);
        Clock clock = new Clock() {
            @Override public java.time.ZoneId getZone() { return java.time.ZoneOffset.UTC; }
            @Override public Clock withZone(java.time.ZoneId zone) { return this; }
            @Override public java.time.Instant instant() {
                java.time.Instant now = java.time.Instant.now();
                return past.get() ? now.minus(Duration.ofSeconds(119)) : now;
            }
        };
        machineSetup = m -> {
            past.set(false);
            try {
                Thread.sleep(1500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        // (preflight skipped: its probe token would be made expired by that clock)
        Join.Settings settings = new Join.Settings(Set.of("preflight"), new JoinRunner.Options(8, 1, Duration.ofMillis(10), false),
                Duration.ofSeconds(60), false, Duration.ofDays(365), io.kubejoin.join.phases.VerifyPhase.DEFAULT_TIMEOUT);
        Join.Outcome outcome = Join.run(inv, conn, new StateStore(dir.resolve("state")), this::open, settings, clock,
                line -> { synchronized (progress) { progress.add(line); } });
        assertThat(outcome.allJoined()).as(String.join("\n", progress)).isTrue();
        assertThat(outcome.nodes()).hasSize(3).allSatisfy(r -> assertThat(r.phases())
                .filteredOn(p -> p.phase().equals("kubelet-start")).singleElement()
                .satisfies(p -> assertThat(p.summary()).contains("bootstrap token ").contains(".**** extended to ")
                        .contains("the run outlived it")));
        assertThat(conn.sentByKind().getOrDefault("PATCH secrets/*", 0L)).isEqualTo(3L);
        assertThat(String.join("\n", progress)).doesNotContainPattern("[a-z0-9]{6}\\.[a-z0-9]{16}");

        // a second run: every node has its own certificate now, no token is made or touched
        long patches = conn.sentByKind().getOrDefault("PATCH secrets/*", 0L);
        machineSetup = m -> { };
        Join.Outcome second = join();
        assertThat(second.allJoined()).as(String.join("\n", progress)).isTrue();
        assertThat(conn.sentByKind().getOrDefault("PATCH secrets/*", 0L)).isEqualTo(patches);
    }

    /**
     * A loaded API server times the first CSR creates out (the 10,000-node join): the kubelets retry on their
     * certificate manager's backoff and the join goes through; wait-ready does not take the timeout for a failure.
     */
    @Test
    void csrCreatesTimedOutByALoadedApiServerAreRetriedAndTheJoinGoesThrough() throws Exception {
        sandbox.timeOutNext("create", "certificatesigningrequests", "", 3);
        Join.Outcome outcome = join();
        assertThat(outcome.allJoined()).as(String.join("\n", progress)).isTrue();
        // the three timeouts went to whichever kubelets asked first: at least one retried
        assertThat(nodes.values()).anySatisfy(n -> assertThat(n.node.kubelet().journal().lines())
                .anyMatch(l -> l.contains("cannot create certificate signing request: Timeout: request did not complete within requested timeout")));
    }

    /**
     * CSR creates that keep timing out: the kubelet retries up to wait-ready's deadline, and the failure then names the
     * kubelet's last error instead of only what the API shows.
     */
    @Test
    void csrCreatesThatKeepTimingOutFailAtTheDeadlineNamingTheLastError() throws Exception {
        sandbox.timeOutNext("create", "certificatesigningrequests", "", 1_000);
        Join.Outcome outcome = join(Duration.ofSeconds(8), io.kubejoin.join.phases.VerifyPhase.DEFAULT_TIMEOUT);
        assertThat(outcome.nodes()).allSatisfy(r -> {
            assertThat(r.failedPhase()).as(r.toString()).isEqualTo("wait-ready");
            assertThat(r.error()).contains("is not Ready after 8 s")
                    .contains("kubelet's last failed attempt at its client certificate")
                    .contains("Timeout: request did not complete within requested timeout - context deadline exceeded");
        });
    }

    /**
     * Issue 12: a re-run restarts the kubelet of a joined node (a changed file) and the new process dies at start.
     * The Node still shows the Ready condition the previous kubelet posted (nothing clears it; a node-lifecycle
     * controller would mark it Unknown only after its 40 s grace): wait-ready must not pass on it, but fail within
     * seconds quoting the kubelet's error, where the old code passed it and only verify failed, at its timeout.
     */
    @Test
    void aRestartedKubeletThatDiesIsNotTakenForReadyByItsStaleCondition() throws Exception {
        Join.Outcome first = join();
        assertThat(first.allJoined()).as(String.join("\n", progress)).isTrue();
        io.kubejoin.render.NodeFiles f = new io.kubejoin.render.NodeFiles(inv.paths());
        InProcessNode w1 = nodes.get("worker-1");
        var before = sandbox.adminClient().nodes().withName("worker-1").get();
        assertThat(before.getStatus().getConditions()).anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
        // the kubelet config drifted, and the kubelet started next exits at once
        Path config = w1.root.resolve(f.kubeletConfig().substring(1));
        Files.writeString(config, Files.readString(config) + "# drift\n");
        w1.node.failKubelet(true);
        progress.clear();
        Join.Outcome second = join(Duration.ofSeconds(40), Duration.ofSeconds(20));
        JoinRunner.NodeReport r1 = second.nodes().get(0);
        assertThat(r1.node()).isEqualTo("worker-1");
        assertThat(r1.changedFiles()).containsExactly(f.kubeletConfig());
        assertThat(r1.failedPhase()).as(r1 + "\n" + String.join("\n", progress)).isEqualTo("wait-ready");
        assertThat(r1.phases()).filteredOn(p -> p.phase().equals("wait-ready")).singleElement()
                .satisfies(p -> assertThat(p.took()).as("fails within seconds").isLessThan(Duration.ofSeconds(20)));
        assertThat(r1.error()).contains("kubelet exits at start").contains("simulated failure at start");
        // the stale condition is still there: nothing but the unit watch could have told
        var after = sandbox.adminClient().nodes().withName("worker-1").get();
        assertThat(after.getStatus().getConditions()).anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
        assertThat(second.nodes().subList(1, 3)).allSatisfy(r -> assertThat(r.ok()).as(r.toString()).isTrue());
    }

    /** The time a phase took, from the node's report. */
    static final class PhaseRecordCheck {
        static void tookAtLeast(JoinRunner.NodeReport r, String phase, Duration atLeast) {
            assertThat(r.phases()).filteredOn(p -> p.phase().equals(phase)).singleElement()
                    .satisfies(p -> assertThat(p.took()).isGreaterThanOrEqualTo(atLeast));
        }
    }

    @Tag("hostile")
    @Test
    void aForgedCsrIsDeniedThatNodeFailsOthersJoin() throws Exception {
        open(inv.node("worker-2").orElseThrow());
        // worker-2's kubelet asks for worker-3's identity with worker-2's token
        kubeletOptions = SimulatedKubelet.Options.defaults().withForgeCsrForNode("worker-3");
        nodes.clear();
        open(inv.node("worker-2").orElseThrow());
        kubeletOptions = SimulatedKubelet.Options.defaults();
        Join.Settings settings = new Join.Settings(Set.of(),
                new JoinRunner.Options(8, 0, Duration.ofMillis(10), false), Duration.ofSeconds(20), false,
                Duration.ofDays(365));
        Join.Outcome outcome = Join.run(inv, conn, new StateStore(dir.resolve("state")), this::open, settings,
                Clock.systemUTC(), line -> { synchronized (progress) { progress.add(line); } });
        JoinRunner.NodeReport w2 = outcome.nodes().get(1);
        assertThat(w2.ok()).isFalse();
        assertThat(w2.failedPhase()).isEqualTo("wait-ready");
        // the real kubelet (rotateCertificates) does not exit on a denied CSR: it files a new one on its backoff,
        // which the approver denies again. So the unit watch reads the denial in its certificate manager's lines and
        // ends the wait within seconds (the deadline is 20 s), with the approver's reason and the fix
        assertThat(w2.phases()).filteredOn(p -> p.phase().equals("wait-ready")).singleElement()
                .satisfies(p -> assertThat(p.took()).as("ends on the denial, not at the deadline").isLessThan(Duration.ofSeconds(15)));
        assertThat(w2.error()).as(w2.toString()).contains("certificate signing request is denied")
                .contains("reason: KubejoinPolicyDenied").contains("but the request is for system:node:worker-3");
        assertThat(w2.hint()).contains("kubectl get csr").contains("files a new CSR");
        assertThat(nodes.get("worker-2").node.kubelet().state()).as("the kubelet runs on")
                .isEqualTo(SimulatedKubelet.State.RUNNING);
        // and its healthz (:10248) answers ok, as a rotating kubelet's does while it bootstraps: kubejoin does not take
        // that for joined (wait-ready wants the Node's Ready)
        assertThat(nodes.get("worker-2").node.exec("curl -fsS --max-time 5 http://" + inv.node("worker-2").orElseThrow().address()
                + ":10248/healthz").exitCode()).isZero();
        assertThat(nodes.get("worker-2").node.kubelet().journal().lines())
                .anyMatch(l -> l.contains("certificate request was not signed: cannot watch on the certificate signing request: "
                        + "certificate signing request is denied, reason: KubejoinPolicyDenied"));
        assertThat(String.join("\n", progress)).contains("was issued for node worker-2, but the request is for system:node:worker-3");
        assertThat(outcome.nodes().get(0).ok()).isTrue();
        assertThat(outcome.nodes().get(2).ok()).isTrue();
    }
}
