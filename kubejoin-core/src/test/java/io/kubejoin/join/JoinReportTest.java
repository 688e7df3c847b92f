package io.kubejoin.join;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The report's time axis, its cluster-step rows and its phase labels (issue 16). */
class JoinReportTest {
    static Join.Outcome outcome() {
        List<JoinRunner.PhaseRecord> phases = List.of(
                new JoinRunner.PhaseRecord("node-preflight", false, false, "ok", Duration.ZERO, Duration.ofMillis(50)),
                new JoinRunner.PhaseRecord("kubelet-files", false, true, "3 files changed", Duration.ofMillis(50), Duration.ofMillis(3000)),
                new JoinRunner.PhaseRecord("wait-ready", false, false, "failed: not Ready", Duration.ofMillis(3050), Duration.ofMillis(8000)));
        JoinRunner.NodeReport node = new JoinRunner.NodeReport("worker-1", false, phases, List.of(), Duration.ofMillis(11050),
                "wait-ready", "not Ready", "see the journal", List.of());
        List<Join.StepRecord> steps = List.of(
                new Join.StepRecord("preflight", Duration.ZERO, Duration.ofMillis(900), "3 check(s)"),
                new Join.StepRecord("rbac", Duration.ofMillis(900), Duration.ofMillis(100), "3 binding(s)"),
                new Join.StepRecord("tokens", Duration.ofMillis(1000), Duration.ofMillis(1000), "created 1"),
                new Join.StepRecord("approver", Duration.ofMillis(2000), Duration.ofMillis(11050), "watched"));
        return new Join.Outcome(List.of(), false, List.of("rbac: created"), List.of(node), steps, Duration.ofMillis(2000));
    }

    @Test
    void theClusterStepsAndTheNodesShareOneTimeAxisInSeconds() {
        String html = JoinReport.html(outcome(), "join");
        // 13.05 s in all: a tick every 2 s, labelled in whole seconds
        assertThat(JoinReport.tickMillis(13_050)).isEqualTo(2000);
        assertThat(html).contains(">0 s</div>").contains(">2 s</div>").contains(">12 s</div>").doesNotContain(">14 s</div>");
        // each cluster step a row of its own, before the nodes
        for (String step : List.of("preflight", "rbac", "tokens", "approver")) {
            assertThat(html).contains("<tr><td>" + step + "</td>");
        }
        assertThat(html.indexOf("<tr><td>approver</td>")).isLessThan(html.indexOf("<tr><td>worker-1</td>"));
        assertThat(html.split("class=\"bar step", -1)).hasSize(5);
        // the node's phases start after the cluster steps: kubelet-files at 2.05 s of 13.05 s
        assertThat(html).contains("left:15.71%;width:22.99%\" title=\"kubelet-files (3.0 s): 3 files changed\">kubelet-files<");
        // a bar too narrow for its name keeps only the tooltip (node-preflight: 50 ms)
        assertThat(html).contains("title=\"node-preflight (0.1 s): ok\"></div>");
        assertThat(html).contains("class=\"bar failed\"");
    }

    @Test
    void ticksAreOneTwoOrFiveTimesAPowerOfTen() {
        assertThat(JoinReport.tickMillis(1)).isEqualTo(1);
        assertThat(JoinReport.tickMillis(900)).isEqualTo(100);
        assertThat(JoinReport.tickMillis(4_000)).isEqualTo(500);
        assertThat(JoinReport.tickMillis(60_000)).isEqualTo(10_000);
        assertThat(JoinReport.tickMillis(300_000)).isEqualTo(50_000);
        assertThat(JoinReport.tickLabel(1500, 500)).isEqualTo("1.5 s");
        assertThat(JoinReport.tickLabel(20_000, 10_000)).isEqualTo("20 s");
    }
}
