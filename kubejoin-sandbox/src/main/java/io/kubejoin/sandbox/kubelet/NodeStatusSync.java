package io.kubejoin.sandbox.kubelet;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import io.kubejoin.sandbox.kubelet.SimulatedKubelet.KubeletExit;

/**
 * When kubelet's Ready condition turns True, and what it says before (kubelet_node_status.go, nodestatus/setters.go
 * ReadyCondition). A fresh Node's first status is NotReady: kubelet posts it right after registering, before its
 * sync loop has started PLEG, whose first relist is what the runtime health check waits for ("PLEG is not healthy:
 * pleg has yet to be successful"; reference log kubelet-1.24: registered 16:14:58.05, main sync loop 16:14:58.30).
 * Ready follows:
 * <ul>
 *   <li>before 1.26 at the next syncNodeStatus, nodeStatusUpdateFrequency after the first (wait.JitterUntil, sliding,
 *       jitter factor 0.04): the reference kubelet recorded NodeReady at 16:15:08.3. Its fastStatusUpdateOnce gave
 *       up after one update once a podCIDR was set, which the sandbox never sets;</li>
 *   <li>from 1.26 (kubernetes#112618) on the fast path: fastStatusUpdateOnce retries every 100 ms until the node
 *       would be Ready and patches at once, "Fast updating node status as it just became ready".</li>
 * </ul>
 * The release boundary is this simulator's own (as the kube-proxy simulator's), not read from kubejoin's
 * VersionRules, so a mistake in that table cannot make kubejoin and the sandbox agree.
 */
final class NodeStatusSync {
    /** The release whose kubelet keeps its fast status updates until Ready (kubernetes#112618). */
    static final int FAST_UNTIL_READY_SINCE = 26;
    /** fastStatusUpdateOnce's tick (kubelet.go). */
    static final long FAST_TICK_MS = 100;
    /**
     * From registration to PLEG's first relist: the sync loop starts after the network utilities are set up (the
     * reference 1.24 log: 0.24 s after "Successfully registered node").
     */
    static final long PLEG_FIRST_RELIST_AFTER_REGISTRATION_MS = 240;
    /** wait.JitterUntil's factor for syncNodeStatus (kubelet.go Run). */
    static final double SYNC_JITTER = 0.04;

    static final String NOT_READY_REASON = "KubeletNotReady";
    /** runtimeState.runtimeErrors' PLEG health check before the first relist, alone in the aggregate. */
    static final String NOT_READY_MESSAGE = "PLEG is not healthy: pleg has yet to be successful";

    private NodeStatusSync() {
    }

    /** Whether this release's kubelet takes the fast path to Ready. */
    static boolean fastUntilReady(io.kubejoin.version.KubeVersion release) {
        return release.atLeast(FAST_UNTIL_READY_SINCE);
    }

    /**
     * How long after its first (NotReady) status this kubelet posts Ready: the fast loop's first tick after PLEG's
     * first relist, or the next node-status sync.
     */
    static Duration readyAfterFirstStatus(io.kubejoin.version.KubeVersion release, Duration nodeStatusUpdateFrequency) {
        if (fastUntilReady(release)) {
            long ticks = (PLEG_FIRST_RELIST_AFTER_REGISTRATION_MS + FAST_TICK_MS - 1) / FAST_TICK_MS;
            return Duration.ofMillis(ticks * FAST_TICK_MS);
        }
        long ms = nodeStatusUpdateFrequency.toMillis();
        return Duration.ofMillis(ms + (long) (ms * SYNC_JITTER * ThreadLocalRandom.current().nextDouble()));
    }

    /**
     * The node's conditions with its Ready condition set as the setter does: heartbeat now; the transition time
     * kept when the status is unchanged, else now. Returns whether the status changed from an existing Ready
     * condition (the setter records an event only then: none for a Node's first condition).
     */
    static boolean setReady(Node node, boolean ready, String now) {
        NodeCondition c = new NodeConditionBuilder().withType("Ready").withStatus(ready ? "True" : "False")
                .withReason(ready ? "KubeletReady" : NOT_READY_REASON)
                .withMessage(ready ? "kubelet is posting ready status" : NOT_READY_MESSAGE)
                .withLastHeartbeatTime(now).withLastTransitionTime(now).build();
        if (node.getStatus() == null) node.setStatus(new io.fabric8.kubernetes.api.model.NodeStatus());
        List<NodeCondition> conditions = new ArrayList<>();
        boolean changed = false;
        boolean found = false;
        if (node.getStatus().getConditions() != null) {
            for (NodeCondition old : node.getStatus().getConditions()) {
                if (!"Ready".equals(old.getType())) {
                    conditions.add(old);
                    continue;
                }
                found = true;
                if (c.getStatus().equals(old.getStatus())) c.setLastTransitionTime(old.getLastTransitionTime());
                else changed = true;
            }
        }
        conditions.add(c);
        node.getStatus().setConditions(conditions);
        return found && changed;
    }

    /** The API's time format, to the second, from the simulator's clock. */
    static String now(SimulatedKubelet kubelet) {
        return kubelet.runtime.clock().instant().truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /** Completes after {@code delay}; fails with the exit of a kubelet stopped meanwhile. */
    static Future<Void> after(SimulatedKubelet kubelet, Duration delay) {
        Promise<Void> p = Promise.promise();
        kubelet.runtime.vertx().setTimer(Math.max(1, delay.toMillis()), id -> {
            if (kubelet.stopped) p.fail(new KubeletExit("stopped"));
            else p.complete();
        });
        return p.future();
    }
}
