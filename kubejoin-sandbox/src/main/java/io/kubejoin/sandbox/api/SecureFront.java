package io.kubejoin.sandbox.api;

import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.vertx.HttpServerRequestHandler;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.TrustOptions;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.X509ExtendedTrustManager;
import io.kubejoin.util.AesHardware;

/**
 * Stands for kube-apiserver's secure serving with {@code --client-ca-file}: the TLS listener asks every client
 * for a certificate without requiring one (Go's {@code tls.RequestClientCert}) and the x509 authenticator
 * ({@link ClientCertificateAuthenticator}) decides what it proves, so a certificate from another CA ends in 401,
 * not in a failed handshake. fabric8's mock server does not hand peer certificates to its dispatcher, so this
 * listener is the sandbox's public port and feeds the mock's own request handler in-process (same Vert.x event
 * loops, no second hop; websocket upgrades are the mock handler's own, plain HTTP watches {@link StreamingWatch}'s). The identity
 * travels to {@link SandboxDispatcher} the way kube-apiserver's front-proxy passes it
 * ({@code --requestheader-username-headers=X-Remote-User}, {@code --requestheader-group-headers=X-Remote-Group}):
 * every {@code X-Remote-*} header a client sent is removed first, and the dispatcher honours the headers only
 * together with a per-sandbox random proof (where the real server checks the front-proxy's client certificate),
 * so a request sent straight to the mock's internal listener cannot claim an identity either.
 */
final class SecureFront implements AutoCloseable {
    static final String USER_HEADER = "X-Remote-User";
    static final String GROUP_HEADER = "X-Remote-Group";
    static final String PROOF_HEADER = "X-Kubejoin-Front-Proof";
    private static final String STRIPPED_PREFIX = "x-remote-";

    /**
     * Listeners sharing one port, each on its own event loop (Vert.x spreads connections over them): TLS handshakes
     * and request parsing of hundreds of kubelets run on every core, as kube-apiserver's do. The CRUD store behind
     * them takes its own read/write lock.
     */
    static final int LISTENERS = Math.max(2, Runtime.getRuntime().availableProcessors());

    private final List<HttpServer> servers;
    private final int port;

    private SecureFront(List<HttpServer> servers) {
        this.servers = servers;
        this.port = servers.get(0).actualPort();
    }

