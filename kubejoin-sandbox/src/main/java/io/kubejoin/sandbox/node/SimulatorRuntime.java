package io.kubejoin.sandbox.node;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import io.kubejoin.sandbox.tls.PerCredentialSslEngineOptions;
import io.kubejoin.sandbox.tls.SandboxEcProvider;

/**
 * What the simulated nodes share instead of each running its own threads (a real node has its own CPU; a
 * thousand simulated ones must share two): one Vert.x instance with a couple of event loops and a small worker
 * pool, one HTTP client and one WebSocket client. Every {@code SimulatedKubelet} and {@code SimulatedKubeProxy}
 * runs as callbacks and short blocking tasks (file reads, key generation) on it; none owns a thread.
 */
public final class SimulatorRuntime implements AutoCloseable {
    private final Vertx vertx;
    private final HttpClientAgent http;
    private final WebSocketClient webSockets;
    private final Clock clock;

    private SimulatorRuntime(int eventLoops, int workers, Clock clock) {
        SandboxEcProvider.install();
        this.clock = clock;
        this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(eventLoops).setWorkerPoolSize(workers).setInternalBlockingPoolSize(2)
                .setBlockedThreadCheckInterval(10).setBlockedThreadCheckIntervalUnit(TimeUnit.SECONDS));
        // one TLS client context per credential, shared by both clients: a kubelet's watch resumes its session
        PerCredentialSslEngineOptions tls = new PerCredentialSslEngineOptions();
        // HTTP/2 where the server offers it (ALPN), as client-go: a kubelet's requests and watches share one connection
        // per credential (the bootstrap token's, then its certificate's), where HTTP/1.1 needed a second connection,
        // and a second TLS handshake, for the requests sent while its serving CSR's watch held the first
        this.http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(5_000).setKeepAlive(true).setSslEngineOptions(tls)
                        .setProtocolVersion(HttpVersion.HTTP_2).setUseAlpn(true),
                // a real kubelet has its own connection: a small shared pool queues hundreds of kubelets' requests
                new PoolOptions().setHttp1MaxSize(64).setHttp2MaxSize(1));
        this.webSockets = vertx.createWebSocketClient(new WebSocketClientOptions().setConnectTimeout(5_000).setSslEngineOptions(tls));
    }

    /** Two event loops and four workers: enough for a thousand simulated nodes on a two-core machine. */
    public static SimulatorRuntime create() {
        return new SimulatorRuntime(2, 4, Clock.systemUTC());
    }

    public static SimulatorRuntime create(int eventLoops, int workers, Clock clock) {
        return new SimulatorRuntime(eventLoops, workers, clock);
    }

    public Vertx vertx() {
        return vertx;
    }

    public HttpClientAgent http() {
        return http;
    }

    WebSocketClient webSockets() {
        return webSockets;
    }

    public Clock clock() {
        return clock;
    }

    @Override
    public void close() {
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            // closing anyway
        }
    }
}
