package io.kubejoin.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestBuilder;
import io.kubejoin.cli.Main;
import io.kubejoin.cluster.KubeConnection;
import io.kubejoin.pki.CaGenerator;
import io.kubejoin.pki.KeySpec;
import io.kubejoin.remote.SshConnector;
import io.kubejoin.remote.SshOptions;
import io.kubejoin.sandbox.Sandbox;
import io.kubejoin.sandbox.SandboxNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * kubejoin doctor against a joined sandbox fleet: a healthy fleet gives no finding; then each test creates one
 * condition on one node (or the control plane), asserts the diagnosis, and undoes it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(240)
class DoctorTest {
    Sandbox sandbox;
    List<String> names;
    KubeConnection conn;
    SshConnector ssh;

    @BeforeAll
    void joinAFleet(@TempDir Path dir) throws Exception {
        sandbox = Sandbox.start(dir.resolve("sandbox"), Sandbox.Options.defaults(3));
        names = new ArrayList<>(sandbox.nodes().keySet());
        StringWriter out = new StringWriter();
        int exit = Main.run(new PrintWriter(out, true), new PrintWriter(out, true), "join", "-f",
                sandbox.inventoryFile().toString(), "--plain");
        assertThat(exit).as(out.toString()).isZero();
        conn = KubeConnection.open(sandbox.adminKubeconfig(), Duration.ofSeconds(10));
        ssh = new SshConnector(SshOptions.defaults());
    }

    @AfterAll
    void stop() {
        if (ssh != null) ssh.close();
        if (conn != null) conn.close();
        if (sandbox != null) sandbox.close();
    }

    private List<Diagnosis> doctor(Doctor.Settings settings, String... nodes) throws InterruptedException {
        var inv = sandbox.inventory();
        List<io.kubejoin.inventory.Node> selected = nodes.length == 0 ? inv.nodes()
                : List.of(nodes).stream().map(n -> inv.node(n).orElseThrow()).toList();
        return Doctor.run(inv, selected, conn, n -> ssh.open(io.kubejoin.remote.SshTarget.of(n)), settings, Clock.systemUTC());
    }

    private List<Diagnosis> doctor(String... nodes) throws InterruptedException {
        return doctor(Doctor.Settings.defaults(), nodes);
    }

    private static List<String> ids(List<Diagnosis> found) {
        return found.stream().map(d -> d.id() + "@" + d.where()).toList();
    }

    private SandboxNode node(int i) {
        return sandbox.node(names.get(i));
    }

    @Test
    void aHealthyFleetHasNoFindings() throws Exception {
        assertThat(ids(doctor())).isEmpty();
        StringWriter out = new StringWriter();
        int exit = Main.run(new PrintWriter(out, true), new PrintWriter(out, true), "doctor", "-f",
                sandbox.inventoryFile().toString());
        assertThat(exit).as(out.toString()).isZero();
        assertThat(out.toString()).contains("no problems found");
    }

    @Test
    void swapOnWithFailSwapOn() throws Exception {
        Path swaps = node(0).root().resolve("proc/swaps");
        String before = Files.readString(swaps);
        Files.writeString(swaps, before + "/swapfile                               file\t\t2097148\t\t0\t\t-2\n");
        try {
            List<Diagnosis> found = doctor(names.get(0));
            assertThat(ids(found)).containsExactly("swap@" + names.get(0));
            assertThat(found.get(0).fix()).contains("swapoff -a");
        } finally {
            Files.writeString(swaps, before);
        }
    }

    @Test
    void containerRuntimeDown() throws Exception {
        node(1).runtimeDown(true);
        try {
            assertThat(ids(doctor(names.get(1)))).containsExactly("runtime-socket@" + names.get(1));
        } finally {
            node(1).runtimeDown(false);
        }
    }

    @Test
    void kubeProxysHostnameOverrideDiffersFromTheKubeletsNodeName() throws Exception {
        Path config = node(2).root().resolve("etc/kubernetes/kube-proxy-config.yaml");
        String before = Files.readString(config);
        Files.writeString(config, before.replace("hostnameOverride: " + names.get(2), "hostnameOverride: worker-x"));
        try {
            List<Diagnosis> found = doctor(names.get(2));
            assertThat(ids(found)).contains("hostname-mismatch@" + names.get(2));
            assertThat(found.stream().filter(d -> d.id().equals("hostname-mismatch")).findFirst().orElseThrow().evidence())
                    .contains("worker-x");
        } finally {
            Files.writeString(config, before);
        }
    }

