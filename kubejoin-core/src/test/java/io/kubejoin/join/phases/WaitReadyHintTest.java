package io.kubejoin.join.phases;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Tag;

/** 'kubejoin reset' deletes a node's credentials: proposed only when the journal shows they are refused. */
class WaitReadyHintTest {
    @Tag("hostile")
    @Test
    void resetOnlyWhenTheJournalShowsUnauthorized() {
        List<String> t3 = List.of("Dec 05 10:00:01 node-1 kubelet[812]: E1205 10:00:01.000000     812 certificate_manager.go:562] "
                + "\"Unhandled Error\" err=\"kubernetes.io/kube-apiserver-client-kubelet: Failed while requesting a signed "
                + "certificate from the control plane: cannot create certificate signing request: Unauthorized\" logger=\"UnhandledError\"");
        assertThat(WaitReadyPhase.hint("node-1", t3)).contains("kubejoin reset node-1").contains("Unauthorized");

        List<String> other = List.of("Dec 05 10:00:01 node-1 kubelet[812]: I1205 10:00:01.000000     812 kubelet_node_status.go:75] "
                + "\"Attempting to register node\" node=\"node-1\"");
        assertThat(WaitReadyPhase.hint("node-1", other)).doesNotContain("reset");
        assertThat(WaitReadyPhase.hint("node-1", List.of())).doesNotContain("reset");
    }
}
