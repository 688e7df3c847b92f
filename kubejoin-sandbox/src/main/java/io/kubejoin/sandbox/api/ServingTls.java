package io.kubejoin.sandbox.api;

import io.fabric8.mockwebserver.MockWebServer;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServer;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.ServerSSLOptions;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
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
    static KeyCertOptions install(MockWebServer web, SandboxCa ca, Instant now) {
        KeyCertOptions keyCert = issue(ca, now);
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

    static KeyCertOptions issue(SandboxCa ca, Instant now) {
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
        // the key and certificate handed to TLS as they are: Vert.x's PEM options would put them in a password-protected
        // PKCS#12 key store and read them back, three PBKDF2 derivations of 10,000 rounds each time a listener builds
        // its TLS context (~0.5 s of the sandbox's CPU, some of it during a join); kube-apiserver loads a PEM pair
        return KeyCertOptions.wrap(new ServingKeyManager(pair.getPrivate(), cert));
    }

    /** One server key and certificate for every handshake, whatever the client asks for (no SNI selection). */
    static final class ServingKeyManager extends javax.net.ssl.X509ExtendedKeyManager {
        private static final String ALIAS = "kube-apiserver";
        private final java.security.PrivateKey key;
        private final X509Certificate[] chain;
        private final String keyType;

        ServingKeyManager(java.security.PrivateKey key, X509Certificate cert) {
            this.chain = new X509Certificate[] {cert};
            this.keyType = cert.getPublicKey().getAlgorithm();
            try {
                // through the JDK's own key factory, as Vert.x's PEM options gave it to JSSE
                this.key = java.security.KeyFactory.getInstance(keyType)
                        .generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(key.getEncoded()));
            } catch (java.security.GeneralSecurityException e) {
                throw new IllegalStateException("unusable serving key: " + e.getMessage(), e);
            }
        }

        @Override
        public String[] getServerAliases(String type, java.security.Principal[] issuers) {
            return keyType.equals(type) ? new String[] {ALIAS} : null;
        }

        @Override
        public String chooseServerAlias(String type, java.security.Principal[] issuers, java.net.Socket socket) {
            return keyType.equals(type) ? ALIAS : null;
        }

        @Override
        public String chooseEngineServerAlias(String type, java.security.Principal[] issuers, javax.net.ssl.SSLEngine engine) {
            return keyType.equals(type) ? ALIAS : null;
        }

        @Override
        public String[] getClientAliases(String type, java.security.Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseClientAlias(String[] types, java.security.Principal[] issuers, java.net.Socket socket) {
            return null;
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return ALIAS.equals(alias) ? chain.clone() : null;
        }

        @Override
        public java.security.PrivateKey getPrivateKey(String alias) {
            return ALIAS.equals(alias) ? key : null;
        }
    }

    /** The Vert.x instance the mock runs on, so the front shares its event loops. */
    static io.vertx.core.Vertx vertx(MockWebServer web) {
        return LibraryInternals.mockVertx(web);
    }

    private static HttpServer httpServer(MockWebServer web) {
        return LibraryInternals.mockHttpServer(web);
    }
}