    @Test
    void theMachinesHostnameIsNotTheNodeNameWithoutAnOverride() throws Exception {
        Path unit = node(0).root().resolve("etc/systemd/system/kubelet.service");
        String before = Files.readString(unit);
        Files.writeString(unit, before.replaceAll("\\s*--hostname-override=\\S+ \\\\\n", "\n"));
        node(0).hostname("localhost.localdomain");
        try {
            assertThat(ids(doctor(names.get(0)))).contains("node-name-mismatch@" + names.get(0));
        } finally {
            node(0).hostname(names.get(0));
            Files.writeString(unit, before);
        }
    }

    @Test
    void aFlagTheReleaseRemovedLeftInAHandEditedUnit() throws Exception {
        Path unit = node(1).root().resolve("etc/systemd/system/kubelet.service");
        String before = Files.readString(unit);
        Files.writeString(unit, before.replace("--v=", "--logtostderr=true \\\n  --v="));
        try {
            List<Diagnosis> found = doctor(names.get(1));
            assertThat(ids(found)).containsExactly("removed-flag@" + names.get(1));
            assertThat(found.get(0).what()).contains("--logtostderr").contains("removed in 1.26");
        } finally {
            Files.writeString(unit, before);
        }
    }

    @Test
    void kubeProxyStoppedKeepsItsRulesUntilCleanedUp() throws Exception {
        io.kubejoin.render.NodeFiles paths = new io.kubejoin.render.NodeFiles(sandbox.inventory().paths());
        assertThat(node(2).exec("systemctl stop kube-proxy").exitCode()).isZero();
        try {
            // the kernel keeps a stopped kube-proxy's rules; only kube-proxy --cleanup (or a flush) removes them
            assertThat(ids(doctor(names.get(2)))).doesNotContain("proxy-rules-missing@" + names.get(2));
            assertThat(node(2).exec("'" + paths.kubeProxyBinary() + "' --cleanup --config '" + paths.kubeProxyConfig() + "'")
                    .exitCode()).isZero();
            assertThat(ids(doctor(names.get(2)))).contains("proxy-rules-missing@" + names.get(2));
        } finally {
            assertThat(node(2).exec("systemctl restart kube-proxy").exitCode()).isZero();
        }
    }

    @Test
    void certificatesNearExpiry() throws Exception {
        Doctor.Settings d = Doctor.Settings.defaults();
        List<Diagnosis> found = doctor(new Doctor.Settings(d.parallel(), 400, d.unsignedAfter(), d.servingPending(),
                d.pileUp()), names.get(0));
        // the kubelet's client certificate (doctor's own check) and its serving certificate (as status flags it)
        assertThat(ids(found)).containsExactly("certificate-expiring@" + names.get(0), "certificate-expiring@" + names.get(0));
        assertThat(found.get(0).fix()).contains("kubejoin reset " + names.get(0));
        assertThat(found.get(1).what()).contains("serving");
    }

