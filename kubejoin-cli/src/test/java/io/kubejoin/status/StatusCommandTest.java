package io.kubejoin.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestBuilder;
import io.kubejoin.testing.Cli;
import io.kubejoin.testing.Cli.Run;
import io.kubejoin.sandbox.Sandbox;
import io.kubejoin.sandbox.SandboxNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * kubejoin status against a joined sandbox fleet: healthy first, then one condition per test on one node, each
 * seen in that node's row only. The tests share one fleet and undo what they break.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(180)
class StatusCommandTest {
    Sandbox sandbox;
    List<String> names;

    @BeforeAll
    void joinAFleet(@TempDir Path dir) throws Exception {
        sandbox = Sandbox.start(dir.resolve("sandbox"), Sandbox.Options.defaults(3));
        names = new ArrayList<>(sandbox.nodes().keySet());
        Run join = Cli.kubejoin("join", "-f", sandbox.inventoryFile().toString(), "--plain");
        assertThat(join.exit()).as(join.out() + join.err()).isZero();
    }

    @AfterAll
    void stop() {
        if (sandbox != null) sandbox.close();
    }

    private Run status(String... extra) {
        List<String> args = new ArrayList<>(List.of("status", "-f", sandbox.inventoryFile().toString(), "-o", "json"));
        args.addAll(List.of(extra));
        return Cli.kubejoin(args.toArray(String[]::new));
    }

    @Test
    void aJoinedFleetIsHealthy() {
        Run r = status();
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        for (String n : names) {
            JsonNode row = r.node(n);
            assertThat(row.path("healthy").asBoolean()).as(row.toString()).isTrue();
            assertThat(row.path("ready").asBoolean()).isTrue();
            assertThat(row.path("kubeletVersion").asString()).isEqualTo("v1.34.2");
            assertThat(row.path("servingCertificateExpiry").asString()).startsWith("20");
            assertThat(row.path("clientCertificateExpiry").asString()).startsWith("20");
            assertThat(row.path("kubeProxyCertificateExpiry").asString()).startsWith("20");
        }
        Run table = Cli.kubejoin("status", "-f", sandbox.inventoryFile().toString());
        assertThat(table.out()).contains("3 nodes healthy").contains("Ready").contains("364d");
    }

