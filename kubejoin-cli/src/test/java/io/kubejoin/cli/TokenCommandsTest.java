package io.kubejoin.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Secret;
import io.kubejoin.cluster.KubeConnection;
import io.kubejoin.cluster.MockCluster;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

@Timeout(60)
class TokenCommandsTest {
    /** The minimal inventory, beside a real CA: commands check the CA before their first request. */
    Path inventory;
    @TempDir
    Path tmp;
    MockCluster cluster;
    KubeConnection admin;
    String kubeconfig;

    record Run(int exit, String out, String err) {
    }

    Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Run(exit, out.toString(), err.toString());
    }

    @BeforeEach
    void start() throws IOException {
        cluster = new MockCluster();
        admin = cluster.connect();
        kubeconfig = cluster.writeKubeconfig(tmp).toString();
        inventory = tmp.resolve("inventory.yaml");
        java.nio.file.Files.writeString(inventory, java.nio.file.Files.readString(Path.of("kubejoin-core/src/test/resources/inventory/minimal.yaml"))
                .replace("pki/", Path.of("examples/pki").toAbsolutePath() + "/"));
    }

    @AfterEach
    void stop() {
        admin.close();
        cluster.close();
    }

    Secret secret(String id) {
        return admin.client().secrets().inNamespace("kube-system").withName("bootstrap-token-" + id).get();
    }

    /** token create prints the secret once on stdout: the run's log file keeps the id, never the secret. */
    @Tag("hostile")
    @Test
    void theLogFileOfTokenCreateHoldsTheIdButNotTheSecret() throws IOException {
        Path log = tmp.resolve("logs/token.log");
        Run r = run("token", "create", "--kubeconfig", kubeconfig, "--node", "worker-1", "--request-timeout", "20s",
                "--log-file", log.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        String token = r.out().trim();
        assertThat(token).matches("[a-z0-9]{6}\\.[a-z0-9]{16}");
        String text = Files.readString(log);
        assertThat(text).contains(" out " + token.substring(0, 6) + ".<redacted>").doesNotContain(token.substring(7));
    }

    @Test
    void createPrintsOnlyTheNewTokenOnStdout() {
        Run r = run("token", "create", "--kubeconfig", kubeconfig, "--node", "worker-1", "--ttl", "30m",
                "--group", "lab", "--description", "for worker-1", "--request-timeout", "3s");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).matches("[a-z0-9]{6}\\.[a-z0-9]{16}\\R");
        String token = r.out().trim();
        String id = token.substring(0, 6);
        Secret s = secret(id);
        assertThat(s.getStringData()).containsEntry("token-secret", token.substring(7))
                .containsEntry("auth-extra-groups", "system:bootstrappers:lab")
                .containsEntry("description", "for worker-1");
        assertThat(s.getMetadata().getLabels()).containsEntry("kubejoin.io/node", "worker-1");
        Instant exp = Instant.parse(s.getStringData().get("expiration"));
        assertThat(Duration.between(Instant.now(), exp)).isBetween(Duration.ofMinutes(29), Duration.ofMinutes(31));
        assertThat(r.err()).doesNotContain(token.substring(7));
    }

    @Test
    void createTakesDefaultsFromTheInventoryAndChecksTheNodeName() throws IOException {
        // with an inventory the admin connection must prove it reaches the inventory's cluster: a sandbox signing with
        // the inventory's CA, named as its apiServer
        Path pki = Path.of("examples/pki").toAbsolutePath();
        try (io.kubejoin.sandbox.api.SandboxApiServer sandbox = io.kubejoin.sandbox.api.SandboxApiServer.start(
                io.kubejoin.sandbox.api.SandboxApiServer.Options.defaults().withCa(io.kubejoin.sandbox.tls.SandboxCa.of(
                        io.kubejoin.pki.CertificateAuthority.load(pki.resolve("ca.pem"), "pki.caCert", pki.resolve("ca-key.pem"), "pki.caKey"))))) {
            Path sandboxKubeconfig = tmp.resolve("sandbox.kubeconfig");
            sandbox.writeAdminKubeconfig(sandboxKubeconfig);
            Path inv = tmp.resolve("inventory.yaml");
            Files.writeString(inv, Files.readString(Path.of("kubejoin-core/src/test/resources/inventory/minimal.yaml")).replace("https://192.168.0.107:6443", sandbox.url())
                    .replace("pki/", pki + "/"));
            Run ok = run("token", "create", "--kubeconfig", sandboxKubeconfig.toString(), "-f", inv.toString(), "--node", "slave");
            assertThat(ok.exit()).as(ok.err()).isZero();
            io.fabric8.kubernetes.api.model.Secret s = sandbox.adminClient().secrets().inNamespace("kube-system")
                    .withName("bootstrap-token-" + ok.out().trim().substring(0, 6)).get();
            assertThat(new String(java.util.Base64.getDecoder().decode(s.getData().get("auth-extra-groups"))))
                    .isEqualTo("system:bootstrappers:kubejoin");
            Instant exp = Instant.parse(new String(java.util.Base64.getDecoder().decode(s.getData().get("expiration"))));
            assertThat(Duration.between(Instant.now(), exp)).isBetween(Duration.ofMinutes(59), Duration.ofMinutes(61));

            // the same inventory with a plain-HTTP kubeconfig server: nothing proves it is the inventory's cluster
            Run http = run("token", "create", "--kubeconfig", kubeconfig, "-f", inv.toString(), "--node", "slave");
            assertThat(http.exit()).isEqualTo(2);
            assertThat(http.err()).contains("is not HTTPS").contains("nothing was changed");
        }

        Run typo = run("token", "create", "--kubeconfig", kubeconfig, "-f", inventory.toString(), "--node", "slav");
        assertThat(typo.exit()).isEqualTo(2);
        assertThat(typo.out()).isEmpty();
        assertThat(typo.err()).contains("node 'slav' is not in").contains("did you mean 'slave'?");

    }

    @Tag("hostile")
    @Test
    void badOptionsAreUsageErrors() {
        Run ttl = run("token", "create", "--kubeconfig", kubeconfig, "--ttl", "1d");
        assertThat(ttl.exit()).isEqualTo(2);
        assertThat(ttl.err()).contains("--ttl").contains("no 'd' unit");
        Run group = run("token", "create", "--kubeconfig", kubeconfig, "--group", "Bad Group");
        assertThat(group.exit()).isEqualTo(2);
        assertThat(group.err()).contains("cannot be a bootstrap group");
        Run both = run("token", "delete", "--kubeconfig", kubeconfig, "abcdef", "--node", "x");
        assertThat(both.exit()).isEqualTo(2);
    }

    @Tag("hostile")
    @Test
    void listShowsTokensWithoutSecretsAsTableAndJson() throws Exception {
        String t1 = run("token", "create", "--kubeconfig", kubeconfig, "--node", "worker-1").out().trim();
        String t2 = run("token", "create", "--kubeconfig", kubeconfig, "--ttl", "2h", "--description", "spare").out().trim();

        Run table = run("token", "list", "--kubeconfig", kubeconfig);
        assertThat(table.exit()).as(table.err()).isZero();
        String[] lines = table.out().split("\\R");
        assertThat(lines[0]).startsWith("TOKEN").contains("NODE").contains("TTL").contains("EXPIRES").contains("USAGES")
                .contains("GROUPS").contains("DESCRIPTION");
        assertThat(lines).hasSize(3);
        assertThat(lines[1]).startsWith(t1.substring(0, 6) + ".****").contains("worker-1").contains("authentication")
                .contains("system:bootstrappers:kubejoin").contains("kubejoin bootstrap token for node worker-1");
        assertThat(lines[2]).startsWith(t2.substring(0, 6) + ".****").contains("<none>").contains("spare");
        assertThat(table.out() + table.err()).doesNotContain(t1.substring(7)).doesNotContain(t2.substring(7));

        Run json = run("token", "list", "--kubeconfig", kubeconfig, "-o", "json");
        assertThat(json.exit()).as(json.err()).isZero();
        JsonNode rows = JsonMapper.builder().build().readTree(json.out());
        assertThat(rows.size()).isEqualTo(2);
        assertThat(rows.get(0).get("id").asString()).isEqualTo(t1.substring(0, 6));
        assertThat(rows.get(0).get("token").asString()).isEqualTo(t1.substring(0, 6) + ".****");
        assertThat(rows.get(0).get("node").asString()).isEqualTo("worker-1");
        assertThat(rows.get(1).get("node").isNull()).isTrue();
        assertThat(json.out()).doesNotContain(t1.substring(7)).doesNotContain(t2.substring(7));
    }

    @Test
    void deleteByIdByWholeTokenAndByNode() {
        String a = run("token", "create", "--kubeconfig", kubeconfig, "--node", "a").out().trim();
        String b = run("token", "create", "--kubeconfig", kubeconfig, "--node", "b").out().trim();
        String b2 = run("token", "create", "--kubeconfig", kubeconfig, "--node", "b").out().trim();

        Run byId = run("token", "delete", "--kubeconfig", kubeconfig, a.substring(0, 6));
        assertThat(byId.exit()).as(byId.err()).isZero();
        assertThat(byId.out()).isEqualTo("deleted bootstrap token " + a.substring(0, 6) + ".****\n");

        Run again = run("token", "delete", "--kubeconfig", kubeconfig, a);
        assertThat(again.exit()).isEqualTo(1);
        assertThat(again.err()).contains("there is no bootstrap token " + a.substring(0, 6) + ".****")
                .doesNotContain(a.substring(7));

        Run byNode = run("token", "delete", "--kubeconfig", kubeconfig, "--node", "b");
        assertThat(byNode.exit()).as(byNode.err()).isZero();
        assertThat(byNode.out()).contains(b.substring(0, 6) + ".****").contains(b2.substring(0, 6) + ".****");
        assertThat(run("token", "list", "--kubeconfig", kubeconfig).out().split("\\R")).hasSize(1);
    }

    @Test
    void unreachableClusterIsOneLine() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        Path k = tmp.resolve("closed.kubeconfig");
        Files.writeString(k, MockCluster.kubeconfig("http://127.0.0.1:" + port, "t"));
        Run r = run("token", "list", "--kubeconfig", k.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err().trim()).isEqualTo("kubejoin: cannot reach kube-apiserver at http://127.0.0.1:" + port
                + " (connection refused): is kube-apiserver running, and is the address right?");
    }
}
