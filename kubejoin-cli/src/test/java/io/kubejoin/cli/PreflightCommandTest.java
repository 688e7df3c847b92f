package io.kubejoin.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubejoin.sandbox.api.SandboxApiServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** `kubejoin preflight` against the sandbox API server, with T1 and T2 set up for real. */
@Timeout(90)
class PreflightCommandTest {
    @TempDir
    Path dir;
    SandboxApiServer server;

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    /** The sandbox signs with examples/pki, the inventory's CA: otherwise the cluster identity check refuses it. */
    private static SandboxApiServer.Options options() {
        Path pki = Path.of("examples/pki").toAbsolutePath();
        return SandboxApiServer.Options.defaults().withCa(io.kubejoin.sandbox.tls.SandboxCa.of(io.kubejoin.pki.CertificateAuthority
                .load(pki.resolve("ca.pem"), "pki.caCert", pki.resolve("ca-key.pem"), "pki.caKey")));
    }

    private String[] args(String version) throws Exception {
        Path kubeconfig = dir.resolve("admin.kubeconfig");
        server.writeAdminKubeconfig(kubeconfig);
        Path pki = Path.of("examples/pki").toAbsolutePath();
        Path inv = dir.resolve("inventory.yaml");
        Files.writeString(inv, """
                kubernetesVersion: "%s"
                apiServer: %s
                pki: { caCert: %s/ca.pem, caKey: %s/ca-key.pem }
                nodes:
                  - { name: worker-1, address: 10.0.0.21 }
                """.formatted(version, server.url(), pki, pki));
        return new String[] {"preflight", "-f", inv.toString(), "--kubeconfig", kubeconfig.toString()};
    }

    private record Run(int exit, String out, String err) {
    }

    private static Run kubejoin(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void healthyControlPlanePasses() throws Exception {
        server = SandboxApiServer.start(options().withGitVersion("v1.32.4"));
        Run r = kubejoin(args("1.32.4"));
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("preflight passed").doesNotContain("fail:");
        // the probe token is gone again
        assertThat(server.adminClient().secrets().inNamespace("kube-system").list().getItems())
                .noneMatch(s -> s.getMetadata().getName().startsWith("bootstrap-token-"));
    }

    @Test
    void t1BootstrapTokensRefusedNamesTheFlag() throws Exception {
        server = SandboxApiServer.start(options().withGitVersion("v1.32.4"));
        server.bootstrapTokenAuth(false);
        Run r = kubejoin(args("1.32.4"));
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.out()).contains("fail:").contains("does not accept bootstrap tokens")
                .contains("--enable-bootstrap-token-auth").contains("preflight failed");
    }

    @Test
    void t2ControllerManagerNotRunningIsNamed() throws Exception {
        server = SandboxApiServer.start(options().withGitVersion("v1.32.4")
                .withLease(Duration.ofSeconds(1), Duration.ofMillis(300)));
        server.signer(false);
        Thread.sleep(12_000); // lease duration + preflight's slack (10 s) must pass for the lease to count as stale
        Run r = kubejoin(args("1.32.4"));
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.out()).contains("kube-controller-manager").contains("--cluster-signing-cert-file");
    }

    @Test
    void controllerManagerWithoutLeaderElectionThatSignsIsAWarningNotARefusal() throws Exception {
        // kube-controller-manager --leader-elect=false: no Lease at all, and it signs
        server = SandboxApiServer.start(options().withGitVersion("v1.32.4").withSigner(false));
        server.signingController().leaderElect(false);
        server.signer(true);
        Run r = kubejoin(args("1.32.4"));
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("warn: controller-manager").contains("no leader lease")
                .contains("signed a throwaway certificate signing request").contains("preflight passed");
        // the throwaway CSR is gone again
        assertThat(server.adminClient().certificates().v1().certificateSigningRequests().list().getItems()).isEmpty();
    }

    @Test
    void kubeletNewerThanTheApiServerFails() throws Exception {
        server = SandboxApiServer.start(options().withGitVersion("v1.30.2"));
        Run r = kubejoin(args("1.32.4"));
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.out()).contains("1.30").contains("1.32");
    }
}