    @Test
    void certificatesExpiringWithinTheWarningWindowNeedAction() {
        // the kubelet certificates the sandbox's signer issues last a year, kube-proxy's ten
        Run r = status("--warn-days", "400");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.node(names.get(0)).path("problems").toString())
                .contains("kubelet serving certificate expires in 36").contains("kubelet client certificate expires in 36")
                .doesNotContain("kube-proxy certificate expires");
    }

    @Test
    void aStoppedKubeProxyIsFlaggedOnItsNodeOnly() {
        SandboxNode n = sandbox.node(names.get(1));
        assertThat(n.exec("systemctl stop kube-proxy").exitCode()).isZero();
        try {
            Run r = status();
            assertThat(r.exit()).isEqualTo(1);
            assertThat(r.node(names.get(1)).path("problems").toString())
                    .contains("kube-proxy service inactive").contains("healthz :10256");
            assertThat(r.node(names.get(0)).path("healthy").asBoolean()).isTrue();
        } finally {
            assertThat(n.exec("systemctl restart kube-proxy").exitCode()).isZero();
            // as a real one, it answers healthz a moment after its start and has its rules with its first sync
            try {
                assertThat(n.kubeProxy().awaitRulesSynced(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Test
    void anUnreachableNodeIsReportedAndTheOthersProbed() {
        SandboxNode n = sandbox.node(names.get(2));
        sandbox.ssh().setUnreachable(n.address(), true);
        try {
            Run r = status();
            assertThat(r.exit()).isEqualTo(1);
            assertThat(r.node(names.get(2)).path("problems").toString()).contains("unreachable over SSH");
            assertThat(r.node(names.get(0)).path("healthy").asBoolean()).isTrue();
        } finally {
            sandbox.ssh().setUnreachable(n.address(), false);
        }
    }

    @Test
    void aPendingCsrOfANodeAndAClusterNodeOutsideTheInventoryAreShown() throws Exception {
        // node-1 asks for a serving certificate with its own client certificate; nothing approves it here
        Path pem = sandbox.node(names.get(0)).root().resolve("etc/kubernetes/cert/kubelet-client-current.pem");
        String both = Files.readString(pem);
        String cert = both.substring(0, both.indexOf("-----END CERTIFICATE-----") + 26);
        String key = both.substring(both.indexOf("-----BEGIN EC PRIVATE KEY-----"));
        var keys = java.security.KeyPairGenerator.getInstance("EC");
        keys.initialize(256);
        var kp = keys.generateKeyPair();
        var req = new org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder(
                new org.bouncycastle.asn1.x500.X500Name("O=system:nodes,CN=system:node:" + names.get(0)), kp.getPublic())
                .build(new org.bouncycastle.operator.jcajce.JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate()));
        String reqPem = "-----BEGIN CERTIFICATE REQUEST-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(req.getEncoded())
                + "\n-----END CERTIFICATE REQUEST-----\n";
        try (var asNode = sandbox.api().clientWithCertificate(cert, key)) {
            asNode.certificates().v1().certificateSigningRequests().resource(new CertificateSigningRequestBuilder()
                    .withNewMetadata().withName("status-test-serving").endMetadata()
                    .withNewSpec().withSignerName("kubernetes.io/kubelet-serving")
                    .withRequest(Base64.getEncoder().encodeToString(reqPem.getBytes(StandardCharsets.US_ASCII)))
                    .withUsages("digital signature", "server auth").endSpec().build()).create();
        }
        sandbox.api().adminClient().nodes().resource(new NodeBuilder().withNewMetadata().withName("stranger").endMetadata()
                .build()).create();
        try {
            Run r = status();
            assertThat(r.exit()).isEqualTo(1);
            assertThat(r.node(names.get(0)).path("pendingCsrs").asInt()).isEqualTo(1);
            assertThat(r.node(names.get(1)).path("pendingCsrs").asInt()).isZero();
            JsonNode stranger = r.node("stranger");
            assertThat(stranger.path("inInventory").asBoolean()).isFalse();
            assertThat(stranger.path("problems").toString()).contains("NotReady");
        } finally {
            sandbox.api().adminClient().certificates().v1().certificateSigningRequests().withName("status-test-serving").delete();
            sandbox.api().adminClient().nodes().withName("stranger").delete();
        }
    }

    @Test
    void aKubeletWhoseVersionCarriesABuildSuffixIsTheInventorysRelease() throws Exception {
        SandboxNode n = sandbox.node(names.get(2));
        n.kubeletBuildSuffix("-lab");
        try {
            restartKubelet(n);
            Run r = status();
            JsonNode row = r.node(names.get(2));
            assertThat(row.path("kubeletVersion").asString()).isEqualTo("v1.34.2-lab");
            assertThat(row.path("healthy").asBoolean()).as(row.toString()).isTrue();
        } finally {
            n.kubeletBuildSuffix("");
            restartKubelet(n);
        }
    }

    private void restartKubelet(SandboxNode n) throws Exception {
        io.kubejoin.testing.KubeletRestarts.restartAndApprove(n, sandbox.inventoryFile());
    }

    @Test
    void anotherPatchReleaseIsStillFlaggedWithTheFullVersionString() {
        assertThat(FleetStatus.sameRelease("v1.34.2-eks-1a2b3c", io.kubejoin.version.KubeVersion.parse("1.34.2"))).isTrue();
        assertThat(FleetStatus.sameRelease("v1.34.2+k3s1", io.kubejoin.version.KubeVersion.parse("1.34.2"))).isTrue();
        assertThat(FleetStatus.sameRelease("v1.34.1-lab", io.kubejoin.version.KubeVersion.parse("1.34.2"))).isFalse();
        assertThat(FleetStatus.sameRelease("v1.34", io.kubejoin.version.KubeVersion.parse("1.34.0"))).isFalse();
    }
}
