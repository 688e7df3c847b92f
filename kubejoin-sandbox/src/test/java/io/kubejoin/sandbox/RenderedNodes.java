package io.kubejoin.sandbox;

import io.kubejoin.inventory.Inventory;
import io.kubejoin.inventory.InventoryLoader;
import io.kubejoin.inventory.Node;
import io.kubejoin.output.RenderOutput;
import io.kubejoin.pki.Certificates;
import io.kubejoin.render.ClusterManifests;
import io.kubejoin.render.ClusterMaterial;
import io.kubejoin.render.RenderWarnings;
import io.kubejoin.render.RenderedFile;
import io.kubejoin.render.Renderer;
import io.kubejoin.token.BootstrapToken;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import io.kubejoin.sandbox.api.ClientCertificateAuthTest;
import io.kubejoin.sandbox.api.SandboxApiServer;
import io.kubejoin.sandbox.tls.SandboxCa;

/**
 * Renders nodes with kubejoin's real renderers against a sandbox: an inventory (sandbox: true, loopback node
 * addresses) pointing at the sandbox API server, the sandbox CA as cluster CA, kube-proxy's certificate from it,
 * a bootstrap token per node whose Secret is created in the sandbox; files written as {@code DIR/<node>/...}.
 */
public final class RenderedNodes {
    public final Inventory inventory;
    final Path dir;
    final String kubeProxyCertPem;

    private RenderedNodes(Inventory inventory, Path dir, String kubeProxyCertPem) {
        this.inventory = inventory;
        this.dir = dir;
        this.kubeProxyCertPem = kubeProxyCertPem;
    }

    /** {@code nodes}: name → address pairs, e.g. "n1", "127.0.1.1". {@code runtime}: containerd or docker. */
    public static RenderedNodes render(SandboxApiServer server, Path dir, String version, String runtime, String... nodes) {
        try {
            StringBuilder y = new StringBuilder();
            y.append("kubernetesVersion: \"").append(version).append("\"\n");
            y.append("apiServer: ").append(server.url()).append('\n');
            y.append("pki: { caCert: ca.pem, caKey: ca-key.pem }\n");
            y.append("runtime: ").append(runtime).append('\n');
            y.append("sandbox: true\n");
            y.append("nodes:\n");
            for (int i = 0; i < nodes.length; i += 2) {
                y.append("  - name: ").append(nodes[i]).append('\n');
                y.append("    address: ").append(nodes[i + 1]).append('\n');
                y.append("    labels: { disktype: ssd }\n");
                y.append("    taints: [ { key: dedicated, value: infra, effect: NoSchedule } ]\n");
                y.append("    ssh: { port: ").append(2200 + i).append(" }\n");
            }
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("ca.pem"), server.caCertificatePem());
            Files.writeString(dir.resolve("ca-key.pem"), "-----BEGIN PRIVATE KEY-----\nplaceholder\n-----END PRIVATE KEY-----\n");
            Path file = dir.resolve("inventory.yaml");
            Files.writeString(file, y.toString());
            Inventory inv = InventoryLoader.load(file);

            KeyPair proxyKey = TestCsrs.ecKey();
            Instant now = Instant.now();
            X509Certificate proxyCert = server.ca().sign(new X500Name("O=system:kube-proxy,CN=system:kube-proxy"),
                    SandboxCa.spki(proxyKey.getPublic()), new GeneralName[0], KeyUsage.digitalSignature | KeyUsage.keyEncipherment,
                    List.of(KeyPurposeId.id_kp_clientAuth), now.minus(Duration.ofMinutes(5)), now.plus(Duration.ofDays(365)));
            String proxyCertPem = Certificates.toPem(proxyCert);
            ClusterMaterial material = new ClusterMaterial(server.caCertificatePem(), proxyCertPem,
                    ClientCertificateAuthTest.pkcs8Pem(proxyKey.getPrivate()));
            List<RenderedFile> files = new ArrayList<>();
            SecureRandom random = new SecureRandom();
            io.fabric8.kubernetes.client.KubernetesClient admin = server.adminClient();
            for (Node n : inv.nodes()) {
                BootstrapToken token = BootstrapToken.generate(random, n.name(), now.plus(Duration.ofHours(1)));
                admin.resource(ClusterManifests.bootstrapTokenSecret(inv, token)).create();
                files.addAll(Renderer.renderNode(inv, n, material, token, new RenderWarnings()));
            }
            RenderOutput.write(dir.resolve("out"), files);
            return new RenderedNodes(inv, dir.resolve("out"), proxyCertPem);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The local folder standing for node {@code name}'s {@code /}. */
    public Path root(String name) {
        return dir.resolve(name);
    }

    /** Edits one of the node's files in place (a test's way to break it). */
    public void edit(String node, String nodePath, java.util.function.UnaryOperator<String> change) {
        try {
            Path p = root(node).resolve(nodePath.substring(1));
            Files.writeString(p, change.apply(Files.readString(p)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
