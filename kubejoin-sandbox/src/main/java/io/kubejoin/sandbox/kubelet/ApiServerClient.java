package io.kubejoin.sandbox.kubelet;

import static io.kubejoin.sandbox.kubelet.KubeletPem.chain;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.ClientSSLOptions;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.util.Map;

/** kubelet's connection to the API server (client-go's REST client): where, with which credential, and the calls. */
final class ApiServerClient extends KubeletPart {
    ApiServerClient(SimulatedKubelet kubelet) {
        super(kubelet);
    }

    /** Where and how to reach the API server: host, port, TLS options (CA, and the client certificate once there is one). */
    record Connection(String host, int port, boolean ssl, ClientSSLOptions tls, String bearer) {
        @Override
        public String toString() {
            return "Connection[" + host + ":" + port + "]"; // never the token
        }
    }

    record Answer(int code, String body) {
    }

    Connection connection(String server, String caPem, String bearer, String certPem, PrivateKey key) {
        URI uri = URI.create(server);
        String host = uri.getHost();
        if (host == null || !(host.startsWith("127.") || host.equals("localhost"))) {
            // the sandbox's rule: simulated nodes only ever talk to 127.0.0.0/8
            throw commandFailed("simulated kubelet refuses to contact " + server + ": only 127.0.0.0/8 is allowed");
        }
        boolean ssl = "https".equals(uri.getScheme());
        int port = uri.getPort() > 0 ? uri.getPort() : (ssl ? 443 : 80);
        ClientSSLOptions tls = null;
        if (ssl) {
            tls = new ClientSSLOptions().setHostnameVerificationAlgorithm("HTTPS");
            if (caPem != null) tls.setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(caPem)));
            // a key manager per credential, also when it holds no certificate (the bootstrap token's): the TLS
            // client context, and so the sessions it may resume, is per key manager (PerCredentialSslEngineOptions)
            tls.setKeyCertOptions(KeyCertOptions.wrap(certPem != null ? new ClientKeyManager(key, chain(certPem)) : new NoClientCertificate()));
        }
        return new Connection(host, port, ssl, tls, bearer);
    }

    Future<Answer> call(Connection c, HttpMethod method, String path, String body) {
        RequestOptions o = new RequestOptions().setMethod(method).setHost(c.host()).setPort(c.port()).setSsl(c.ssl())
                .setURI(path).setTimeout(10_000).putHeader("Accept", "application/json")
                .putHeader("User-Agent", "kubelet/" + gitVersion() + " (linux/amd64) kubernetes/sandbox");
        if (c.tls() != null) o.setSslOptions(c.tls());
        if (c.bearer() != null) o.putHeader("Authorization", "Bearer " + c.bearer());
        if (body != null) o.putHeader("Content-Type", "application/json");
        return nextTick().compose(v -> runtime.http().request(o))
                .compose(req -> body == null ? req.send() : req.send(Buffer.buffer(body)))
                .compose(resp -> resp.body().map(b -> new Answer(resp.statusCode(), b.toString(StandardCharsets.UTF_8))));
    }

    /**
     * Completes after the current task. A request sent from the previous answer's handler then finds the connection
     * that answer came on back in the pool and reuses it (as client-go's keep-alive does), instead of opening a
     * second connection with a TLS handshake of its own.
     */
    Future<Void> nextTick() {
        Promise<Void> tick = Promise.promise();
        runtime.vertx().runOnContext(v -> tick.complete());
        return tick.future();
    }

    /**
     * A failed request as Go's net/http and client-go word it ({@code Post "https://127.0.0.1:6443/apis/...": dial tcp
     * 127.0.0.1:6443: connect: connection refused}), never the JVM's exception text, which no kubelet prints and no
     * journal signature knows.
     */
    String goTransportError(String method, Connection c, String path, Throwable e) {
        String hostPort = c.host() + ":" + c.port();
        String url = (c.ssl() ? "https" : "http") + "://" + hostPort + path;
        String text = String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT);
        String cause;
        if (e instanceof java.net.ConnectException && text.contains("refused")) {
            cause = "dial tcp " + hostPort + ": connect: connection refused";
        } else if (e instanceof io.netty.channel.ConnectTimeoutException || text.contains("connection timed out")) {
            cause = "dial tcp " + hostPort + ": i/o timeout";
        } else if (e instanceof java.util.concurrent.TimeoutException || text.contains("timeout") || text.contains("timed out")) {
            // Vert.x's request timeout (also while waiting for a pooled connection): the request's context ran out
            cause = "context deadline exceeded";
        } else if (e instanceof javax.net.ssl.SSLHandshakeException && (text.contains("pkix") || text.contains("certification path"))) {
            // Go 1.20 (kubelet 1.27) put "tls: failed to verify certificate: " before crypto/x509's error
            cause = (version.atLeast(27) ? "tls: failed to verify certificate: " : "") + "x509: certificate signed by unknown authority";
        } else if (e instanceof javax.net.ssl.SSLException) {
            cause = "remote error: tls: handshake failure";
        } else {
            // the server closed the connection before answering (Vert.x: "Connection was closed")
            cause = "EOF";
        }
        return method + " \"" + url + "\": " + cause;
    }

    /** The reason a failed call gives, as client-go's error text: "Unauthorized" for 401, else the Status message. */
    static String reason(Answer a) {
        if (a.code() == 401) return "Unauthorized";
        try {
            Object m = Serialization.unmarshal(a.body(), Map.class).get("message");
            if (m != null) return String.valueOf(m);
        } catch (RuntimeException e) {
            // not a Status
        }
        return "the server responded with the status code " + a.code();
    }
}
