package io.kubejoin.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubejoin.status.NodeStatus;
import io.kubejoin.status.NodeStatus.Condition;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every condition kubejoin status flags has a doctor diagnosis with evidence and a fix, or a named doctor check. */
class DoctorStatusParityTest {
    /** Conditions an own doctor check reports, so the status flag adds nothing: the check that covers each. */
    private static final Map<Condition, String> COVERED = Map.of(
            Condition.CLIENT_CERT, "Doctor.certificates (certificate-expiring / certificate-expired)",
            Condition.PROXY_CERT, "Doctor.certificates (certificate-expiring / certificate-expired)");

    private static NodeStatus status(String kubeletService, String proxyService, NodeStatus.Flag flag) {
        return new NodeStatus("w1", "10.0.0.1", true, true, false, "kubelet stopped posting node status", "v1.33.0",
                "v1.34.2", null, null, null, kubeletService, proxyService, false, 2, "connection refused", List.of(flag));
    }

    @Test
    void everyStatusConditionHasADoctorCounterpart() {
        var kubelet = new Doctor.Unit(Map.of("ActiveState", "inactive", "SubState", "dead", "Result", "success"),
                List.of(), List.of("Stopped kubelet.service - Kubernetes Kubelet."));
        for (Condition c : Condition.values()) {
            NodeStatus.Flag f = new NodeStatus.Flag(c, "status text for " + c + " (expired)");
            Diagnosis d = Doctor.statusDiagnosis("w1", status("inactive", "inactive", f), f, kubelet, kubelet);
            if (COVERED.containsKey(c)) {
                assertThat(d).as(c.toString()).isNull();
                continue;
            }
            if (c == Condition.PROXY_HEALTHZ) {
                // healthz of a stopped kube-proxy: the stopped service is the diagnosis; of a running one, its own
                assertThat(d).isNull();
                d = Doctor.statusDiagnosis("w1", status("active", "active", f), f, kubelet, kubelet);
            }
            assertThat(d).as(c.toString()).isNotNull();
            assertThat(d.node()).isEqualTo("w1");
            assertThat(d.id()).as(c.toString()).matches("[a-z0-9-]+");
            assertThat(d.evidence()).as(c.toString()).isNotBlank();
            assertThat(d.fix()).as(c.toString()).isNotBlank();
        }
    }

    @Test
    void aStoppedKubeletIsToldFromAFailedOne() {
        NodeStatus.Flag f = new NodeStatus.Flag(Condition.KUBELET_SERVICE, "kubelet service inactive");
        var stopped = new Doctor.Unit(Map.of("ActiveState", "inactive", "Result", "success", "UnitFileState", "disabled"),
                List.of(), List.of("Stopped kubelet.service - Kubernetes Kubelet."));
        Diagnosis d = Doctor.statusDiagnosis("w1", status("inactive", "active", f), f, stopped, stopped);
        assertThat(d.id()).isEqualTo("kubelet-inactive");
        assertThat(d.evidence()).contains("ActiveState=inactive").contains("Stopped kubelet.service");
        assertThat(d.fix()).contains("systemctl start kubelet").contains("systemctl enable kubelet");
        var failed = new Doctor.Unit(Map.of("ActiveState", "failed", "Result", "exit-code"), List.of(),
                List.of("kubelet.service: Failed with result 'exit-code'."));
        d = Doctor.statusDiagnosis("w1", status("failed", "active", f), f, failed, failed);
        assertThat(d.id()).isEqualTo("kubelet-failed");
        assertThat(d.fix()).contains("journal").contains("systemctl restart kubelet");
    }

    @Test
    void theJournalIsReadSinceTheUnitsCurrentStart() {
        assertThat(Doctor.journalCommand("kubelet", "0123456789abcdef0123456789abcdef", "Sat 2026-12-05 17:30:38 UTC"))
                .startsWith("journalctl _SYSTEMD_INVOCATION_ID=0123456789abcdef0123456789abcdef -n ");
        // systemd before 232 has no invocation ids: since the start time, as systemctl printed it (local time)
        assertThat(Doctor.journalCommand("kubelet", "", "Sat 2026-12-05 17:30:38 CET"))
                .startsWith("journalctl -u kubelet --since '2026-12-05 17:30:38' -n ");
        assertThat(Doctor.journalCommand("kubelet", "", "")).startsWith("journalctl -u kubelet -n ");
    }

    @Test
    void journalFindingsThePresentStateContradicts() {
        NodeStatus.Flag none = new NodeStatus.Flag(Condition.PENDING_CSRS, "x");
        NodeStatus readyRunning = new NodeStatus("w1", "a", true, true, true, "ok", "v1.34.2", "v1.34.2", null, null, null,
                "active", "active", true, 0, null, List.of());
        NodeStatus failing = new NodeStatus("w1", "a", true, true, true, "ok", "v1.34.2", "v1.34.2", null, null, null,
                "failed", "active", true, 0, null, List.of(none));
        NodeStatus unregistered = new NodeStatus("w1", "a", true, false, null, null, null, "v1.34.2", null, null, null,
                "active", "active", true, 0, null, List.of(none));
        assertThat(Doctor.contradicted("node-not-found", readyRunning)).isTrue();
        assertThat(Doctor.contradicted("node-not-found", failing)).isTrue();
        assertThat(Doctor.contradicted("node-not-found", unregistered)).isFalse();
        // a running kubelet retries its registration for ever; Ready may be its predecessor's (T3): not history
        assertThat(Doctor.contradicted("register-node-failed", readyRunning)).isFalse();
        assertThat(Doctor.contradicted("register-node-failed", failing)).isFalse();
        assertThat(Doctor.contradicted("t3-stale-client-credential", readyRunning)).isFalse();
    }
}
