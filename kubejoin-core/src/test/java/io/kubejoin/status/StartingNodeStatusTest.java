package io.kubejoin.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.kubejoin.version.KubeVersion;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** status and doctor do not call a kubelet's first, NotReady status a failure before its release would be Ready. */
class StartingNodeStatusTest {
    static final Instant REGISTERED = Instant.parse("2026-12-05T16:14:58Z");

    static Node node(String kubeletVersion) {
        return new NodeBuilder().withNewMetadata().withName("w1").endMetadata().withNewStatus()
                .addNewCondition().withType("Ready").withStatus("False").withReason("KubeletNotReady")
                .withMessage("PLEG is not healthy: pleg has yet to be successful").withLastTransitionTime(REGISTERED.toString())
                .endCondition().withNewNodeInfo().withKubeletVersion(kubeletVersion).endNodeInfo().endStatus().build();
    }

    private static NodeStatus status(Node n, List<NodeStatus.Flag> flags, Instant now) {
        String message = FleetStatus.notReady(n, FleetStatus.ready(n), KubeVersion.parse("1.24.17"), Duration.ofSeconds(10), now, flags);
        return new NodeStatus("w1", "10.0.0.11", true, true, false, message, FleetStatus.kubeletVersion(n), "v1.24.17",
                null, null, null, "active", "active", true, 0, null, flags);
    }

    @Test
    void aKubeletBefore126IsStartingUntilItsNextStatusSyncThenNotReady() {
        List<NodeStatus.Flag> flags = new ArrayList<>();
        NodeStatus starting = status(node("v1.24.17"), flags, REGISTERED.plusSeconds(8));
        assertThat(flags).isEmpty();
        assertThat(starting.starting()).isTrue();
        assertThat(starting.healthy()).isTrue();
        assertThat(starting.readyMessage()).startsWith("starting: PLEG is not healthy").contains("next node-status sync");

        List<NodeStatus.Flag> later = new ArrayList<>();
        NodeStatus notReady = status(node("v1.24.17"), later, REGISTERED.plusSeconds(20));
        assertThat(later).extracting(NodeStatus.Flag::condition).containsExactly(NodeStatus.Condition.NOT_READY);
        assertThat(notReady.starting()).isFalse();
        assertThat(notReady.readyMessage()).isEqualTo("PLEG is not healthy: pleg has yet to be successful");
    }

    @Test
    void aKubeletFrom126HasSecondsOnlyItsReportedReleaseCounts() {
        List<NodeStatus.Flag> flags = new ArrayList<>();
        // the Node's kubeletVersion decides (an upgraded node), not the inventory's 1.24
        status(node("v1.34.2"), flags, REGISTERED.plusSeconds(8));
        assertThat(flags).extracting(NodeStatus.Flag::condition).containsExactly(NodeStatus.Condition.NOT_READY);
        List<NodeStatus.Flag> early = new ArrayList<>();
        assertThat(status(node("v1.34.2"), early, REGISTERED.plusSeconds(2)).starting()).isTrue();
        assertThat(early).isEmpty();
    }
}
