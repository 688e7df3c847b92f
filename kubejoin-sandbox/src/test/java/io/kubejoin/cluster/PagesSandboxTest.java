package io.kubejoin.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.kubejoin.sandbox.api.SandboxApiServer;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** kubejoin's paged lists against a server that really pages: more Nodes than a page, each seen exactly once. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PagesSandboxTest {
    @Test
    void moreNodesThanAPageAreEachSeenOnceOverThreePages() throws Exception {
        try (SandboxApiServer server = SandboxApiServer.start(SandboxApiServer.Options.defaults().withGitVersion("v1.31.7").withSigner(false));
             KubeConnection conn = KubeConnection.of(server.clientConfig(server.adminToken()), "the sandbox admin kubeconfig", Duration.ofSeconds(10))) {
            int count = (int) (2 * Pages.SIZE + 1);
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
            List<java.util.concurrent.Future<?>> created = new java.util.ArrayList<>();
            for (int i = 0; i < count; i++) {
                String name = String.format("w%04d", i);
                created.add(pool.submit(() -> conn.client().nodes().resource(new NodeBuilder().withNewMetadata().withName(name).endMetadata().build()).create()));
            }
            for (java.util.concurrent.Future<?> f : created) f.get(60, TimeUnit.SECONDS);
            pool.shutdown();

            AtomicInteger pages = new AtomicInteger();
            List<String> seen = new CopyOnWriteArrayList<>();
            Pages.each(o -> {
                pages.incrementAndGet();
                return conn.client().nodes().list(o);
            }, n -> seen.add(n.getMetadata().getName()));
            assertThat(pages.get()).as("the server answered in pages of " + Pages.SIZE).isEqualTo(3);
            Set<String> distinct = new HashSet<>(seen);
            assertThat(seen).hasSize(count);
            assertThat(distinct).hasSize(count);
        }
    }
}
