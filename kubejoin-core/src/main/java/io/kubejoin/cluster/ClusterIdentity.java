package io.kubejoin.cluster;

import io.kubejoin.util.ExitCodes;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.internal.SSLUtils;

import io.kubejoin.util.UserFacingException;
import io.kubejoin.inventory.Inventory;
import io.kubejoin.pki.CertificateAuthority;
import io.kubejoin.pki.CertificateIssuer;
import io.kubejoin.pki.Certificates;
import io.kubejoin.pki.CsrSpec;
import io.kubejoin.pki.IssuedCertificate;
import io.kubejoin.pki.KeySpec;
import io.kubejoin.pki.PrivateKeys;
import io.kubejoin.pki.SigningProfile;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * Proves, before anything is written, that the admin credentials reach the cluster the inventory describes. URLs
 * cannot prove it (a VIP and a node address, a name and an IP are the same cluster), so the proof is
 * cryptographic, with the CA key kubejoin holds anyway:
 * <ol>
 * <li>a client certificate issued from {@code pki.caKey} for a few minutes, for a user that no binding names and
 *     with no group, must authenticate at the kubeconfig's server (a SelfSubjectAccessReview: nothing is stored).
 *     A cluster that answers 401 does not trust {@code pki.caCert}: it is another cluster;</li>
 * <li>the inventory's {@code apiServer}, the address the nodes will use, must present a serving certificate that
 *     {@code pki.caCert} verifies for that address (kubelet checks exactly that with the bootstrap kubeconfig) and
 *     accept the same client certificate. Only when it cannot be reached from here is this a warning: the first
 *     proof still holds.</li>
 * </ol>
 * The probe certificate is always offered (Go's client does the same), even when the server names other CAs as
 * acceptable issuers: the JDK's default key manager would then send none, the request would be anonymous, and a
 * 403 for anonymous would pass for a proof.
 */
public final class ClusterIdentity {
    /** CN of the probe certificate: no RBAC binding names it and it has no organisation, so it may do nothing. */
    public static final String PROBE_USER = "kubejoin:cluster-identity-probe";
    static final Duration PROBE_LIFETIME = Duration.ofMinutes(5);
    private static final String REVIEW_PATH = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews";
    private static final String REVIEW_BODY = "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SelfSubjectAccessReview\","
            + "\"spec\":{\"nonResourceAttributes\":{\"path\":\"/version\",\"verb\":\"get\"}}}";

    private ClusterIdentity() {
    }

    /** What one server answered the probe. */
    enum Answer { ACCEPTED, REFUSED, NO_CLIENT_CERTIFICATES, NOT_SENT, UNTRUSTED, UNREACHABLE, NOT_TLS }

    record Probe(Answer answer, String detail, X509Certificate servingLeaf) {
    }

    /**
     * Throws exit 2, naming both servers and both CA fingerprints, when the admin connection does not reach the
     * inventory's cluster; {@code warn} gets what could not be checked. Sends no write.
     */
    public static void verify(Inventory inv, KubeConnection admin, Consumer<String> warn) {
        // the ordinary first request: an unreachable server or bad admin credentials get their usual message
        admin.call(Access.cluster("get", "/version"), () -> admin.client().getKubernetesVersion());
        CertificateAuthority ca = CertificateAuthority.load(inv.pki().caCert(), "pki.caCert", inv.pki().caKey(), "pki.caKey");
        Instant now = Instant.now();
        IssuedCertificate probe = CertificateIssuer.issue(ca,
                new CsrSpec(PROBE_USER, List.of(), List.of(), KeySpec.ECDSA_256, null),
                new SigningProfile("identity-probe", PROBE_LIFETIME.plusMinutes(1), Duration.ofMinutes(1),
                        List.of("digital signature", "client auth")), now);
        PrivateKey key = jdkKey(PrivateKeys.parse(probe.privateKeyPem(), Path.of("(probe)"), "probe"));
        KeyManager km = new AlwaysOffer(key, new X509Certificate[] {probe.certificate()});
        Duration timeout = admin.requestTimeout();
        Config config = admin.config();
        String kubeServer = admin.serverUrl();
        String invServer = stripSlash(inv.apiServer().toString());
        String caFile = inv.pki().caCert().toString();
        String invFingerprint = Certificates.sha256Fingerprint(ca.certificate());

        Probe k = probe(URI.create(kubeServer), kubeconfigTrust(config), !config.isDisableHostnameVerification(), km, timeout);
        if (k.answer() != Answer.ACCEPTED) {
            String why = switch (k.answer()) {
                case REFUSED -> kubeServer + " refused a client certificate issued by pki.caCert (" + k.detail() + ")";
                case NO_CLIENT_CERTIFICATES -> kubeServer + " asks for no client certificate, so it does not trust pki.caCert "
                        + "for clients (kube-apiserver's --client-ca-file)";
                case NOT_TLS -> kubeServer + " is not HTTPS, so it cannot show that it trusts pki.caCert";
                default -> "the check of " + kubeServer + " failed (" + k.detail() + ")";
            };
            throw mismatch(admin, kubeServer, kubeconfigCa(config), k, invServer, caFile, invFingerprint, inv, why);
        }
        Probe i = probe(inv.apiServer(), trustOnly(ca.certificate()), true, km, timeout);
        switch (i.answer()) {
            case ACCEPTED -> { }
            case UNREACHABLE -> warn.accept("could not reach the inventory's apiServer " + invServer + " from here ("
                    + i.detail() + "); the cluster at " + kubeServer + " accepts pki.caCert's client certificates, so it is "
                    + "taken as the inventory's cluster - check that the nodes can reach " + invServer);
            case UNTRUSTED -> throw mismatch(admin, kubeServer, kubeconfigCa(config), k, invServer, caFile, invFingerprint, inv,
                    "the inventory's apiServer " + invServer + " presents a serving certificate that pki.caCert does not verify"
                            + " for that address (" + i.detail() + describe(i.servingLeaf()) + "): kubelet would refuse it too");
            default -> throw mismatch(admin, kubeServer, kubeconfigCa(config), k, invServer, caFile, invFingerprint, inv,
                    "the inventory's apiServer " + invServer + " does not accept a client certificate issued by pki.caCert ("
                            + i.detail() + ")");
        }
    }

    private static UserFacingException mismatch(KubeConnection admin, String kubeServer, String kubeCa, Probe k,
                                                String invServer, String caFile, String invFingerprint, Inventory inv,
                                                String why) {
        return new UserFacingException("the admin credentials do not reach the inventory's cluster; nothing was changed. "
                + admin.source() + " talks to " + kubeServer + " (its CA: " + kubeCa
                + (k.servingLeaf() == null ? "" : "; serving certificate issued by "
                + k.servingLeaf().getIssuerX500Principal().getName()) + "); the inventory " + inv.source()
                + " describes apiServer " + invServer + " with pki.caCert " + caFile + " (SHA-256 " + invFingerprint + "): "
                + why + ". Fix: point --kubeconfig / KUBECONFIG / --context at the cluster of " + invServer
                + ", or correct apiServer and pki in the inventory", ExitCodes.BAD_INPUT);
    }

    private static String describe(X509Certificate leaf) {
        return leaf == null ? "" : "; it is issued by " + leaf.getIssuerX500Principal().getName();
    }

    /** One HTTPS request with the probe certificate; never throws for what the server or network does. */
    static Probe probe(URI server, TrustManager[] trust, boolean verifyHost, KeyManager km, Duration timeout) {
        if (!"https".equalsIgnoreCase(server.getScheme())) return new Probe(Answer.NOT_TLS, server.toString(), null);
        String host = server.getHost();
        int port = server.getPort() > 0 ? server.getPort() : 443;
        Recording recording = new Recording(trust);
        AlwaysOffer offer = (AlwaysOffer) km;
        offer.asked = false;
        int ms = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(new KeyManager[] {km}, new TrustManager[] {recording}, null);
            try (Socket raw = new Socket()) {
                raw.connect(new InetSocketAddress(host, port), ms);
                raw.setSoTimeout(ms);
                try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(raw, host, port, false)) {
                    SSLParameters p = s.getSSLParameters();
                    if (verifyHost) p.setEndpointIdentificationAlgorithm("HTTPS");
                    if (!isIpLiteral(host)) p.setServerNames(List.of(new SNIHostName(host)));
                    s.setSSLParameters(p);
                    try {
                        s.startHandshake();
                    } catch (SSLException e) {
                        if (recording.leaf == null) return new Probe(Answer.NOT_TLS, rootMessage(e), null);
                        return new Probe(Answer.UNTRUSTED, rootMessage(e), recording.leaf);
                    }
                    if (!offer.asked) return new Probe(Answer.NO_CLIENT_CERTIFICATES, "no certificate request", recording.leaf);
                    // asked but not sent would make the request anonymous, and a 403 for anonymous is no proof
                    if (s.getSession().getLocalCertificates() == null) {
                        return new Probe(Answer.NOT_SENT, "the TLS layer sent no client certificate", recording.leaf);
                    }
                    int status = post(s, host + ":" + port);
                    if (status == 401) return new Probe(Answer.REFUSED, "401 Unauthorized", recording.leaf);
                    // 201, or 403 for an identity it knows but lets do nothing: either way the certificate authenticated
                    if (status == 201 || status == 200 || status == 403) return new Probe(Answer.ACCEPTED, "HTTP " + status, recording.leaf);
                    return new Probe(Answer.REFUSED, "HTTP " + status + " to a SelfSubjectAccessReview", recording.leaf);
                }
            }
        } catch (UnknownHostException e) {
            return new Probe(Answer.UNREACHABLE, host + " does not resolve", null);
        } catch (ConnectException | SocketTimeoutException | java.net.NoRouteToHostException e) {
            return new Probe(Answer.UNREACHABLE, rootMessage(e), recording.leaf);
        } catch (IOException e) {
            return new Probe(recording.leaf == null ? Answer.UNREACHABLE : Answer.REFUSED, rootMessage(e), recording.leaf);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot set up TLS for the cluster identity check", e);
        }
    }

    /** POSTs the review and returns the HTTP status. */
    private static int post(SSLSocket s, String hostPort) throws IOException {
        byte[] body = REVIEW_BODY.getBytes(StandardCharsets.UTF_8);
        String head = "POST " + REVIEW_PATH + " HTTP/1.1\r\nHost: " + hostPort + "\r\nUser-Agent: kubejoin\r\n"
                + "Content-Type: application/json\r\nAccept: application/json\r\nContent-Length: " + body.length
                + "\r\nConnection: close\r\n\r\n";
        OutputStream out = s.getOutputStream();
        out.write(head.getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
        InputStream in = s.getInputStream();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1 && c != '\n') line.write(c);
        String status = line.toString(StandardCharsets.US_ASCII).trim();
        String[] parts = status.split(" ");
        if (parts.length < 2 || !parts[0].startsWith("HTTP/")) throw new IOException("not an HTTP answer: " + status);
        try {
            return Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw new IOException("not an HTTP answer: " + status);
        }
    }

    /** The trust the admin connection uses (certificate-authority(-data), insecure-skip-tls-verify, or the system's). */
    private static TrustManager[] kubeconfigTrust(Config config) {
        try {
            return SSLUtils.trustManagers(config);
        } catch (GeneralSecurityException | IOException e) {
            throw new UserFacingException("cannot read the CA of the kubeconfig: " + e.getMessage(), ExitCodes.BAD_INPUT);
        }
    }

    static TrustManager[] trustOnly(X509Certificate ca) {
        try {
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            ks.setCertificateEntry("ca", ca);
            TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            f.init(ks);
            return f.getTrustManagers();
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The kubeconfig's CA as "SHA-256 AA:BB:…", or what it trusts instead. */
    static String kubeconfigCa(Config config) {
        if (config.isTrustCerts()) return "none, insecure-skip-tls-verify";
        try {
            byte[] pem = null;
            if (config.getCaCertData() != null && !config.getCaCertData().isBlank()) {
                pem = Base64.getMimeDecoder().decode(config.getCaCertData().trim());
            } else if (config.getCaCertFile() != null && !config.getCaCertFile().isBlank()) {
                pem = Files.readAllBytes(Path.of(config.getCaCertFile()));
            }
            if (pem == null) return "the system's trusted CAs";
            X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(pem));
            return "SHA-256 " + Certificates.sha256Fingerprint(cert);
        } catch (IOException | CertificateException | IllegalArgumentException e) {
            return "unreadable (" + e.getClass().getSimpleName() + ")";
        }
    }

    /**
     * The key as the JDK's own EC key: with Bouncy Castle's provider first (a sandbox in this process) a parsed key
     * says "ECDSA", which JDK TLS does not match with the server's signature schemes, and it would send no certificate.
     */
    private static PrivateKey jdkKey(PrivateKey key) {
        if (!key.getAlgorithm().equals("ECDSA")) return key;
        try {
            return java.security.KeyFactory.getInstance("EC", "SunEC")
                    .generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(key.getEncoded()));
        } catch (GeneralSecurityException e) {
            return key;
        }
    }

    private static boolean isIpLiteral(String host) {
        return host.indexOf(':') >= 0 || host.matches("[0-9.]+");
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        String m = root.getMessage();
        return m == null ? root.getClass().getSimpleName() : m.toLowerCase(Locale.ROOT).startsWith("connection refused")
                ? "connection refused" : m;
    }

    /** Offers the probe certificate whatever issuers the server names, and notes that a certificate was asked for. */
    static final class AlwaysOffer extends X509ExtendedKeyManager {
        private final PrivateKey key;
        private final X509Certificate[] chain;
        volatile boolean asked;

        AlwaysOffer(PrivateKey key, X509Certificate[] chain) {
            this.key = key;
            this.chain = chain;
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            asked = true;
            return "probe";
        }

        @Override
        public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
            asked = true;
            return "probe";
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return new String[] {"probe"};
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return null;
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return chain.clone();
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return key;
        }
    }

    /** Delegates verification (and the host name check) and keeps the server's certificate for messages. */
    private static final class Recording extends X509ExtendedTrustManager {
        private final X509ExtendedTrustManager delegate;
        private final X509TrustManager plain;
        volatile X509Certificate leaf;

        Recording(TrustManager[] managers) {
            X509ExtendedTrustManager ext = null;
            X509TrustManager any = null;
            for (TrustManager m : managers) {
                if (m instanceof X509ExtendedTrustManager e && ext == null) ext = e;
                if (m instanceof X509TrustManager x && any == null) any = x;
            }
            if (any == null) throw new IllegalStateException("no X.509 trust manager");
            this.delegate = ext;
            this.plain = any;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            leaf = chain.length > 0 ? chain[0] : null;
            if (delegate != null) delegate.checkServerTrusted(chain, authType, socket);
            else plain.checkServerTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            leaf = chain.length > 0 ? chain[0] : null;
            if (delegate != null) delegate.checkServerTrusted(chain, authType, engine);
            else plain.checkServerTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            leaf = chain.length > 0 ? chain[0] : null;
            plain.checkServerTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            throw new CertificateException("client side only");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            throw new CertificateException("client side only");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("client side only");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return plain.getAcceptedIssuers();
        }
    }
}
