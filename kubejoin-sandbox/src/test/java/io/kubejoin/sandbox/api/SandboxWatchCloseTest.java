package io.kubejoin.sandbox.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Closing a watch while events stream to it must neither stall the server (fabric8's mock waited on its event loop)
 * nor fail the writes whose events were meant for it (RejectedExecutionException from the closed listener).
 */
@Timeout(120)
class SandboxWatchCloseTest {
    @Test
    void closingWatchesUnderAStreamOfEventsKeepsEveryRequestWorking() throws Exception {
        try (SandboxApiServer server = SandboxApiServer.start()) {
            KubernetesClient admin = server.adminClient();
            long slowest = 0;
            for (int i = 0; i < 30; i++) {
                Watch w = admin.nodes().watch(new Watcher<Node>() {
                    @Override
                    public void eventReceived(Action action, Node node) {
                    }

                    @Override
                    public void onClose(WatcherException cause) {
                    }
                });
                int n = i;
                // a write whose event is in flight while the watch closes
                CompletableFuture<Node> create = CompletableFuture.supplyAsync(() -> admin.nodes().resource(
                        new NodeBuilder().withNewMetadata().withName("n" + n).endMetadata().build()).create());
                w.close();
                long t0 = System.nanoTime();
                assertThat(create.get().getMetadata().getName()).isEqualTo("n" + n);
                admin.nodes().withName("n" + n).edit(node -> {
                    node.getMetadata().setLabels(java.util.Map.of("i", String.valueOf(n)));
                    return node;
                });
                slowest = Math.max(slowest, System.nanoTime() - t0);
            }
            assertThat(admin.nodes().list().getItems()).hasSize(30);
            // the mock's stall lasted up to a minute; the request timeout of the client is 10 s
            assertThat(slowest / 1_000_000).isLessThan(5_000);
        }
    }
}
