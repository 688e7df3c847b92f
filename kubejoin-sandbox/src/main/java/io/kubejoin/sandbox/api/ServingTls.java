package io.kubejoin.sandbox.api;

import io.fabric8.mockwebserver.MockWebServer;
import io.kubejoin.pki.Certificates;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.ServerSSLOptions;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import io.kubejoin.pki.KeySpec;
import io.kubejoin.sandbox.tls.SandboxCa;

/**
 * kube-apiserver's serving certificate ({@code --tls-cert-file}), issued by the sandbox CA for 127.0.0.1,
 * localhost and the in-cluster names, so clients verify the server with the CA that kubejoin's rendered
 * kubeconfigs embed. fabric8's mock server only offers a self-signed certificate it makes itself; this
 * swaps in ours through Vert.x's {@code HttpServer.updateSSLOptions} on the running server (the field
 * holding it is private: {@link LibraryInternals}).
 */
final class ServingTls {
    private ServingTls() {
    }

    /** Issues the serving certificate, installs it on the mock's own listener and returns it for {@link SecureFront}. */
    static PemKeyCertOptions install(MockWebServer web, SandboxCa ca, Instant now) {
        PemKeyCertOptions keyCert = issue(ca, now);
        HttpServer server = httpServer(web);
        Future<Boolean> f = server.updateSSLOptions(new ServerSSLOptions().setKeyCertOptions(keyCert));
        try {
            Boolean ok = f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            if (!Boolean.TRUE.equals(ok)) throw new IllegalStateException("the mock server refused the serving certificate");
        } catch (Exception e) {
            throw new IllegalStateException("cannot install the sandbox serving certificate: " + e.getMessage(), e);
        }
        return keyCert;
    }

    static PemKeyCertOptions issue(SandboxCa ca, Instant now) {
        KeyPair pair = KeySpec.ECDSA_256.generate();
        GeneralName[] sans = {
                new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                new GeneralName(GeneralName.dNSName, "localhost"),
                new GeneralName(GeneralName.dNSName, "kubernetes"),
                new GeneralName(GeneralName.dNSName, "kubernetes.default"),
                new GeneralName(GeneralName.dNSName, "kubernetes.default.svc"),
                new GeneralName(GeneralName.dNSName, "kubernetes.default.svc.cluster.local"),
        };
        X509Certificate cert = ca.sign(new X500Name("CN=kube-apiserver"), SandboxCa.spki(pair.getPublic()), sans,
                KeyUsage.digitalSignature | KeyUsage.keyEncipherment, List.of(KeyPurposeId.id_kp_serverAuth),
                now.minus(Duration.ofMinutes(5)), now.plus(Duration.ofDays(365)));
        String keyPem = "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(pair.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
        return new PemKeyCertOptions()
                .setCertValue(Buffer.buffer(Certificates.toPem(cert)))
                .setKeyValue(Buffer.buffer(keyPem));
    }

    /** The Vert.x instance the mock runs on, so the front shares its event loops. */
    static io.vertx.core.Vertx vertx(MockWebServer web) {
        return LibraryInternals.mockVertx(web);
    }

    private static HttpServer httpServer(MockWebServer web) {
        return LibraryInternals.mockHttpServer(web);
    }
}