    /** A random value the dispatcher compares {@link #PROOF_HEADER} with. */
    static String newProof() {
        byte[] b = new byte[24];
        new SecureRandom().nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    static boolean proofMatches(String expected, String presented) {
        return expected != null && presented != null
                && MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII), presented.getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * kube-apiserver's cipher preference, which is Go's crypto/tls: AES-GCM first where the server's AES-GCM runs on
     * CPU instructions, ChaCha20-Poly1305 first where it does not (Go's {@code hasAESGCMHardwareSupport}); AES-128
     * before AES-256 in both. The JDK's own order puts AES-256 first always.
     */
    static List<String> cipherPreference(boolean aesHardware) {
        List<String> tls13 = aesHardware
                ? List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256")
                : List.of("TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384");
        List<String> tls12 = aesHardware
                ? List.of("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
                        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256")
                : List.of("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
                        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");
        List<String> all = new ArrayList<>(tls13);
        all.addAll(tls12);
        return all;
    }

    static SecureFront start(Vertx vertx, KeyCertOptions servingKeyCert, ClientCertificateAuthenticator x509,
                             String proof, Dispatcher dispatcher, int port) {
        HttpServerRequestHandler mockHandler = new HttpServerRequestHandler(vertx) {
            @Override
            protected MockResponse onHttpRequest(RecordedRequest request) {
                return dispatcher.dispatch(request);
            }
        };
        HttpServerOptions opts = new HttpServerOptions()
                .setHost("127.0.0.1").setPort(port)
                .setSsl(true).setKeyCertOptions(servingKeyCert)
                .setClientAuth(ClientAuth.REQUEST)
                // as the mock's own listener: kubectl's exec/attach subprotocols, Expect: 100-continue
                .setWebSocketSubProtocols(List.of("v4.channel.k8s.io", "v3.channel.k8s.io", "v2.channel.k8s.io", "v1.channel.k8s.io"))
                .setHandle100ContinueAutomatically(true).setWebSocketClosingTimeout(1)
                // HTTP/2 by ALPN beside HTTP/1.1, as kube-apiserver's Go server, with its 1,000 streams per connection
                // (--http2-max-streams-per-connection as kube-apiserver sets it); websockets stay on HTTP/1.1
                .setUseAlpn(true).setAlpnVersions(List.of(io.vertx.core.http.HttpVersion.HTTP_2, io.vertx.core.http.HttpVersion.HTTP_1_1))
                .setInitialSettings(new io.vertx.core.http.Http2Settings().setMaxConcurrentStreams(1000))
                .setTrustOptions(TrustOptions.wrap(new RequestAnyClientCert(x509.ca())));
        cipherPreference(AesHardware.inThisJvm()).forEach(opts::addEnabledCipherSuite); // kept in this order
        List<HttpServer> servers = new ArrayList<>();
        try {
            // Vert.x shares a port among listeners only when they name the same one: pick it first
            opts.setPort(port != 0 ? port : freePort());
            for (int i = 0; i < LISTENERS; i++) {
                HttpServer server = vertx.createHttpServer(opts).requestHandler(req -> {
                    identify(req, x509, proof);
                    if (StreamingWatch.accepts(req)) StreamingWatch.serve(req, dispatcher); // client-go's watch
                    else mockHandler.handle(req);
                });
                server.listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
                servers.add(server);
                if (server.actualPort() != servers.get(0).actualPort()) {
                    throw new IllegalStateException("listener " + i + " got port " + server.actualPort() + ", not "
                            + servers.get(0).actualPort());
                }
            }
        } catch (Exception e) {
            servers.forEach(s -> s.close());
            throw new IllegalStateException("cannot start the sandbox API server's TLS listener on 127.0.0.1:" + port
                    + ": " + e.getMessage(), e);
        }
        return new SecureFront(servers);
    }

    private static int freePort() throws java.io.IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Strips client-sent identity headers, then adds the verified certificate's identity, if any. */
    static void identify(HttpServerRequest req, ClientCertificateAuthenticator x509, String proof) {
        MultiMap h = req.headers();
        for (String name : new ArrayList<>(h.names())) {
            String lower = name.toLowerCase(Locale.ROOT);
            if (lower.startsWith(STRIPPED_PREFIX) || lower.equals(PROOF_HEADER.toLowerCase(Locale.ROOT))) h.remove(name);
        }
        if (!req.isSSL()) return;
        List<X509Certificate> peer = peerCertificates(req.connection());
        if (peer.isEmpty()) return; // no certificate: the bearer token decides
        Optional<UserInfo> user = x509.authenticate(peer); // validity at every request, as the real authenticator
        if (user.isEmpty()) return;
        h.add(PROOF_HEADER, proof);
        h.add(USER_HEADER, user.get().username());
        for (String g : user.get().groups()) h.add(GROUP_HEADER, g);
    }

    /**
     * A connection's client certificates, read once per connection (kube-apiserver's Go TLS server never renegotiates,
     * so they cannot change within one): the JDK answers a connection without any by throwing, which cost an exception
     * per request of every client that authenticates with a token. Weak keys: a closed connection's entry goes with it.
     */
    private static final java.util.Map<io.vertx.core.http.HttpConnection, List<X509Certificate>> PEERS =
            java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

    static List<X509Certificate> peerCertificates(io.vertx.core.http.HttpConnection connection) {
        List<X509Certificate> known = PEERS.get(connection);
        if (known != null) return known;
        List<X509Certificate> peer;
        try {
            List<java.security.cert.Certificate> certs = connection.peerCertificates();
            peer = certs == null || certs.isEmpty() ? List.of() : List.copyOf(ClientCertificateAuthenticator.x509(certs));
        } catch (SSLPeerUnverifiedException | CertificateException e) {
            peer = List.of();
        }
        PEERS.put(connection, peer);
        return peer;
    }

    int port() {
        return port;
    }

    @Override
    public void close() {
        for (HttpServer server : servers) {
            try {
                server.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                // closing anyway; Vert.x releases the port when it finishes
            }
        }
    }

    /**
     * Accepts any client certificate at the TLS layer (Go's RequestClientCert): verification is the
     * authenticator's, so that a bad certificate is a 401 as on kube-apiserver, not a handshake failure.
     * Names the client CA as the acceptable issuer, as Go's server does with ClientCAs set (kube-apiserver's
     * --client-ca-file): a JDK client then offers no certificate from another CA and goes anonymous, Go's offers it anyway.
     */
    private static final class RequestAnyClientCert extends X509ExtendedTrustManager {
        private final X509Certificate clientCa;

        RequestAnyClientCert(X509Certificate clientCa) {
            this.clientCa = clientCa;
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            throw new CertificateException("server side only");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            throw new CertificateException("server side only");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("server side only");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[] {clientCa};
        }
    }
}