    @Test
    void csrsPilingUpForOneNodeAndServingCsrsNobodyApproves() throws Exception {
        List<String> created = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) created.add(servingCsrAs(names.get(1), "doctor-pile-" + i));
            Doctor.Settings d = Doctor.Settings.defaults();
            List<Diagnosis> found = doctor(new Doctor.Settings(d.parallel(), d.warnDays(), d.unsignedAfter(),
                    Duration.ZERO, 3), names.get(0));
            assertThat(ids(found)).contains("csrs-piling-up@" + names.get(1), "serving-csrs-unapproved@control plane");
            assertThat(found.stream().filter(x -> x.id().equals("csrs-piling-up")).findFirst().orElseThrow().evidence())
                    .contains("doctor-pile-0");
        } finally {
            for (String c : created) conn.client().certificates().v1().certificateSigningRequests().withName(c).delete();
        }
    }

    @Test
    void clockSkewBetweenThisMachineAndANode() throws Exception {
        var inv = sandbox.inventory();
        // this machine's clock ten minutes ahead is the same skew as the node's ten minutes behind
        List<Diagnosis> found = Doctor.run(inv, List.of(inv.node(names.get(0)).orElseThrow()), conn,
                n -> ssh.open(io.kubejoin.remote.SshTarget.of(n)), Doctor.Settings.defaults(),
                Clock.offset(Clock.systemUTC(), Duration.ofMinutes(10)));
        assertThat(ids(found)).contains("clock-skew@" + names.get(0));
    }

    @Test
    void t2ApprovedCsrsThatNothingSigns() throws Exception {
        sandbox.api().signer(false);
        String name = servingCsrAs(names.get(2), "doctor-t2");
        try {
            // as kubectl certificate approve: the /approval subresource
            conn.client().certificates().v1().certificateSigningRequests().withName(name).approve();
            Doctor.Settings d = Doctor.Settings.defaults();
            List<Diagnosis> found = doctor(new Doctor.Settings(d.parallel(), d.warnDays(), Duration.ZERO,
                    d.servingPending(), d.pileUp()), names.get(0));
            assertThat(ids(found)).contains("t2-csrs-not-signed@control plane");
            Diagnosis t2 = found.stream().filter(x -> x.id().equals("t2-csrs-not-signed")).findFirst().orElseThrow();
            assertThat(t2.evidence()).contains(name);
            assertThat(t2.fix()).contains("--cluster-signing-cert-file");
        } finally {
            conn.client().certificates().v1().certificateSigningRequests().withName(name).delete();
            sandbox.api().signer(true);
        }
    }

    @Test
    void t1BootstrapTokenAuthOff() throws Exception {
        sandbox.api().bootstrapTokenAuth(false);
        try {
            List<Diagnosis> found = doctor(names.get(0));
            assertThat(ids(found)).containsExactly("t1-bootstrap-token-auth@control plane");
            assertThat(found.get(0).fix()).contains("--enable-bootstrap-token-auth");
        } finally {
            sandbox.api().bootstrapTokenAuth(true);
        }
    }

    @Test
    void withoutAnInventoryOnlyTheControlPlaneIsChecked() {
        sandbox.api().bootstrapTokenAuth(false);
        try {
            var r = io.kubejoin.testing.Cli.kubejoin("doctor", "--kubeconfig", sandbox.adminKubeconfig().toString(), "-o", "json");
            assertThat(r.exit()).as(r.toString()).isEqualTo(1);
            assertThat(r.json().path("problems")).hasSize(1);
            assertThat(r.json().path("problems").get(0).path("id").asString()).isEqualTo("t1-bootstrap-token-auth");
        } finally {
            sandbox.api().bootstrapTokenAuth(true);
        }
        var healthy = io.kubejoin.testing.Cli.kubejoin("doctor", "--kubeconfig", sandbox.adminKubeconfig().toString());
        assertThat(healthy.exit()).as(healthy.toString()).isZero();
        assertThat(healthy.out()).contains("control plane only");
    }

    @Test
    void t3AKubeletWithAStaleClientCredentialIsOfferedTheReset() throws Exception {
        SandboxNode n = node(2);
        Path current = n.root().resolve("etc/kubernetes/cert/kubelet-client-current.pem");
        Path target = current.resolveSibling(Files.readSymbolicLink(current));
        String before = Files.readString(target);
        // a client certificate from an earlier cluster's CA: still "valid", but the API server does not know it
        Files.writeString(target, foreignClientCertificate(n.name()));
        try {
            assertThat(n.exec("systemctl restart kubelet").exitCode()).isZero();
            n.kubelet().awaitSettled(20, java.util.concurrent.TimeUnit.SECONDS);
            List<Diagnosis> found = doctor(n.name());
            assertThat(found).as(ids(found) + "\n" + String.join("\n", n.kubelet().journal().lines())).anySatisfy(d -> {
                assertThat(d.node()).isEqualTo(n.name());
                assertThat(d.evidence()).contains("Unauthorized");
                assertThat(d.fix()).contains("kubejoin reset " + n.name());
            });
        } finally {
            Files.writeString(target, before);
            restartKubelet(n);
        }
        // the Unauthorized lines are in the unit's journal still, but of the run before: no finding now
        assertThat(n.exec("journalctl -u kubelet --no-pager -o cat").stdout()).contains("Unauthorized");
        assertThat(ids(doctor(n.name()))).isEmpty();
    }

    /** journald keeps the lines of a failed run; once the unit is fixed and restarted they are history. */
    @Test
    void aFailedRunsLinesAreNoFindingOnceTheKubeletRunsAgain() throws Exception {
        SandboxNode n = node(0);
        Path unit = n.root().resolve("etc/systemd/system/kubelet.service");
        String before = Files.readString(unit);
        Files.writeString(unit, before.replace("--v=", "--logtostderr=true \\\n  --v="));
        try {
            n.exec("systemctl restart kubelet");
            // Type=simple: active at once, the process exits a moment later and waits RestartSec for its restart
            assertThat(n.kubelet().awaitSettled(10, java.util.concurrent.TimeUnit.SECONDS))
                    .isEqualTo(io.kubejoin.sandbox.kubelet.SimulatedKubelet.State.FAILED);
            List<Diagnosis> found = doctor(n.name());
            assertThat(ids(found)).contains("removed-flag@" + n.name(), "kubelet-failed@" + n.name());
            Diagnosis failed = found.stream().filter(d -> d.id().equals("kubelet-failed")).findFirst().orElseThrow();
            // Restart=always: between its runs the unit is activating (auto-restart), not failed
            assertThat(failed.evidence()).containsAnyOf("ActiveState=failed", "ActiveState=activating")
                    .contains("Failed with result 'exit-code'");
        } finally {
            Files.writeString(unit, before);
            restartKubelet(n);
        }
        assertThat(n.exec("journalctl -u kubelet --no-pager -o cat").stdout()).contains("unknown flag: --logtostderr");
        assertThat(ids(doctor(n.name()))).isEmpty();
    }

    /** A healthy first start logs "node not found" (even once after registering): history, not a finding. */
    @Test
    void theKubeletsStartUpNotFoundLinesOnAHealthyNodeAreNoFinding() throws Exception {
        String journal = node(0).exec("journalctl -u kubelet --no-pager -o cat").stdout();
        assertThat(journal).contains("\"Error getting node\" err=\"node \\\"" + names.get(0) + "\\\" not found\"");
        assertThat(journal.lastIndexOf("not found")).isGreaterThan(journal.indexOf("Successfully registered node"));
        assertThat(ids(doctor(names.get(0)))).isEmpty();
    }

    @Test
    void aStoppedKubeletIsReportedWithItsStateAndTheFix() throws Exception {
        SandboxNode n = node(1);
        assertThat(n.exec("systemctl stop kubelet").exitCode()).isZero();
        try {
            List<Diagnosis> found = doctor(n.name());
            assertThat(ids(found)).contains("kubelet-inactive@" + n.name())
                    // its last run's start-up "not found" lines are history: the Node exists
                    .doesNotContain("node-not-found@" + n.name());
            Diagnosis d = found.stream().filter(x -> x.id().equals("kubelet-inactive")).findFirst().orElseThrow();
            assertThat(d.evidence()).contains("ActiveState=inactive").contains("Stopped kubelet.service");
            assertThat(d.fix()).contains("systemctl start kubelet");
            var r = io.kubejoin.testing.Cli.kubejoin("doctor", "-f", sandbox.inventoryFile().toString(), n.name());
            assertThat(r.exit()).as(r.toString()).isEqualTo(1);
            assertThat(r.out()).contains("kubelet-inactive");
        } finally {
            restartKubelet(n);
        }
    }

    @Test
    void aKubeletOfAnotherReleaseIsReportedButABuildSuffixIsNot() throws Exception {
        SandboxNode n = node(2);
        n.kubeletBuildSuffix("-lab");
        try {
            restartKubelet(n);
            assertThat(ids(doctor(n.name()))).isEmpty();
        } finally {
            n.kubeletBuildSuffix("");
            restartKubelet(n);
        }
    }

    private void restartKubelet(SandboxNode n) throws Exception {
        io.kubejoin.testing.KubeletRestarts.restartAndApprove(n, sandbox.inventoryFile());
    }

    /** A serving CSR filed with the node's own client certificate (as its kubelet would), left pending. */
    private String servingCsrAs(String node, String name) throws Exception {
        String both = Files.readString(sandbox.node(node).root().resolve("etc/kubernetes/cert/kubelet-client-current.pem"));
        String cert = both.substring(0, both.indexOf("-----END CERTIFICATE-----") + 26);
        String key = both.substring(both.indexOf("-----BEGIN EC PRIVATE KEY-----"));
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(256);
        KeyPair kp = g.generateKeyPair();
        var req = new JcaPKCS10CertificationRequestBuilder(new X500Name("O=system:nodes,CN=system:node:" + node), kp.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate()));
        String pem = "-----BEGIN CERTIFICATE REQUEST-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(req.getEncoded()) + "\n-----END CERTIFICATE REQUEST-----\n";
        try (var asNode = sandbox.api().clientWithCertificate(cert, key)) {
            asNode.certificates().v1().certificateSigningRequests().resource(new CertificateSigningRequestBuilder()
                    .withNewMetadata().withName(name).endMetadata()
                    .withNewSpec().withSignerName("kubernetes.io/kubelet-serving")
                    .withRequest(Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.US_ASCII)))
                    .withUsages("digital signature", "server auth").endSpec().build()).create();
        }
        return name;
    }

    /** cert + EC key PEM for system:node:NAME signed by a CA the cluster never saw. */
    private static String foreignClientCertificate(String node) throws Exception {
        var ca = CaGenerator.generate("old-cluster-ca", KeySpec.ECDSA_256, Duration.ofDays(3650), Instant.now());
        var caKey = io.kubejoin.pki.PrivateKeys.parse(ca.privateKeyPem(), null, "test CA key");
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(256);
        KeyPair kp = g.generateKeyPair();
        var holder = new JcaX509v3CertificateBuilder(
                X500Name.getInstance(ca.certificate().getSubjectX500Principal().getEncoded()), BigInteger.TEN,
                Date.from(Instant.now().minusSeconds(60)), Date.from(Instant.now().plus(Duration.ofDays(300))),
                new X500Name("O=system:nodes,CN=system:node:" + node), kp.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKey));
        String certPem = "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(holder.getEncoded()) + "\n-----END CERTIFICATE-----\n";
        String keyPem = "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(kp.getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n";
        return certPem + keyPem;
    }
}
