package io.kubejoin.sandbox.kubelet;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.ClientSSLOptions;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import io.kubejoin.sandbox.node.SimulatorRuntime;

/**
 * kube-proxy's look at its Node as an API request ({@code GET /api/v1/nodes/NAME}, 404 while there is none) on the
 * simulators' Vert.x: asynchronous, over at most {@link #CONNECTIONS} keep-alive connections shared by every
 * kube-proxy's lookups (one TLS context). It was a blocking fabric8 client call on one of the simulators' four worker
 * threads, with a chain of exceptions for every 404 of a kube-proxy started before its Node. The connections stay as
 * few as those four threads made: the shared client's pool of 64 would let a burst of lookups open dozens of TLS
 * connections at once, both ends' handshakes in this process (a thousand-node run on that pool, machine loaded, had 8
 * kubelets time out getting their own connection; not proven to be the cause, but not risked).
 */
public final class ApiNodeLookup implements SimulatedKubeProxy.NodeLookup {
    private final String host;
    private final int port;
    private final boolean ssl;
    private final String bearer;
    private final ClientSSLOptions tls;
    static final int CONNECTIONS = 4;
    private volatile io.vertx.core.http.HttpClientAgent client;

    /** @param server the API server's https URL (127.0.0.0/8 only), its CA, and the token the lookups send */
    public ApiNodeLookup(String server, String caPem, String bearer) {
        URI uri = URI.create(server);
        this.host = uri.getHost();
        if (host == null || !host.startsWith("127.")) throw new IllegalArgumentException("not a loopback API server: " + server);
        this.ssl = "https".equals(uri.getScheme());
        this.port = uri.getPort() > 0 ? uri.getPort() : (ssl ? 443 : 80);
        this.bearer = Objects.requireNonNull(bearer);
        // one options object for every lookup: one TLS context and one connection pool
        this.tls = !ssl ? null : new ClientSSLOptions().setHostnameVerificationAlgorithm("HTTPS")
                .setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(caPem)))
                .setKeyCertOptions(KeyCertOptions.wrap(new NoClientCertificate()));
    }

    @Override
    public String address(String nodeName) {
        throw new UnsupportedOperationException("asynchronous only: addressAsync");
    }

    @Override
    public Future<String> addressAsync(String nodeName, SimulatorRuntime runtime) {
        RequestOptions o = new RequestOptions().setMethod(HttpMethod.GET).setHost(host).setPort(port).setSsl(ssl)
                .setURI("/api/v1/nodes/" + nodeName).setTimeout(10_000)
                .putHeader("Accept", "application/json").putHeader("Authorization", "Bearer " + bearer)
                .putHeader("User-Agent", "kube-proxy (linux/amd64) kubernetes/sandbox");
        if (ssl) o.setSslOptions(tls);
        return client(runtime).request(o).compose(req -> req.send()).compose(resp -> resp.body().map(b -> {
            if (resp.statusCode() == 404) return null;
            if (resp.statusCode() != 200) throw new IllegalStateException("GET node " + nodeName + ": " + resp.statusCode());
            return primaryAddress(Serialization.unmarshal(b.toString(StandardCharsets.UTF_8), Node.class));
        }));
    }

    private io.vertx.core.http.HttpClientAgent client(SimulatorRuntime runtime) {
        io.vertx.core.http.HttpClientAgent c = client;
        if (c != null) return c;
        synchronized (this) {
            if (client == null) {
                client = runtime.vertx().createHttpClient(new io.vertx.core.http.HttpClientOptions().setConnectTimeout(5_000)
                        .setKeepAlive(true), new io.vertx.core.http.PoolOptions().setHttp1MaxSize(CONNECTIONS));
            }
            return client;
        }
    }

    /** pkg/util/node GetNodeHostIPs: an InternalIP, else an ExternalIP; null when the Node has neither. */
    public static String primaryAddress(Node n) {
        if (n == null || n.getStatus() == null || n.getStatus().getAddresses() == null) return null;
        for (String type : List.of("InternalIP", "ExternalIP")) {
            for (NodeAddress a : n.getStatus().getAddresses()) {
                if (type.equals(a.getType()) && a.getAddress() != null) return a.getAddress();
            }
        }
        return null;
    }
}
