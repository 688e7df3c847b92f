package io.kubejoin.cli;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

/** What the drain-aware command tests (remove, upgrade) read from the sandbox's API server, and their wait. */
final class ClusterLook {
    private ClusterLook() {
    }

    static boolean unschedulable(KubernetesClient admin, String node) {
        var n = admin.nodes().withName(node).get();
        return n.getSpec() != null && Boolean.TRUE.equals(n.getSpec().getUnschedulable());
    }

    /** The pods labelled app=APP that are Running and not terminating. */
    static List<Pod> running(KubernetesClient admin, String app) {
        return admin.pods().inAnyNamespace().withLabel("app", app).list().getItems().stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null && p.getStatus() != null
                        && "Running".equals(p.getStatus().getPhase())).toList();
    }

    /** Polls {@code c} every 50 ms for up to 20 s. */
    static void await(String what, BooleanSupplier c) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > end) throw new AssertionError("timed out waiting: " + what);
            Thread.sleep(50);
        }
    }
}
