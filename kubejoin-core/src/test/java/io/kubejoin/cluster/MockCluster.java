package io.kubejoin.cluster;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Queue;

/**
 * The fabric8 mock API server in CRUD mode with expectations, on 127.0.0.1, and connections to it with a short
 * request timeout and no retries, so a gap in the mock fails a test quickly instead of hanging the build.
 */
public final class MockCluster implements AutoCloseable {
    public static final String ADMIN_TOKEN = "admin-token-for-tests";
    public static final Duration TIMEOUT = Duration.ofSeconds(3);
    public final KubernetesMockServer server;

    public MockCluster() {
        Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
        server = new KubernetesMockServer(new Context(), new MockWebServer(), responses,
                new KubernetesMixedDispatcher(responses), false);
        try {
            server.init(InetAddress.getByName("127.0.0.1"), 0);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public String url() {
        return "http://127.0.0.1:" + server.getPort();
    }

    public Config config() {
        return new ConfigBuilder(Config.empty()).withMasterUrl(url()).withOauthToken(ADMIN_TOKEN)
                .withRequestTimeout((int) TIMEOUT.toMillis()).withConnectionTimeout((int) TIMEOUT.toMillis())
                .withRequestRetryBackoffLimit(0).build();
    }

    public KubeConnection connect() {
        return KubeConnection.of(config(), "kubeconfig test-admin.kubeconfig", TIMEOUT);
    }

    /** A kubeconfig file for the CLI pointing at this server. */
    public Path writeKubeconfig(Path dir) throws IOException {
        Path file = dir.resolve("admin.kubeconfig");
        Files.writeString(file, kubeconfig(url(), ADMIN_TOKEN));
        return file;
    }

    public static String kubeconfig(String server, String token) {
        return """
                apiVersion: v1
                kind: Config
                clusters:
                - name: test
                  cluster:
                    server: %s
                users:
                - name: admin
                  user:
                    token: %s
                contexts:
                - name: test
                  context:
                    cluster: test
                    user: admin
                current-context: test
                """.formatted(server, token);
    }

    @Override
    public void close() {
        server.destroy();
    }
}
