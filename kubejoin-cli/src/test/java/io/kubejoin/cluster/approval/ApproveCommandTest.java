package io.kubejoin.cluster.approval;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubejoin.cli.Main;
import io.kubejoin.inventory.InventoryLoader;
import io.kubejoin.render.ClusterManifests;
import io.kubejoin.sandbox.api.SandboxApiServer;
import io.kubejoin.token.BootstrapToken;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;

/** `kubejoin approve --once|--watch` end to end against the sandbox API server and its signer. */
@Timeout(90)
class ApproveCommandTest {
    @TempDir
    Path dir;
    SandboxApiServer sandbox;
    BootstrapToken token1;
    String[] common;

    @BeforeEach
    void start() throws Exception {
        Path pki = Path.of("examples/pki").toAbsolutePath();
        // the inventory's CA: otherwise the cluster identity check refuses the sandbox as another cluster
        sandbox = SandboxApiServer.start(SandboxApiServer.Options.defaults().withCa(io.kubejoin.sandbox.tls.SandboxCa.of(
                io.kubejoin.pki.CertificateAuthority.load(pki.resolve("ca.pem"), "pki.caCert", pki.resolve("ca-key.pem"), "pki.caKey"))));
        Path kubeconfig = dir.resolve("admin.kubeconfig");
        sandbox.writeAdminKubeconfig(kubeconfig);
        Path inv = dir.resolve("inventory.yaml");
        Files.writeString(inv, """
                kubernetesVersion: "1.32.4"
                apiServer: %s
                pki: { caCert: %s/ca.pem, caKey: %s/ca-key.pem }
                nodes:
                  - { name: worker-1, address: 10.0.0.21 }
                  - { name: worker-2, address: 10.0.0.22 }
                """.formatted(sandbox.url(), pki, pki));
        token1 = new BootstrapToken("abc123", "0123456789abcdef", "worker-1", Instant.now().plus(Duration.ofHours(1)));
        sandbox.adminClient().secrets().resource(
                ClusterManifests.bootstrapTokenSecret(InventoryLoader.load(inv), token1)).create();
        common = new String[] {"-f", inv.toString(), "--kubeconfig", kubeconfig.toString()};
    }

    @AfterEach
    void stop() {
        sandbox.close();
    }

    private record Run(int exit, String out, String err) {
    }

    private Run kubejoin(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] all = new String[args.length + common.length];
        System.arraycopy(args, 0, all, 0, args.length);
        System.arraycopy(common, 0, all, args.length, common.length);
        int exit = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), all);
        return new Run(exit, out.toString(), err.toString());
    }

    private void createAsToken(String name, String node) {
        KubernetesClient boot = sandbox.clientWithToken(token1.value());
        boot.certificates().v1().certificateSigningRequests().resource(
                CsrApproverSandboxTest.clientCsr(name, TestCsrs.nodeRequest(node).specRequest())).create();
    }

    private CertificateSigningRequest get(String name) {
        return sandbox.adminClient().certificates().v1().certificateSigningRequests().withName(name).get();
    }

    @Tag("hostile")
    @Test
    void onceApprovesTheNodesOwnRequestAndDeniesAForgedOne() {
        createAsToken("legit", "worker-1");
        createAsToken("forged", "worker-2");
        Run r = kubejoin("approve", "--once");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("approved legit:").contains("denied   forged:")
                .contains("token abc123 was issued for node worker-1, but the request is for system:node:worker-2")
                .contains("2 CSR(s): 1 approved, 1 denied, 0 left pending, 0 failed")
                .doesNotContain("0123456789abcdef");
        assertThat(CsrApproverSandboxTest.condition(get("legit"), "Approved")).isPresent();
        assertThat(CsrApproverSandboxTest.condition(get("forged"), "Denied"))
                .hasValueSatisfying(c -> assertThat(c.getReason()).isEqualTo("KubejoinPolicyDenied"));
        // a second pass has nothing left to do
        assertThat(kubejoin("approve", "--once").out()).contains("0 CSR(s)");
    }

    @Test
    void watchHandlesRequestsAsTheyArrive() throws Exception {
        CompletableFuture<Run> running = CompletableFuture.supplyAsync(() -> kubejoin("approve", "--watch", "--for", "8s"));
        Thread.sleep(2_000);
        createAsToken("arrives-later", "worker-1");
        Run r = running.get();
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("watching CertificateSigningRequests").contains("approved arrives-later:");
        // the sandbox's signer issues the approved certificate
        CertificateSigningRequest csr = get("arrives-later");
        assertThat(csr.getStatus().getCertificate()).isNotBlank();
    }

    @Tag("hostile")
    @Test
    void needsTheInventoryAndOneMode() {
        common = new String[0];
        Run r = kubejoin("approve", "--once", "--watch");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(List.of(r.err())).allMatch(e -> e.contains("mutually exclusive") || e.contains("--once"));
    }
}
