package io.kubejoin.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubejoin.pki.OpenSsl;
import io.kubejoin.sandbox.api.SandboxApiServer;
import io.kubejoin.testing.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;

/**
 * Every command that takes the inventory checks its CA (certificate is a CA, valid now, key belongs to it) before
 * its first request: a key of another CA is exit 2 naming pki.caKey, and the cluster is exactly as before.
 */
@Timeout(90)
@Tag("hostile")
class CaCheckedFirstTest {
    @TempDir
    Path dir;
    SandboxApiServer server;
    Path kubeconfig;
    Path inventory;

    @BeforeEach
    void start() throws Exception {
        server = SandboxApiServer.start(SandboxApiServer.Options.defaults().withGitVersion("v1.34.2"));
        kubeconfig = dir.resolve("admin.kubeconfig");
        server.writeAdminKubeconfig(kubeconfig);
        OpenSsl.key(dir, "ec-pkcs8", "other-key.pem");
        Path pki = Path.of("examples/pki").toAbsolutePath();
        inventory = dir.resolve("inventory.yaml");
        // loopback addresses and a closed SSH port: nothing outside this machine is ever contacted
        Files.writeString(inventory, """
                kubernetesVersion: "1.34.2"
                apiServer: %s
                pki: { caCert: %s/ca.pem, caKey: %s, caConfig: %s/ca-config.json, profile: kubernetes }
                sandbox: true
                ssh: { port: 9 }
                nodes:
                  - { name: worker-1, address: 127.0.0.1 }
                """.formatted(server.url(), pki, dir.resolve("other-key.pem"), pki));
    }

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    private List<String> clusterObjects() {
        var client = server.adminClient();
        List<String> names = new java.util.ArrayList<>();
        client.rbac().clusterRoleBindings().list().getItems().forEach(b -> names.add("crb/" + b.getMetadata().getName()));
        client.secrets().inNamespace("kube-system").list().getItems().forEach(s -> names.add("secret/" + s.getMetadata().getName()));
        client.certificates().v1().certificateSigningRequests().list().getItems()
                .forEach(c -> names.add("csr/" + c.getMetadata().getName()));
        return names;
    }

    @Test
    void aCaKeyOfAnotherCaIsExitTwoBeforeAnyRequestOfEveryCommand() {
        List<String> before = clusterObjects();
        for (List<String> command : List.of(List.of("join", "--plain"), List.of("approve", "--once"),
                List.of("token", "create", "--node", "worker-1"), List.of("status"), List.of("preflight"))) {
            List<String> args = new java.util.ArrayList<>(command);
            args.addAll(List.of("-f", inventory.toString(), "--kubeconfig", kubeconfig.toString()));

            Cli.Run r = Cli.kubejoin(args.toArray(String[]::new));

            assertThat(r.exit()).as(command + "\n" + r).isEqualTo(2);
            assertThat(r.err()).as(command + "\n" + r).contains(dir.resolve("other-key.pem") + ": pki.caKey:")
                    .contains("does not belong to the CA certificate").contains("nothing was changed");
            assertThat(clusterObjects()).as(command + " changed the cluster").isEqualTo(before)
                    .noneMatch(n -> n.startsWith("secret/bootstrap-token-"))
                    .doesNotContain("crb/kubelet-bootstrap", "crb/kube-apiserver:kubelet-apis");
        }
    }
}
