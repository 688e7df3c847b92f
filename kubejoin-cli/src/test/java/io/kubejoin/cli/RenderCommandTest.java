package io.kubejoin.cli;

import io.kubejoin.util.ExitCodes;
import static org.assertj.core.api.Assertions.assertThat;

import io.kubejoin.util.SecureFiles;
import io.kubejoin.testing.Golden;
import io.kubejoin.testing.Processes;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** `kubejoin render` end to end on the bundled examples, checked with real openssl and kubectl. */
class RenderCommandTest {
    private static final Golden GOLDEN = new Golden(Path.of("kubejoin-cli/src/test/resources/golden/examples"));
    /** Files whose bytes depend only on the inventory (no token, no generated key): compared with goldens. */
    private static final List<String> DETERMINISTIC = List.of(
            "etc/kubernetes/kubelet-config.yaml", "etc/systemd/system/kubelet.service",
            "etc/kubernetes/kube-proxy-config.yaml", "etc/systemd/system/kube-proxy.service",
            "etc/modules-load.d/kubejoin-kube-proxy.conf", "etc/kubernetes/cert/ca.pem");

    @TempDir
    Path tmp;
    Path examples;

    record Run(int exit, String out, String err) {
    }

    @BeforeEach
    void copyExamples() throws IOException {
        // a copy, so the state folder the render creates lands in the temp dir, not the source tree
        examples = tmp.resolve("examples");
        try (Stream<Path> files = Files.walk(Path.of("examples"))) {
            for (Path p : files.toList()) {
                Path target = examples.resolve(Path.of("examples").relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(target);
                else if (!p.toString().contains(".kubejoin")) Files.copy(p, target);
            }
        }
    }

    static Run kubejoin(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Run(exit, out.toString(), err.toString());
    }

    private Run render(String example, Path outDir) {
        return kubejoin("render", "-f", examples.resolve(example + "/inventory.yaml").toString(), "-o", outDir.toString());
    }

    @Test
    void articleExampleRendersEveryFileWithItsMode() throws Exception {
        Path out = tmp.resolve("out");
        Run r = render("article", out);
        assertThat(r.exit()).as(r.err()).isZero();
        Map<String, Integer> expected = new TreeMap<>(Map.ofEntries(
                Map.entry("slave/etc/kubernetes/cert/ca.pem", 0644),
                Map.entry("slave/etc/kubernetes/kubelet-bootstrap.kubeconfig", 0600),
                Map.entry("slave/etc/kubernetes/kubelet-config.yaml", 0644),
                Map.entry("slave/etc/systemd/system/kubelet.service", 0644),
                Map.entry("slave/etc/kubernetes/cert/kube-proxy.pem", 0644),
                Map.entry("slave/etc/kubernetes/cert/kube-proxy-key.pem", 0600),
                Map.entry("slave/etc/kubernetes/kube-proxy.kubeconfig", 0600),
                Map.entry("slave/etc/kubernetes/kube-proxy-config.yaml", 0644),
                Map.entry("slave/etc/systemd/system/kube-proxy.service", 0644),
                Map.entry("slave/etc/modules-load.d/kubejoin-kube-proxy.conf", 0644),
                Map.entry("cluster/bootstrap-token-secrets.yaml", 0600),
                Map.entry("cluster/clusterrolebindings.yaml", 0644),
                Map.entry("manifest.json", 0644)));
        Map<String, Integer> actual = new TreeMap<>();
        try (Stream<Path> files = Files.walk(out)) {
            for (Path p : files.filter(Files::isRegularFile).toList()) {
                actual.put(out.relativize(p).toString(), SecureFiles.mode(p));
            }
        }
        assertThat(actual).isEqualTo(expected);

        // the manifest describes each file truthfully
        JsonNode manifest = JsonMapper.builder().build().readTree(Files.readString(out.resolve("manifest.json")));
        assertThat(manifest.path("files")).hasSize(12);
        for (JsonNode e : manifest.path("files")) {
            String dest = e.path("destination").asString();
            Path local = out.resolve(e.path("node").asString()).resolve(dest.startsWith("/") ? dest.substring(1) : dest);
            assertThat(e.path("sha256").asString()).isEqualTo(sha256(local));
            assertThat(e.path("mode").asString()).isEqualTo(String.format("%04o", SecureFiles.mode(local)));
        }
        // nothing secret on the terminal
        assertThat(r.out() + r.err()).doesNotContain("PRIVATE KEY").doesNotContain(tokenOf(out, "slave").split("\\.")[1]);
    }

    @Test
    void articleAndCurrentExamplesMatchTheirGoldenFiles() {
        for (String example : List.of("article", "current")) {
            Path out = tmp.resolve("out-" + example);
            Run r = render(example, out);
            assertThat(r.exit()).as(r.err()).isZero();
            try (Stream<Path> nodes = Files.list(out)) {
                for (Path nodeDir : nodes.filter(Files::isDirectory).filter(p -> !p.endsWith("cluster")).sorted().toList()) {
                    for (String f : DETERMINISTIC) {
                        GOLDEN.assertMatches(example + "/" + nodeDir.getFileName() + "/" + f, Files.readString(nodeDir.resolve(f)));
                    }
                }
                GOLDEN.assertMatches(example + "/cluster/clusterrolebindings.yaml",
                        Files.readString(out.resolve("cluster/clusterrolebindings.yaml")));
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }
    }

    @Test
    void renderingTwiceGivesByteIdenticalFiles() throws Exception {
        Path first = tmp.resolve("first");
        Path second = tmp.resolve("second");
        assertThat(render("current", first).exit()).isZero();
        Run again = render("current", second);
        assertThat(again.exit()).isZero();
        assertThat(again.out()).doesNotContain("issued"); // secrets were reused, not re-made
        assertThat(Files.readString(second.resolve("manifest.json"))).isEqualTo(Files.readString(first.resolve("manifest.json")));
        try (Stream<Path> files = Files.walk(first)) {
            for (Path p : files.filter(Files::isRegularFile).toList()) {
                assertThat(Files.readAllBytes(second.resolve(first.relativize(p).toString())))
                        .as(p.toString()).isEqualTo(Files.readAllBytes(p));
            }
        }
    }

    @Test
    void everyNodeGetsItsOwnTokenMatchingItsSecret() throws Exception {
        Path out = tmp.resolve("out");
        assertThat(render("current", out).exit()).isZero();
        String secrets = Files.readString(out.resolve("cluster/bootstrap-token-secrets.yaml"));
        List<String> tokens = List.of(tokenOf(out, "worker-1"), tokenOf(out, "worker-2"), tokenOf(out, "worker-3"));
        assertThat(tokens).doesNotHaveDuplicates();
        for (String t : tokens) {
            String[] parts = t.split("\\.");
            assertThat(secrets).contains("name: bootstrap-token-" + parts[0]).contains("token-secret: " + parts[1]);
        }
    }

    @Test
    void kubeProxyCertificateVerifiesAgainstTheCaWithTheProfilesUsages() throws Exception {
        Path out = tmp.resolve("out");
        assertThat(render("article", out).exit()).isZero();
        Path cert = out.resolve("slave/etc/kubernetes/cert");
        Processes.Result verify = Processes.run(List.of("openssl", "verify", "-CAfile",
                examples.resolve("pki/ca.pem").toString(), "-purpose", "sslclient", cert.resolve("kube-proxy.pem").toString()));
        assertThat(verify.exitCode()).as(verify.stdout() + verify.stderr()).isZero();
        String text = Processes.run(List.of("openssl", "x509", "-in", cert.resolve("kube-proxy.pem").toString(),
                "-noout", "-text", "-nameopt", "sep_comma_plus_space")).stdout();
        assertThat(text).contains("O=system:kube-proxy").contains("CN=system:kube-proxy")
                .contains("TLS Web Client Authentication").contains("TLS Web Server Authentication")
                .contains("Digital Signature, Key Encipherment").contains("CA:FALSE");
        // the key on the node belongs to the certificate
        String certPub = Processes.run(List.of("openssl", "x509", "-in", cert.resolve("kube-proxy.pem").toString(), "-noout", "-pubkey")).stdout();
        String keyPub = Processes.run(List.of("openssl", "pkey", "-in", cert.resolve("kube-proxy-key.pem").toString(), "-pubout")).stdout();
        assertThat(keyPub).isNotEmpty().isEqualTo(certPub);
    }

    @Test
    void kubeconfigsAreReadByKubectlWithTheCaEmbedded() throws Exception {
        Processes.requireTool("kubectl");
        Path out = tmp.resolve("out");
        assertThat(render("article", out).exit()).isZero();
        String ca = Files.readString(examples.resolve("pki/ca.pem"));
        for (String kc : List.of("kubelet-bootstrap.kubeconfig", "kube-proxy.kubeconfig")) {
            Path file = out.resolve("slave/etc/kubernetes/" + kc);
            Processes.Result view = Processes.run(List.of("kubectl", "config", "view", "--raw", "--kubeconfig", file.toString(),
                    "-o", "jsonpath={.clusters[0].cluster.server} {.clusters[0].cluster.certificate-authority-data}"));
            assertThat(view.exitCode()).as(view.stderr()).isZero();
            String[] parts = view.stdout().split(" ");
            assertThat(parts[0]).isEqualTo("https://192.168.0.107:6443");
            assertThat(new String(Base64.getDecoder().decode(parts[1]), StandardCharsets.US_ASCII)).isEqualTo(ca);
        }
        Processes.Result user = Processes.run(List.of("kubectl", "config", "view", "--raw", "--kubeconfig",
                out.resolve("slave/etc/kubernetes/kube-proxy.kubeconfig").toString(), "-o", "jsonpath={.users[0].user.client-certificate-data}"));
        assertThat(new String(Base64.getDecoder().decode(user.stdout()), StandardCharsets.US_ASCII))
                .isEqualTo(Files.readString(out.resolve("slave/etc/kubernetes/cert/kube-proxy.pem")));
    }

    @Tag("hostile")
    @Test
    void caKeyThatDoesNotMatchTheCertificateIsBadInput() throws Exception {
        Path inv = examples.resolve("article/inventory.yaml");
        Processes.Result gen = Processes.run(List.of("openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
                "-out", examples.resolve("pki/other-key.pem").toString()));
        assertThat(gen.exitCode()).isZero();
        Files.writeString(inv, Files.readString(inv).replace("../pki/ca-key.pem", "../pki/other-key.pem"));
        Run r = render("article", tmp.resolve("out"));
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("other-key.pem").contains("pki.caKey").contains("does not belong to the CA certificate")
                .doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(tmp.resolve("out")).doesNotExist();
    }

    private static String tokenOf(Path out, String node) {
        Processes.Result r = Processes.run(List.of("sh", "-c", "grep 'token:' " + out.resolve(node + "/etc/kubernetes/kubelet-bootstrap.kubeconfig")));
        return r.stdout().trim().replaceFirst("^token: ", "");
    }

    private static String sha256(Path p) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
    }

    @Tag("hostile")
    @Test
    void aLinkPlantedInTheOutputFolderIsRefusedWithExit2AndNothingLandsWhereItPoints() throws Exception {
        Path out = Files.createDirectories(tmp.resolve("out"));
        Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
        Files.createSymbolicLink(out.resolve("slave"), elsewhere);
        Run r = render("article", out);
        assertThat(r.exit()).as(r.err()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(r.err()).contains(out.resolve("slave").toString()).contains("symbolic link").doesNotContain("\tat ");
        try (Stream<Path> files = Files.walk(elsewhere)) {
            assertThat(files.filter(Files::isRegularFile)).isEmpty();
        }
    }
}
