package io.kubejoin.sandbox.kubelet;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubejoin.cluster.approval.CsrApprover;
import io.kubejoin.testing.Processes;
import io.kubejoin.util.SecureFiles;
import io.kubejoin.version.KubeVersion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import io.kubejoin.sandbox.RenderedNodes;
import io.kubejoin.sandbox.api.CertificateRequests;
import io.kubejoin.sandbox.api.CsrSigningController;
import io.kubejoin.sandbox.api.SandboxApiServer;
import io.kubejoin.sandbox.node.SimulatorRuntime;
import org.junit.jupiter.api.Tag;

/** SimulatedKubelet against the sandbox API server, with nodes rendered by kubejoin's real renderers. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SimulatedKubeletTest {
    static SimulatorRuntime runtime;

    @BeforeAll
    static void startRuntime() {
        runtime = SimulatorRuntime.create();
    }

    @AfterAll
    static void stopRuntime() {
        runtime.close();
    }

    static SandboxApiServer sandbox(String gitVersion) {
        return SandboxApiServer.start(SandboxApiServer.Options.defaults().withGitVersion(gitVersion));
    }

    /** Approves with kubejoin's own approver, as `kubejoin approve --once` would, until {@code until} holds. */
    static void approveUntil(KubernetesClient admin, RenderedNodes nodes, Supplier<Boolean> until) throws InterruptedException {
        try (CsrApprover approver = new CsrApprover(admin, nodes.inventory, Duration.ofDays(365))) {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!until.get() && System.nanoTime() < end) {
                approver.approveOnce();
                Thread.sleep(50);
            }
        }
    }

    static void awaitCsr(SimulatedKubelet k) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (k.clientCsrName() == null && k.state() == SimulatedKubelet.State.RUNNING && System.nanoTime() < end) Thread.sleep(20);
    }

    private void joinsAndTurnsReady(String version, String runtimeKind, Path tmp) throws Exception {
        try (SandboxApiServer server = sandbox("v" + version)) {
            KubernetesClient admin = server.adminClient();
            RenderedNodes nodes = RenderedNodes.render(server, tmp, version, runtimeKind, "n1", "127.0.1.1");
            SimulatedKubelet k = new SimulatedKubelet(runtime, nodes.root("n1"), "n1", KubeVersion.parse(version),
                    SimulatedKubelet.Options.sandbox());
            k.start();
            awaitCsr(k);
            assertThat(k.clientCsrName()).as("client CSR; journal %s", k.journal().lines()).isNotNull();
            CertificateSigningRequest csr = admin.certificates().v1().certificateSigningRequests().withName(k.clientCsrName()).get();
            assertThat(csr.getSpec().getSignerName()).isEqualTo(CsrSigningController.KUBELET_CLIENT);
            assertThat(csr.getSpec().getUsername()).startsWith("system:bootstrap:");
            assertThat(csr.getMetadata().getName()).startsWith("csr-");

            approveUntil(admin, nodes, () -> k.state() != SimulatedKubelet.State.RUNNING);
            assertThat(k.awaitSettled(20, TimeUnit.SECONDS)).as("journal %s", k.journal().lines()).isEqualTo(SimulatedKubelet.State.READY);

            io.fabric8.kubernetes.api.model.Node node = admin.nodes().withName("n1").get();
            assertThat(node.getStatus().getConditions()).anySatisfy(c -> {
                assertThat(c.getType()).isEqualTo("Ready");
                assertThat(c.getStatus()).isEqualTo("True");
            });
            assertThat(node.getStatus().getAddresses()).extracting(NodeAddress::getType, NodeAddress::getAddress)
                    .contains(org.assertj.core.groups.Tuple.tuple("InternalIP", "127.0.1.1"), org.assertj.core.groups.Tuple.tuple("Hostname", "n1"));
            assertThat(node.getStatus().getNodeInfo().getKubeletVersion()).isEqualTo("v" + version);
            assertThat(node.getMetadata().getLabels()).containsEntry("disktype", "ssd").containsEntry("kubernetes.io/hostname", "n1");
            assertThat(node.getSpec().getTaints()).anySatisfy(t -> {
                assertThat(t.getKey()).isEqualTo("dedicated");
                assertThat(t.getEffect()).isEqualTo("NoSchedule");
            });

            Path certDir = nodes.root("n1").resolve("etc/kubernetes/cert");
            Path current = certDir.resolve("kubelet-client-current.pem");
            assertThat(Files.isSymbolicLink(current)).isTrue();
            assertThat(Files.readSymbolicLink(current).toString()).matches("kubelet-client-\\d{4}-\\d{2}-\\d{2}-\\d{2}-\\d{2}-\\d{2}\\.pem");
            assertThat(SecureFiles.mode(certDir.resolve(Files.readSymbolicLink(current)))).isEqualTo(0600);
            String pem = Files.readString(current);
            assertThat(pem).contains("BEGIN CERTIFICATE").contains("BEGIN EC PRIVATE KEY");
            Path kubeconfig = nodes.root("n1").resolve("etc/kubernetes/kubelet.kubeconfig");
            assertThat(Files.readString(kubeconfig)).contains("client-certificate: /etc/kubernetes/cert/kubelet-client-current.pem")
                    .contains("server: " + server.url());
            assertThat(SecureFiles.mode(kubeconfig)).isEqualTo(0600);
            Processes.requireTool("openssl");
            Path certOnly = tmp.resolve("client.pem");
            Files.writeString(certOnly, pem.substring(0, pem.indexOf("-----END CERTIFICATE-----") + 25) + "\n");
            var verify = Processes.run(List.of("openssl", "verify", "-CAfile", nodes.root("n1").resolve("etc/kubernetes/cert/ca.pem").toString(),
                    certOnly.toString()));
            assertThat(verify.exitCode()).as(verify.toString()).isZero();
            var key = Processes.run(List.of("openssl", "ec", "-in", current.toString(), "-noout", "-check"));
            assertThat(key.exitCode()).as(key.toString()).isZero();

            // serving CSR filed by the node itself, with its name and address
            assertThat(k.servingCsrName()).isNotNull();
            CertificateSigningRequest serving = admin.certificates().v1().certificateSigningRequests().withName(k.servingCsrName()).get();
            assertThat(serving.getSpec().getSignerName()).isEqualTo(CsrSigningController.KUBELET_SERVING);
            assertThat(serving.getSpec().getUsername()).isEqualTo("system:node:n1");
            assertThat(serving.getSpec().getUsages()).contains("server auth");
            // approved by kubejoin's approver (names and address belong to n1), signed: kubelet writes its serving pair
            approveUntil(admin, nodes, k::servingCertificateWritten);
            assertThat(k.servingCertificateWritten()).as("journal %s", k.journal().lines()).isTrue();
            assertThat(Files.readSymbolicLink(certDir.resolve("kubelet-server-current.pem")).toString()).startsWith("kubelet-server-");
            assertThat(k.journal().lines()).anyMatch(l -> l.contains("Successfully registered node"));
            String bootstrapKubeconfig = Files.readString(nodes.root("n1").resolve("etc/kubernetes/kubelet-bootstrap.kubeconfig"));
            java.util.regex.Matcher token = java.util.regex.Pattern.compile("token: (\\S+)").matcher(bootstrapKubeconfig);
            assertThat(token.find()).isTrue();
            assertThat(String.join("\n", k.journal().lines())).doesNotContain(token.group(1)).doesNotContain(token.group(1).substring(7));

            // a restart reuses the valid kubelet.kubeconfig: no new CSR
            SimulatedKubelet again = new SimulatedKubelet(runtime, nodes.root("n1"), "n1", KubeVersion.parse(version),
                    SimulatedKubelet.Options.sandbox());
            again.start();
            assertThat(again.awaitSettled(20, TimeUnit.SECONDS)).as("journal %s", again.journal().lines()).isEqualTo(SimulatedKubelet.State.READY);
            assertThat(again.clientCsrName()).isNull();
            assertThat(again.journal().lines()).anyMatch(l -> l.contains("Kubeconfig exists and is valid, skipping bootstrap"));
        }
    }

    @Test
    void currentVersionWithContainerdJoinsAndTurnsReady(@TempDir Path tmp) throws Exception {
        joinsAndTurnsReady("1.32.4", "containerd", tmp);
    }

    @Test
    void theArticlesVersionWithDockerJoinsAndTurnsReady(@TempDir Path tmp) throws Exception {
        joinsAndTurnsReady("1.17.2", "docker", tmp);
    }

    /** One Ready condition the watch saw on the Node: when (nanoTime), status, reason, message. */
    record SeenReady(long at, String status, String reason, String message) {
    }

    /**
     * Starts a kubelet of {@code version} on a fresh node (its kubelet config edited by {@code config}), approves its
     * CSRs until it is READY, and returns every Ready condition a watch on its Node saw, in order.
     */
    private List<SeenReady> readyTimeline(String version, Path tmp, java.util.function.UnaryOperator<String> config,
                                          SimulatedKubelet[] started) throws Exception {
        try (SandboxApiServer server = sandbox("v" + version)) {
            KubernetesClient admin = server.adminClient();
            RenderedNodes nodes = RenderedNodes.render(server, tmp, version, "containerd", "r1", "127.0.1.1");
            nodes.edit("r1", "/etc/kubernetes/kubelet-config.yaml", config);
            List<SeenReady> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
            try (var w = admin.nodes().withName("r1").watch(new io.fabric8.kubernetes.client.Watcher<io.fabric8.kubernetes.api.model.Node>() {
                @Override
                public void eventReceived(Action action, io.fabric8.kubernetes.api.model.Node n) {
                    if (n.getStatus() == null || n.getStatus().getConditions() == null) return;
                    n.getStatus().getConditions().stream().filter(c -> "Ready".equals(c.getType())).findFirst().ifPresent(c -> {
                        SeenReady r = new SeenReady(System.nanoTime(), c.getStatus(), c.getReason(), c.getMessage());
                        SeenReady last = seen.isEmpty() ? null : seen.get(seen.size() - 1);
                        if (last == null || !last.status().equals(r.status())) seen.add(r);
                    });
                }

                @Override
                public void onClose(io.fabric8.kubernetes.client.WatcherException cause) {
                }
            })) {
                SimulatedKubelet k = new SimulatedKubelet(runtime, nodes.root("r1"), "r1", KubeVersion.parse(version),
                        SimulatedKubelet.Options.sandbox());
                started[0] = k;
                k.start();
                approveUntil(admin, nodes, () -> k.state() != SimulatedKubelet.State.RUNNING);
                assertThat(k.awaitSettled(5, TimeUnit.SECONDS)).as("journal %s", k.journal().lines()).isEqualTo(SimulatedKubelet.State.READY);
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (seen.stream().noneMatch(r -> r.status().equals("True")) && System.nanoTime() < end) Thread.sleep(20);
                k.stop();
            }
            return seen;
        }
    }

    /** The real kubelet's first status of a fresh Node (reference log kubelet-1.24: no event for it, the next one NodeReady). */
    private static void firstStatusIsNotReadyThenReady(List<SeenReady> seen, SimulatedKubelet k) {
        assertThat(seen).as("Ready conditions seen; journal %s", k.journal().lines()).hasSize(2);
        assertThat(seen.get(0).status()).isEqualTo("False");
        assertThat(seen.get(0).reason()).isEqualTo("KubeletNotReady");
        assertThat(seen.get(0).message()).isEqualTo("PLEG is not healthy: pleg has yet to be successful");
        assertThat(seen.get(1).status()).isEqualTo("True");
        assertThat(seen.get(1).reason()).isEqualTo("KubeletReady");
        assertThat(seen.get(1).message()).isEqualTo("kubelet is posting ready status");
        List<String> journal = k.journal().lines();
        assertThat(journal.stream().filter(l -> l.contains("event=\"NodeReady\"")).count()).as("journal %s", journal).isOne();
        assertThat(journal).noneMatch(l -> l.contains("event=\"NodeNotReady\"") || l.contains("Node became not ready"));
    }

    /**
     * From "Successfully registered node" to the NodeReady event, by the kubelet's own journal timestamps (a watch's
     * delivery lags on a loaded machine).
     */
    private static long registeredToReadyMillis(SimulatedKubelet k) {
        java.util.function.Function<String, Long> at = text -> k.journal().lines().stream().filter(l -> l.contains(text)).findFirst()
                .map(l -> java.time.LocalTime.parse(l.substring(6, 21)).toNanoOfDay() / 1_000_000).orElseThrow();
        return at.apply("event=\"NodeReady\"") - at.apply("Successfully registered node");
    }

    /**
     * Before 1.26 a fresh Node is NotReady at first (PLEG has not relisted when kubelet posts its first status) and
     * Ready only at the kubelet's next node-status sync: the reference 1.24 kubelet registered at 16:14:58.05 and
     * recorded NodeReady at 16:15:08.3. The old simulator posted Ready right after registering.
     */
    @Test
    void aFreshNodeOfAReleaseBefore126TurnsReadyAtTheNextNodeStatusSync(@TempDir Path tmp) throws Exception {
        SimulatedKubelet[] k = new SimulatedKubelet[1];
        List<SeenReady> seen = readyTimeline("1.24.17", tmp, c -> c, k);
        firstStatusIsNotReadyThenReady(seen, k[0]);
        // nodeStatusUpdateFrequency 10 s (kubejoin renders the default), plus kubelet's jitter of up to 4 %
        assertThat(registeredToReadyMillis(k[0])).as("registered to Ready").isBetween(10_000L, 13_000L);
        assertThat(k[0].journal().lines()).noneMatch(l -> l.contains("Fast updating node status"));
    }

    /** The sync comes nodeStatusUpdateFrequency after the first status: the config's value, not a constant. */
    @Test
    void theNextSyncFollowsTheConfiguredNodeStatusUpdateFrequency(@TempDir Path tmp) throws Exception {
        SimulatedKubelet[] k = new SimulatedKubelet[1];
        List<SeenReady> seen = readyTimeline("1.17.17", tmp, c -> c.replace("nodeStatusUpdateFrequency: 10s", "nodeStatusUpdateFrequency: 3s"), k);
        firstStatusIsNotReadyThenReady(seen, k[0]);
        assertThat(registeredToReadyMillis(k[0])).as("registered to Ready").isBetween(3_000L, 6_000L);
    }

    /**
     * From 1.26 (kubernetes#112618) fastStatusUpdateOnce retries every 100 ms until the Node is Ready: NotReady
     * first all the same, Ready within a second, with its "Fast updating node status" line.
     */
    @Test
    void aFreshNodeFrom126TurnsReadyOnTheFastStatusPath(@TempDir Path tmp) throws Exception {
        SimulatedKubelet[] k = new SimulatedKubelet[1];
        List<SeenReady> seen = readyTimeline("1.26.15", tmp, c -> c, k);
        firstStatusIsNotReadyThenReady(seen, k[0]);
        assertThat(registeredToReadyMillis(k[0])).as("registered to Ready").isBetween(300L, 1_500L);
        assertThat(k[0].journal().lines()).anyMatch(l -> l.contains("kubelet_node_status.go:497] \"Fast updating node status as it just became ready\""));
    }

    /** client-go's certificate manager line for the client certificate: the 1.19+ wording, signer name first. */
    private static final String CLIENT_CERT_FAILURE = "E\\d{4} \\d{2}:\\d{2}:\\d{2}\\.\\d{6} +\\d+ certificate_manager\\.go:\\d+\\] "
            + "kubernetes\\.io/kube-apiserver-client-kubelet: Failed while requesting a signed certificate from the control plane: "
            + "cannot create certificate signing request: ";

    /**
     * T1 with rotateCertificates (kubejoin always renders it): the real kubelet does not exit, its certificate manager
     * retries in the background and logs the article's line each time; the old simulator exited.
     */
    @Test
    void bootstrapTokenAuthOffKeepsARotatingKubeletRetryingWithTheArticlesJournalLine(@TempDir Path tmp) throws Exception {
        try (SandboxApiServer server = sandbox("v1.32.4")) {
            RenderedNodes nodes = RenderedNodes.render(server, tmp, "1.32.4", "containerd", "t1", "127.0.1.2");
            server.bootstrapTokenAuth(false);
            SimulatedKubelet k = new SimulatedKubelet(runtime, nodes.root("t1"), "t1", KubeVersion.parse("1.32.4"), SimulatedKubelet.Options.sandbox());
            boolean[] exited = new boolean[1];
            k.onExit(() -> exited[0] = true);
            k.start();
            try {
                assertThat(k.awaitSettled(3, TimeUnit.SECONDS)).as("journal %s", k.journal().lines()).isEqualTo(SimulatedKubelet.State.RUNNING);
                assertThat(exited[0]).isFalse();
                assertThat(k.failureReason()).isNull();
                assertThat(k.journal().lines()).anyMatch(l -> l.contains("\"Client rotation is on, will bootstrap in background\""))
                        .anyMatch(l -> l.matches(CLIENT_CERT_FAILURE + "Unauthorized"))
                        .noneMatch(l -> l.contains("\"command failed\""));
                assertThat(server.adminClient().certificates().v1().certificateSigningRequests().list().getItems()).isEmpty();
                // its healthz (:10248) answers ok all the same: server.go starts it once RunKubelet returns, which with
                // rotation does not wait for the certificate (healthz ok says nothing about joining)
                assertThat(k.healthzServing()).isTrue();
            } finally {
                k.stop();
            }
            assertThat(k.state()).isEqualTo(SimulatedKubelet.State.STOPPED);
        }
    }

    /** Without rotation, kubelet's LoadClientCert requests the certificate at start and the process exits when that fails. */
    @Test
    void bootstrapTokenAuthOffEndsAKubeletWithoutRotation(@TempDir Path tmp) throws Exception {
        try (SandboxApiServer server = sandbox("v1.32.4")) {
            RenderedNodes nodes = RenderedNodes.render(server, tmp, "1.32.4", "containerd", "t1", "127.0.1.2");
            nodes.edit("t1", "/etc/kubernetes/kubelet-config.yaml", c -> c.replace("rotateCertificates: true", "rotateCertificates: false"));
            server.bootstrapTokenAuth(false);
            SimulatedKubelet k = new SimulatedKubelet(runtime, nodes.root("t1"), "t1", KubeVersion.parse("1.32.4"), SimulatedKubelet.Options.sandbox());
            k.start();
            assertThat(k.awaitSettled(20, TimeUnit.SECONDS)).isEqualTo(SimulatedKubelet.State.FAILED);
            assertThat(k.failureReason()).isEqualTo("failed to run Kubelet: cannot create certificate signing request: Unauthorized");
            assertThat(k.journal().last(1).get(0)).matches("E\\d{4} \\d{2}:\\d{2}:\\d{2}\\.\\d{6} +\\d+ run\\.go:\\d+\\] "
                    + "\"command failed\" err=\"failed to run Kubelet: cannot create certificate signing request: Unauthorized\"");
        }
    }

    /**
     * A loaded API server times the CSR create out (the 10,000-node join): the rotating kubelet logs client-go's error
     * (a Status message, never a Java exception's), retries after the certificate manager's first backoff step (2 s,
     * +10% jitter) and gets its certificate; systemd never sees it exit.
     */
    @Test
    void aTimedOutCsrCreateIsRetriedOnTheCertificateManagersBackoff(@TempDir Path tmp) throws Exception {
        try (SandboxApiServer server = sandbox("v1.32.4")) {
            KubernetesClient admin = server.adminClient();
            RenderedNodes nodes = RenderedNodes.render(server, tmp, "1.32.4", "containerd", "b1", "127.0.1.12");
            server.timeOutNext("create", "certificatesigningrequests", "", 1);
            SimulatedKubelet k = new SimulatedKubelet(runtime, nodes.root("b1"), "b1", KubeVersion.parse("1.32.4"), SimulatedKubelet.Options.sandbox());
            boolean[] exited = new boolean[1];
            k.onExit(() -> exited[0] = true);
            k.start();
            assertThat(k.awaitClientCsr(20, TimeUnit.SECONDS)).as("journal %s", k.journal().lines()).isNotNull();
            approveUntil(admin, nodes, () -> k.state() != SimulatedKubelet.State.RUNNING);
            assertThat(k.awaitSettled(20, TimeUnit.SECONDS)).as("journal %s", k.journal().lines()).isEqualTo(SimulatedKubelet.State.READY);
            assertThat(exited[0]).isFalse();
            List<io.kubejoin.sandbox.node.Journal.Entry> entries = k.journal().entries();
            var failed = entries.stream().filter(e -> e.line().matches(CLIENT_CERT_FAILURE
                    + java.util.regex.Pattern.quote("Timeout: request did not complete within requested timeout - context deadline exceeded"))).toList();
            assertThat(failed).as("journal %s", k.journal().lines()).hasSize(1);
            assertThat(k.journal().lines()).noneMatch(l -> l.contains("The timeout of")).noneMatch(l -> l.contains("Exception"));
            var rotations = entries.stream().filter(e -> e.line().endsWith("kubernetes.io/kube-apiserver-client-kubelet: Rotating certificates")).toList();
            assertThat(rotations).hasSize(2);
            Duration backoff = Duration.between(failed.get(0).time(), rotations.get(1).time());
            assertThat(backoff).isBetween(Duration.ofMillis(1950), Duration.ofMillis(2600));
        }
    }

    /** API server down (connection refused): Go's dial error, the kubelet keeps running and keeps trying. */
    @Test
    void aRefusedConnectionIsLoggedAsGoDoesAndRetried(@TempDir Path tmp) throws Exception {
        try (SandboxApiServer server = sandbox("v1.32.4");
             java.net.ServerSocket closed = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            RenderedNodes nodes = RenderedNodes.render(server, tmp, "1.32.4", "containerd", "b2", "127.0.1.13");
            int port = closed.getLocalPort();
            closed.close(); // nothing listens there now
            String url = server.url();
            String dead = "https://127.0.0.1:" + port;
            nodes.edit("b2", "/etc/kubernetes/kubelet-bootstrap.kubeconfig", c -> c.replace(url, dead));
            SimulatedKubelet k = new SimulatedKubelet(runtime, nodes.root("b2"), "b2", KubeVersion.parse("1.32.4"), SimulatedKubelet.Options.sandbox());
            k.start();
            try {
                String refused = CLIENT_CERT_FAILURE + java.util.regex.Pattern.quote("Post \"" + dead
                        + "/apis/certificates.k8s.io/v1/certificatesigningrequests\": dial tcp 127.0.0.1:" + port + ": connect: connection refused");
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (k.journal().lines().stream().filter(l -> l.matches(refused)).count() < 2 && System.nanoTime() < end) Thread.sleep(50);
                assertThat(k.journal().lines()).as("journal %s", k.journal().lines()).filteredOn(l -> l.matches(refused)).hasSize(2);
                assertThat(k.state()).isEqualTo(SimulatedKubelet.State.RUNNING);
            } finally {
                k.stop();
            }
        }
    }

    private static final String REGISTER_FAILED = "E\\d{4} \\d{2}:\\d{2}:\\d{2}\\.\\d{6} +\\d+ kubelet_node_status\\.go:\\d+\\] "
            + "\"Unable to register node with API server\" err=\"";

    /**
     * A Node create the API server refuses (here a 504 Status twice): kubelet_node_status.go logs "Unable to register
     * node with API server" err=... node=... and tries again (100 ms, 200 ms, ... up to 7 s) while the process runs;
     * the old simulator exited on the first refusal.
     */
    @Test
    void aRefusedNodeCreateIsLoggedAndRetriedUntilTheNodeRegisters(@TempDir Path tmp) throws Exception {
        try (SandboxApiServer server = sandbox("v1.32.4")) {
            KubernetesClient admin = server.adminClient();
            RenderedNodes nodes = RenderedNodes.render(server, tmp, "1.32.4", "containerd", "r1", "127.0.1.41");
            server.timeOutNext("create", "nodes", "", 2);
            SimulatedKubelet k = new SimulatedKubelet(runtime, nodes.root("r1"), "r1", KubeVersion.parse("1.32.4"), SimulatedKubelet.Options.sandbox());
            boolean[] exited = new boolean[1];
            k.onExit(() -> exited[0] = true);
            k.start();
            approveUntil(admin, nodes, () -> k.state() != SimulatedKubelet.State.RUNNING);
            assertThat(k.awaitSettled(20, TimeUnit.SECONDS)).as("journal %s", k.journal().lines()).isEqualTo(SimulatedKubelet.State.READY);
            assertThat(exited[0]).isFalse();
            String refused = REGISTER_FAILED + java.util.regex.Pattern.quote(
                    "Timeout: request did not complete within requested timeout - context deadline exceeded\" node=\"r1\"");
            assertThat(k.journal().lines()).filteredOn(l -> l.matches(refused)).hasSize(2);
            assertThat(k.journal().lines()).filteredOn(l -> l.contains("\"Attempting to register node\" node=\"r1\"")).hasSize(3);
            assertThat(k.journal().lines()).filteredOn(l -> l.contains("\"Successfully registered node\" node=\"r1\"")).hasSize(1);
            assertThat(admin.nodes().withName("r1").get()).isNotNull();
        }
    }

    /**
     * The API server gone when the kubelet registers (it holds a valid client certificate from an earlier start): Go's
     * dial error in kubelet's line (never the JVM's "Connection refused: /127.0.0.1:port"), and it keeps trying.
     */
    @Test
    void aNodeCreateThatCannotConnectIsLoggedAsGoDoesAndRetried(@TempDir Path tmp) throws Exception {
        try (SandboxApiServer server = sandbox("v1.32.4");
             java.net.ServerSocket closed = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            KubernetesClient admin = server.adminClient();
            RenderedNodes nodes = RenderedNodes.render(server, tmp, "1.32.4", "containerd", "r2", "127.0.1.42");
            SimulatedKubelet first = new SimulatedKubelet(runtime, nodes.root("r2"), "r2", KubeVersion.parse("1.32.4"), SimulatedKubelet.Options.sandbox());
            first.start();
            approveUntil(admin, nodes, () -> first.state() != SimulatedKubelet.State.RUNNING);
            assertThat(first.awaitSettled(20, TimeUnit.SECONDS)).isEqualTo(SimulatedKubelet.State.READY);
            first.stop();
            int port = closed.getLocalPort();
            closed.close(); // nothing listens there now
            String dead = "https://127.0.0.1:" + port;
            nodes.edit("r2", "/etc/kubernetes/kubelet.kubeconfig", c -> c.replace(server.url(), dead));
            SimulatedKubelet k = new SimulatedKubelet(runtime, nodes.root("r2"), "r2", KubeVersion.parse("1.32.4"), SimulatedKubelet.Options.sandbox());
            k.start();
            try {
                String refused = REGISTER_FAILED + java.util.regex.Pattern.quote("Post \\\"" + dead + "/api/v1/nodes\\\": dial tcp 127.0.0.1:"
                        + port + ": connect: connection refused\" node=\"r2\"");
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (k.journal().lines().stream().filter(l -> l.matches(refused)).count() < 2 && System.nanoTime() < end) Thread.sleep(50);
                assertThat(k.journal().lines()).as("journal %s", k.journal().lines()).filteredOn(l -> l.matches(refused)).hasSizeGreaterThanOrEqualTo(2);
                assertThat(k.journal().lines()).noneMatch(l -> l.contains("\"command failed\"")).noneMatch(l -> l.contains("Connection refused"));
                assertThat(k.state()).isEqualTo(SimulatedKubelet.State.RUNNING);
                assertThat(k.healthzServing()).isTrue();
            } finally {
                k.stop();
            }
        }
    }

    @Test
    void signerOffLeavesItWaitingWithAnApprovedCsrWithoutCertificate(@TempDir Path tmp) throws Exception {
        try (SandboxApiServer server = sandbox("v1.32.4")) {
            server.signer(false);
            KubernetesClient admin = server.adminClient();
            RenderedNodes nodes = RenderedNodes.render(server, tmp, "1.32.4", "containerd", "t2", "127.0.1.3");
            SimulatedKubelet k = new SimulatedKubelet(runtime, nodes.root("t2"), "t2", KubeVersion.parse("1.32.4"), SimulatedKubelet.Options.sandbox());
            k.start();
            awaitCsr(k);
            approveUntil(admin, nodes, () -> k.journal().contains("is approved, waiting to be issued"));
            assertThat(k.awaitSettled(1, TimeUnit.SECONDS)).isEqualTo(SimulatedKubelet.State.RUNNING);
            CertificateSigningRequest csr = admin.certificates().v1().certificateSigningRequests().withName(k.clientCsrName()).get();
            assertThat(csr.getStatus().getConditions()).anySatisfy(c -> assertThat(c.getType()).isEqualTo("Approved"));
            assertThat(csr.getStatus().getCertificate()).isNullOrEmpty();
            assertThat(admin.nodes().withName("t2").get()).isNull();
            // the controller-manager comes back: the same kubelet finishes
            server.signer(true);
            assertThat(k.awaitSettled(20, TimeUnit.SECONDS)).as("journal %s", k.journal().lines()).isEqualTo(SimulatedKubelet.State.READY);
            k.stop();
            // systemctl stop: the process is gone, as is-active then says
            assertThat(k.state()).isEqualTo(SimulatedKubelet.State.STOPPED);
        }
    }

    @Test
    void aMissingStaticPodFolderIsLoggedEveryFileCheckAndAMissingResolvConfFailsEveryPod(@TempDir Path tmp) throws Exception {
        try (SandboxApiServer server = sandbox("v1.32.4")) {
            RenderedNodes nodes = RenderedNodes.render(server, tmp, "1.32.4", "containerd", "m1", "127.0.1.9");
            nodes.edit("m1", "/etc/kubernetes/kubelet-config.yaml", c -> c.replace("fileCheckFrequency: 20s", "fileCheckFrequency: 1s"));
            SimulatedKubelet k = new SimulatedKubelet(runtime, nodes.root("m1"), "m1", KubeVersion.parse("1.32.4"), SimulatedKubelet.Options.sandbox());
            k.start();
            try {
                k.awaitLoaded(20, TimeUnit.SECONDS);
                java.util.function.LongSupplier logged = () -> k.journal().lines().stream().filter(l -> l.contains(
                        "file.go:95] \"Unable to read config path\" err=\"path does not exist, ignoring\" path=\"/etc/kubernetes/manifests\"")).count();
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (logged.getAsLong() < 3 && System.nanoTime() < end) Thread.sleep(100);
                assertThat(logged.getAsLong()).as("at start and at every fileCheckFrequency").isGreaterThanOrEqualTo(3);
                // the rendered node has no systemd-resolved: kubelet runs, its pods would not
                assertThat(k.podDnsError()).isEqualTo("open /run/systemd/resolve/resolv.conf: no such file or directory");
                java.nio.file.Files.createDirectories(nodes.root("m1").resolve("etc/kubernetes/manifests"));
                Thread.sleep(1500);
                long now = logged.getAsLong();
                Thread.sleep(2500);
                assertThat(logged.getAsLong()).as("quiet once the folder exists").isEqualTo(now);
            } finally {
                k.stop();
            }
        }
    }

    @Test
    void stopEndsTheWait(@TempDir Path tmp) throws Exception {
        try (SandboxApiServer server = sandbox("v1.32.4")) {
            RenderedNodes nodes = RenderedNodes.render(server, tmp, "1.32.4", "containerd", "s1", "127.0.1.4");
            SimulatedKubelet k = new SimulatedKubelet(runtime, nodes.root("s1"), "s1", KubeVersion.parse("1.32.4"), SimulatedKubelet.Options.sandbox());
            k.start();
            awaitCsr(k);
            k.stop();
            assertThat(k.awaitSettled(5, TimeUnit.SECONDS)).isEqualTo(SimulatedKubelet.State.STOPPED);
        }
    }

    @Test
    void removedFlagIsRefusedWithPflagsError(@TempDir Path tmp) throws Exception {
        try (SandboxApiServer server = sandbox("v1.27.16")) {
            RenderedNodes nodes = RenderedNodes.render(server, tmp, "1.27.16", "containerd", "f1", "127.0.1.5");
            nodes.edit("f1", SimulatedKubelet.UNIT, u -> u.replace("  --v=2", "  --logtostderr=true \\\n  --v=2"));
            SimulatedKubelet k = new SimulatedKubelet(runtime, nodes.root("f1"), "f1", KubeVersion.parse("1.27.16"), SimulatedKubelet.Options.sandbox());
            k.start();
            assertThat(k.awaitSettled(10, TimeUnit.SECONDS)).isEqualTo(SimulatedKubelet.State.FAILED);
            assertThat(k.failureReason()).isEqualTo("failed to parse kubelet flag: unknown flag: --logtostderr");
            assertThat(k.journal().last(1).get(0)).contains("run.go:74] \"command failed\" err=\"failed to parse kubelet flag: unknown flag: --logtostderr\"");
        }
    }

    @Test
    void aFlagNoKubeletHasIsRefusedWithPflagsError(@TempDir Path tmp) throws Exception {
        try (SandboxApiServer server = sandbox("v1.30.4")) {
            RenderedNodes nodes = RenderedNodes.render(server, tmp, "1.30.4", "containerd", "u1", "127.0.1.10", "u2", "127.0.1.11");
            nodes.edit("u1", SimulatedKubelet.UNIT, u -> u.replace("  --v=2", "  --no-such-flag=x \\\n  --v=2"));
            // a flag kubelet gained only later is just as unknown to this release
            nodes.edit("u2", SimulatedKubelet.UNIT, u -> u.replace("  --v=2", "  --fail-cgroupv1=false \\\n  --v=2"));
            for (String[] c : new String[][] {{"u1", "no-such-flag"}, {"u2", "fail-cgroupv1"}}) {
                SimulatedKubelet k = new SimulatedKubelet(runtime, nodes.root(c[0]), c[0], KubeVersion.parse("1.30.4"),
                        SimulatedKubelet.Options.sandbox());
                k.start();
                assertThat(k.awaitSettled(10, TimeUnit.SECONDS)).as(c[1]).isEqualTo(SimulatedKubelet.State.FAILED);
                assertThat(k.failureReason()).isEqualTo("failed to parse kubelet flag: unknown flag: --" + c[1]);
            }
        }
    }

    @Test
    void aConfigValueOfTheWrongTypeIsADecodeErrorEvenWhenLenient(@TempDir Path tmp) throws Exception {
        try (SandboxApiServer server = sandbox("v1.32.4")) {
            RenderedNodes nodes = RenderedNodes.render(server, tmp, "1.32.4", "containerd", "t1", "127.0.1.12", "t2", "127.0.1.13");
            String config = "/etc/kubernetes/kubelet-config.yaml";
            nodes.edit("t1", config, c -> c + "nodeStatusMaxImages: lots\n");
            nodes.edit("t2", config, c -> c + "crashLoopBackOff: { maxContainerRestartPeriod: 10 }\n");
            SimulatedKubelet k = new SimulatedKubelet(runtime, nodes.root("t1"), "t1", KubeVersion.parse("1.32.4"), SimulatedKubelet.Options.sandbox());
            k.start();
            assertThat(k.awaitSettled(10, TimeUnit.SECONDS)).isEqualTo(SimulatedKubelet.State.FAILED);
            assertThat(k.failureReason()).contains(config).contains(
                    "json: cannot unmarshal string into Go struct field KubeletConfiguration.nodeStatusMaxImages of type int32");
            SimulatedKubelet nested = new SimulatedKubelet(runtime, nodes.root("t2"), "t2", KubeVersion.parse("1.32.4"), SimulatedKubelet.Options.sandbox());
            nested.start();
            assertThat(nested.awaitSettled(10, TimeUnit.SECONDS)).isEqualTo(SimulatedKubelet.State.FAILED);
            assertThat(nested.failureReason()).contains("cannot unmarshal number into Go struct field "
                    + "KubeletConfiguration.crashLoopBackOff.maxContainerRestartPeriod of type metav1.Duration");
        }
    }

    @Test
    void anUnknownNestedFieldIsAStrictDecodingErrorLikeATopLevelOne(@TempDir Path tmp) throws Exception {
        try (SandboxApiServer server = sandbox("v1.32.4")) {
            RenderedNodes nodes = RenderedNodes.render(server, tmp, "1.32.4", "containerd", "n1", "127.0.1.14");
            String config = "/etc/kubernetes/kubelet-config.yaml";
            nodes.edit("n1", config, c -> c + "memorySwap: { swapBehaviour: NoSwap }\n");
            SimulatedKubelet strict = new SimulatedKubelet(runtime, nodes.root("n1"), "n1", KubeVersion.parse("1.32.4"),
                    SimulatedKubelet.Options.sandbox().withStrictConfigFields(true));
            strict.start();
            assertThat(strict.awaitSettled(10, TimeUnit.SECONDS)).isEqualTo(SimulatedKubelet.State.FAILED);
            assertThat(strict.failureReason()).contains("strict decoding error: unknown field \"memorySwap.swapBehaviour\"");
        }
    }

    @Test
    void theSameFlagIsAcceptedByAReleaseThatHasIt(@TempDir Path tmp) throws Exception {
        try (SandboxApiServer server = sandbox("v1.25.16")) {
            RenderedNodes nodes = RenderedNodes.render(server, tmp, "1.25.16", "containerd", "f2", "127.0.1.6");
            assertThat(Files.readString(nodes.root("f2").resolve("etc/systemd/system/kubelet.service"))).contains("--logtostderr")
                    .contains("--container-runtime=remote"); // rendered up to 1.26, as kubeadm does
            SimulatedKubelet k = new SimulatedKubelet(runtime, nodes.root("f2"), "f2", KubeVersion.parse("1.25.16"), SimulatedKubelet.Options.sandbox());
            k.start();
            awaitCsr(k);
            assertThat(k.state()).as("journal %s", k.journal().lines()).isEqualTo(SimulatedKubelet.State.RUNNING);
            assertThat(k.clientCsrName()).isNotNull();
            k.stop();
        }
    }

    /** --container-runtime is gone in 1.27 (unknown flag); a missing runtime socket ends the kubelet with the CRI error. */
    @Test
    void containerRuntimeFlagFrom127AndAMissingRuntimeSocketEndTheKubelet(@TempDir Path tmp) throws Exception {
        try (SandboxApiServer server = sandbox("v1.32.4")) {
            RenderedNodes nodes = RenderedNodes.render(server, tmp, "1.27.16", "containerd", "r1", "127.0.1.13");
            assertThat(Files.readString(nodes.root("r1").resolve("etc/systemd/system/kubelet.service"))).doesNotContain("--container-runtime=");
            nodes.edit("r1", SimulatedKubelet.UNIT, u -> u.replace("  --v=2", "  --container-runtime=remote \\\n  --v=2"));
            SimulatedKubelet k = new SimulatedKubelet(runtime, nodes.root("r1"), "r1", KubeVersion.parse("1.27.16"), SimulatedKubelet.Options.sandbox());
            k.start();
            assertThat(k.awaitSettled(10, TimeUnit.SECONDS)).isEqualTo(SimulatedKubelet.State.FAILED);
            assertThat(k.failureReason()).isEqualTo("failed to parse kubelet flag: unknown flag: --container-runtime");

            RenderedNodes current = RenderedNodes.render(server, tmp.resolve("down"), "1.32.4", "containerd", "r2", "127.0.1.14");
            SimulatedKubelet down = new SimulatedKubelet(runtime, current.root("r2"), "r2", KubeVersion.parse("1.32.4"),
                    SimulatedKubelet.Options.sandbox().withRuntimeDown(true));
            down.start();
            assertThat(down.awaitSettled(10, TimeUnit.SECONDS)).isEqualTo(SimulatedKubelet.State.FAILED);
            String line = down.journal().last(1).get(0);
            assertThat(line).contains("run.go:74] \"command failed\" err=\"failed to run Kubelet: validate service connection: "
                    + "validate CRI v1 runtime API for endpoint \\\"unix:///run/containerd/containerd.sock\\\": rpc error: code = "
                    + "Unavailable desc = connection error: desc = \\\"transport: Error while dialing: dial unix "
                    + "/run/containerd/containerd.sock: connect: no such file or directory\\\"\"");
            assertThat(io.kubejoin.join.JournalSignatures.match("kubelet", List.of(line)))
                    .extracting(io.kubejoin.join.JournalSignatures.Match::id).containsExactly("container-runtime-down");
        }
    }

    @Test
    void hardCodedRemovalListIsIssue2s() {
        // the simulator's own list, kept independent of VersionRules so that a mistake there cannot hide
        assertThat(KubeletStartup.REMOVED_FLAGS).containsEntry("logtostderr", 26).containsEntry("container-runtime", 27)
                .containsEntry("pod-infra-container-image", 35).containsEntry("image-pull-progress-deadline", 24)
                .containsEntry("network-plugin", 24);
    }

    @Test
    void unknownConfigFieldWarnsLikeKubeletOrIsRefusedWhenStrict(@TempDir Path tmp) throws Exception {
        try (SandboxApiServer server = sandbox("v1.32.4")) {
            RenderedNodes nodes = RenderedNodes.render(server, tmp, "1.32.4", "containerd", "c1", "127.0.1.7", "c2", "127.0.1.8");
            String config = "/etc/kubernetes/kubelet-config.yaml";
            nodes.edit("c1", config, c -> c + "maxPodz: 10\n");
            nodes.edit("c2", config, c -> c + "maxPodz: 10\n");
            SimulatedKubelet strict = new SimulatedKubelet(runtime, nodes.root("c1"), "c1", KubeVersion.parse("1.32.4"),
                    SimulatedKubelet.Options.sandbox().withStrictConfigFields(true));
            strict.start();
            assertThat(strict.awaitSettled(10, TimeUnit.SECONDS)).isEqualTo(SimulatedKubelet.State.FAILED);
            assertThat(strict.failureReason()).contains("strict decoding error: unknown field \"maxPodz\"").contains(config);

            SimulatedKubelet lenient = new SimulatedKubelet(runtime, nodes.root("c2"), "c2", KubeVersion.parse("1.32.4"), SimulatedKubelet.Options.sandbox());
            lenient.start();
            awaitCsr(lenient);
            assertThat(lenient.journal().lines()).anyMatch(l -> l.startsWith("W") && l.contains(
                    "using lenient decoding as strict decoding failed: strict decoding error: unknown field \"maxPodz\""));
            assertThat(lenient.state()).isEqualTo(SimulatedKubelet.State.RUNNING);
            lenient.stop();
        }
    }

    @Test
    void fieldFromALaterReleaseIsUnknown(@TempDir Path tmp) throws Exception {
        try (SandboxApiServer server = sandbox("v1.26.15")) {
            RenderedNodes nodes = RenderedNodes.render(server, tmp, "1.26.15", "containerd", "c3", "127.0.1.9");
            nodes.edit("c3", "/etc/kubernetes/kubelet-config.yaml", c -> c + "containerRuntimeEndpoint: unix:///run/containerd/containerd.sock\n");
            SimulatedKubelet k = new SimulatedKubelet(runtime, nodes.root("c3"), "c3", KubeVersion.parse("1.26.15"),
                    SimulatedKubelet.Options.sandbox().withStrictConfigFields(true));
            k.start();
            assertThat(k.awaitSettled(10, TimeUnit.SECONDS)).isEqualTo(SimulatedKubelet.State.FAILED);
            assertThat(k.failureReason()).contains("unknown field \"containerRuntimeEndpoint\"");
        }
    }

    @Test
    void loopbackAddressRefusedUnlessTheSandboxAllowsIt(@TempDir Path tmp) throws Exception {
        try (SandboxApiServer server = sandbox("v1.32.4")) {
            RenderedNodes nodes = RenderedNodes.render(server, tmp, "1.32.4", "containerd", "l1", "127.0.1.10");
            SimulatedKubelet k = new SimulatedKubelet(runtime, nodes.root("l1"), "l1", KubeVersion.parse("1.32.4"), SimulatedKubelet.Options.defaults());
            k.start();
            assertThat(k.awaitSettled(10, TimeUnit.SECONDS)).isEqualTo(SimulatedKubelet.State.FAILED);
            assertThat(k.failureReason()).contains("127.0.1.10").contains("loopback");
        }
    }

    @Test
    void misbehaviourSwitches(@TempDir Path tmp) throws Exception {
        try (SandboxApiServer server = sandbox("v1.32.4")) {
            KubernetesClient admin = server.adminClient();
            RenderedNodes nodes = RenderedNodes.render(server, tmp, "1.32.4", "containerd", "m1", "127.0.1.11", "m2", "127.0.1.12");
            SimulatedKubelet broken = new SimulatedKubelet(runtime, nodes.root("m1"), "m1", KubeVersion.parse("1.32.4"),
                    SimulatedKubelet.Options.sandbox().withFailAtStart(true));
            broken.start();
            assertThat(broken.awaitSettled(10, TimeUnit.SECONDS)).isEqualTo(SimulatedKubelet.State.FAILED);
            assertThat(broken.journal().last(1).get(0)).contains("\"command failed\"");

            SimulatedKubelet forger = new SimulatedKubelet(runtime, nodes.root("m2"), "m2", KubeVersion.parse("1.32.4"),
                    SimulatedKubelet.Options.sandbox().withForgeCsrForNode("m1"));
            forger.start();
            awaitCsr(forger);
            CertificateSigningRequest csr = admin.certificates().v1().certificateSigningRequests().withName(forger.clientCsrName()).get();
            String request = new String(java.util.Base64.getDecoder().decode(csr.getSpec().getRequest()));
            assertThat(CertificateRequests.parseSpecRequest(csr.getSpec().getRequest()).getSubject().toString()).contains("system:node:m1");
            assertThat(request).contains("CERTIFICATE REQUEST");
            // kubejoin's approver denies it (m2's token asks for m1's identity); what the kubelet then does is
            // aForgedClientCsrDeniedKeepsARotatingKubeletRetryingWithNewCsrs
            String first = forger.clientCsrName();
            approveUntil(admin, nodes, () -> decided(admin, first));
            assertThat(admin.certificates().v1().certificateSigningRequests().withName(first).get().getStatus().getConditions())
                    .extracting(c -> c.getType()).containsExactly("Denied");
            forger.stop();
        }
    }

    /** client-go's manager line for a CSR that was created but never signed (WaitForCertificate's error, wrapped). */
    private static final String CLIENT_CERT_NOT_SIGNED = "E\\d{4} \\d{2}:\\d{2}:\\d{2}\\.\\d{6} +\\d+ certificate_manager\\.go:\\d+\\] "
            + "kubernetes\\.io/kube-apiserver-client-kubelet: certificate request was not signed: cannot watch on the certificate signing request: "
            + "certificate signing request is denied, reason: KubejoinPolicyDenied, message: .*system:node:m1.*";

    /**
     * A denied client CSR with rotateCertificates: the real certificate manager (rotateCerts) logs "certificate request
     * was not signed: cannot watch on the certificate signing request: certificate signing request is denied, reason:
     * ..., message: ..." and returns to its backoff, filing a new CSR (with a new key) 2 s later; the process runs on,
     * without a client certificate, and its healthz (:10248) answers. The old simulator exited on the denial.
     */
    @Tag("hostile")
    @Test
    void aForgedClientCsrDeniedKeepsARotatingKubeletRetryingWithNewCsrs(@TempDir Path tmp) throws Exception {
        try (SandboxApiServer server = sandbox("v1.32.4")) {
            KubernetesClient admin = server.adminClient();
            RenderedNodes nodes = RenderedNodes.render(server, tmp, "1.32.4", "containerd", "m1", "127.0.1.31", "m2", "127.0.1.32");
            SimulatedKubelet forger = new SimulatedKubelet(runtime, nodes.root("m2"), "m2", KubeVersion.parse("1.32.4"),
                    SimulatedKubelet.Options.sandbox().withForgeCsrForNode("m1"));
            boolean[] exited = new boolean[1];
            forger.onExit(() -> exited[0] = true);
            forger.start();
            try {
                assertThat(forger.awaitClientCsr(20, TimeUnit.SECONDS)).isNotNull();
                String first = forger.clientCsrName();
                approveUntil(admin, nodes, () -> decided(admin, first));
                // the manager's backoff (2 s +10%) files a second CSR, which the approver denies again
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (first.equals(forger.clientCsrName()) && System.nanoTime() < end) Thread.sleep(20);
                String second = forger.clientCsrName();
                assertThat(second).as("journal %s", forger.journal().lines()).isNotEqualTo(first);
                approveUntil(admin, nodes, () -> decided(admin, second));
                end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (forger.journal().lines().stream().filter(l -> l.matches(CLIENT_CERT_NOT_SIGNED)).count() < 2 && System.nanoTime() < end) {
                    Thread.sleep(20);
                }
                assertThat(forger.state()).as("journal %s", forger.journal().lines()).isEqualTo(SimulatedKubelet.State.RUNNING);
                assertThat(exited[0]).isFalse();
                assertThat(forger.failureReason()).isNull();
                assertThat(forger.journal().lines()).filteredOn(l -> l.matches(CLIENT_CERT_NOT_SIGNED)).hasSize(2);
                assertThat(forger.journal().lines()).noneMatch(l -> l.contains("\"command failed\""))
                        .noneMatch(l -> l.contains("Failed while requesting a signed certificate"))
                        .filteredOn(l -> l.endsWith("kubernetes.io/kube-apiserver-client-kubelet: Rotating certificates")).hasSizeBetween(2, 3);
                for (String name : List.of(first, second)) {
                    CertificateSigningRequest csr = admin.certificates().v1().certificateSigningRequests().withName(name).get();
                    assertThat(csr.getStatus().getConditions()).extracting(c -> c.getType()).containsExactly("Denied");
                    assertThat(csr.getStatus().getCertificate()).isNull();
                }
                // client-go's generateCSR makes a new private key for every attempt
                assertThat(CertificateRequests.parseSpecRequest(admin.certificates().v1().certificateSigningRequests().withName(first).get()
                        .getSpec().getRequest()).getSubjectPublicKeyInfo())
                        .isNotEqualTo(CertificateRequests.parseSpecRequest(admin.certificates().v1().certificateSigningRequests().withName(second).get()
                                .getSpec().getRequest()).getSubjectPublicKeyInfo());
                assertThat(nodes.root("m2").resolve("etc/kubernetes/cert/kubelet-client-current.pem")).doesNotExist();
                assertThat(admin.nodes().withName("m2").get()).isNull();
                // server.go starts the healthz server once RunKubelet returns, which with rotation does not wait for the certificate
                assertThat(forger.healthzServing()).isTrue();
            } finally {
                forger.stop();
            }
        }
    }

    /** Without rotation, LoadClientCert's WaitForCertificate error ends the process ("failed to run Kubelet: ..."). */
    @Tag("hostile")
    @Test
    void aDeniedClientCsrEndsAKubeletWithoutRotation(@TempDir Path tmp) throws Exception {
        try (SandboxApiServer server = sandbox("v1.32.4")) {
            KubernetesClient admin = server.adminClient();
            RenderedNodes nodes = RenderedNodes.render(server, tmp, "1.32.4", "containerd", "m1", "127.0.1.33", "m2", "127.0.1.34");
            nodes.edit("m2", "/etc/kubernetes/kubelet-config.yaml", c -> c.replace("rotateCertificates: true", "rotateCertificates: false"));
            SimulatedKubelet forger = new SimulatedKubelet(runtime, nodes.root("m2"), "m2", KubeVersion.parse("1.32.4"),
                    SimulatedKubelet.Options.sandbox().withForgeCsrForNode("m1"));
            forger.start();
            assertThat(forger.awaitClientCsr(20, TimeUnit.SECONDS)).isNotNull();
            assertThat(forger.healthzServing()).as("LoadClientCert runs before the healthz server").isFalse();
            approveUntil(admin, nodes, () -> forger.state() != SimulatedKubelet.State.RUNNING);
            assertThat(forger.awaitSettled(10, TimeUnit.SECONDS)).isEqualTo(SimulatedKubelet.State.FAILED);
            assertThat(forger.failureReason()).startsWith("failed to run Kubelet: cannot watch on the certificate signing request: "
                    + "certificate signing request is denied, reason: KubejoinPolicyDenied, message: ");
            assertThat(forger.journal().last(1).get(0)).matches("E\\d{4} .* run\\.go:\\d+\\] \"command failed\" err=\"failed to run Kubelet: "
                    + "cannot watch on the certificate signing request: certificate signing request is denied, reason: KubejoinPolicyDenied, message: .*\"");
        }
    }

    /**
     * Issue 13: a kubelet may write its own Node status. m2 adds 8.8.8.8 to it before filing its serving CSR, which
     * therefore names 8.8.8.8 (kubelet takes the SANs from its status); kubejoin's approver denies it with the
     * address in the reason, while m1's honest serving CSR is approved and signed.
     */
    @Tag("hostile")
    @Test
    void aServingCsrForAnAddressTheNodeOnlyReportsItselfIsDenied(@TempDir Path tmp) throws Exception {
        try (SandboxApiServer server = sandbox("v1.32.4")) {
            KubernetesClient admin = server.adminClient();
            RenderedNodes nodes = RenderedNodes.render(server, tmp, "1.32.4", "containerd", "m1", "127.0.1.21", "m2", "127.0.1.22");
            SimulatedKubelet honest = new SimulatedKubelet(runtime, nodes.root("m1"), "m1", KubeVersion.parse("1.32.4"),
                    SimulatedKubelet.Options.sandbox());
            SimulatedKubelet claimer = new SimulatedKubelet(runtime, nodes.root("m2"), "m2", KubeVersion.parse("1.32.4"),
                    SimulatedKubelet.Options.sandbox().withExtraStatusAddress("8.8.8.8"));
            honest.start();
            claimer.start();
            approveUntil(admin, nodes, () -> honest.state() != SimulatedKubelet.State.RUNNING
                    && claimer.state() != SimulatedKubelet.State.RUNNING);
            assertThat(claimer.awaitSettled(20, TimeUnit.SECONDS)).as("journal %s", claimer.journal().lines())
                    .isEqualTo(SimulatedKubelet.State.READY);
            assertThat(admin.nodes().withName("m2").get().getStatus().getAddresses())
                    .extracting(NodeAddress::getType, NodeAddress::getAddress)
                    .contains(org.assertj.core.groups.Tuple.tuple("ExternalIP", "8.8.8.8"));
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while ((honest.servingCsrName() == null || claimer.servingCsrName() == null) && System.nanoTime() < end) {
                Thread.sleep(50);
            }
            String claimed = claimer.servingCsrName();
            approveUntil(admin, nodes, () -> honest.servingCertificateWritten() && decided(admin, claimed));

            CertificateSigningRequest bad = admin.certificates().v1().certificateSigningRequests()
                    .withName(claimed).get();
            // the kubelet asked for what its status holds, 8.8.8.8 included
            var attr = CertificateRequests.parseSpecRequest(bad.getSpec().getRequest())
                    .getAttributes(org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers.pkcs_9_at_extensionRequest)[0];
            var sans = org.bouncycastle.asn1.x509.GeneralNames.fromExtensions(
                    org.bouncycastle.asn1.x509.Extensions.getInstance(attr.getAttrValues().getObjectAt(0)),
                    org.bouncycastle.asn1.x509.Extension.subjectAlternativeName);
            assertThat(java.util.Arrays.stream(sans.getNames()).map(Object::toString).toList())
                    .containsExactly("2: m2", "7: #08080808", "7: #7f000116"); // IPs in byte order, as kubelet sorts them
            assertThat(bad.getStatus().getConditions()).singleElement().satisfies(c -> {
                assertThat(c.getType()).isEqualTo("Denied");
                assertThat(c.getReason()).isEqualTo("KubejoinPolicyDenied");
                assertThat(c.getMessage()).contains("IP address 8.8.8.8 is not an address the inventory states for node m2");
            });
            assertThat(bad.getStatus().getCertificate()).isNull();
            assertThat(claimer.servingCertificateWritten()).isFalse();
            // the serving certificate manager logs the denial and files a new CSR on its backoff (2 s +10%), as the real one
            end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (claimed.equals(claimer.servingCsrName()) && System.nanoTime() < end) Thread.sleep(20);
            assertThat(claimer.servingCsrName()).as("journal %s", claimer.journal().lines()).isNotEqualTo(claimed);
            assertThat(claimer.journal().lines()).anyMatch(l -> l.contains("kubernetes.io/kubelet-serving: certificate request was not signed: "
                    + "cannot watch on the certificate signing request: certificate signing request is denied, reason: KubejoinPolicyDenied"));
            assertThat(claimer.state()).isEqualTo(SimulatedKubelet.State.READY);
            claimer.stop();
            assertThat(honest.servingCertificateWritten()).as("journal %s", honest.journal().lines()).isTrue();
            CertificateSigningRequest good = admin.certificates().v1().certificateSigningRequests()
                    .withName(honest.servingCsrName()).get();
            assertThat(good.getStatus().getConditions()).extracting(c -> c.getType()).containsExactly("Approved");
        }
    }

    private static boolean decided(KubernetesClient admin, String csr) {
        if (csr == null) return false;
        CertificateSigningRequest c = admin.certificates().v1().certificateSigningRequests().withName(csr).get();
        return c != null && c.getStatus() != null && c.getStatus().getConditions() != null
                && !c.getStatus().getConditions().isEmpty();
    }

    @Test
    void aThousandShareTheRuntimesThreads() {
        // construction and bookkeeping only: no thread per kubelet
        int before = Thread.activeCount();
        List<SimulatedKubelet> many = new java.util.ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            many.add(new SimulatedKubelet(runtime, Path.of("/nonexistent/n" + i), "n" + i, KubeVersion.parse("1.32.4"),
                    SimulatedKubelet.Options.sandbox().withFailAtStart(true)));
        }
        many.forEach(SimulatedKubelet::start);
        assertThat(many).allSatisfy(k -> assertThat(k.awaitSettled(10, TimeUnit.SECONDS)).isEqualTo(SimulatedKubelet.State.FAILED));
        assertThat(Thread.activeCount()).isLessThan(before + 20);
    }

    /** Many kubelets joining at once on one runtime: all Ready, and the thread count does not grow with them. */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void fiftyNodesJoinTogetherOnSharedThreads(@TempDir Path tmp) throws Exception {
        int n = 50;
        try (SandboxApiServer server = sandbox("v1.32.4")) {
            String[] spec = new String[2 * n];
            for (int i = 0; i < n; i++) {
                spec[2 * i] = "w" + i;
                spec[2 * i + 1] = "127.0.3." + (i + 1);
            }
            RenderedNodes nodes = RenderedNodes.render(server, tmp, "1.32.4", "containerd", spec);
            long threadsBefore = vertxThreads();
            long t0 = System.nanoTime();
            List<SimulatedKubelet> kubelets = new java.util.ArrayList<>();
            for (int i = 0; i < n; i++) {
                SimulatedKubelet k = new SimulatedKubelet(runtime, nodes.root("w" + i), "w" + i, KubeVersion.parse("1.32.4"),
                        SimulatedKubelet.Options.sandbox());
                kubelets.add(k);
                k.start();
            }
            approveUntil(server.adminClient(), nodes, () -> kubelets.stream().allMatch(k -> k.state() != SimulatedKubelet.State.RUNNING));
            long threadsDuring = vertxThreads();
            for (SimulatedKubelet k : kubelets) {
                assertThat(k.awaitSettled(30, TimeUnit.SECONDS)).as("%s journal %s", k, k.journal().lines()).isEqualTo(SimulatedKubelet.State.READY);
            }
            System.out.printf("%d simulated kubelets Ready in %d ms (Vert.x threads %d before, %d during)%n", n,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), threadsBefore, threadsDuring);
            assertThat(server.adminClient().nodes().list().getItems()).hasSize(n);
            // the runtime's pools are fixed (2 event loops, 4 workers, 2 internal blocking); the sandbox server's own Vert.x
            // grows its internal blocking pool (at most 20) during the TLS handshakes. Not one thread per kubelet.
            assertThat(threadsDuring).isLessThan(threadsBefore + 25);
        }
    }

    /** Threads of the Vert.x instances (the runtime's and the sandbox server's): all the simulated nodes run on. */
    private static long vertxThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("vert.x-")).count();
    }
}
