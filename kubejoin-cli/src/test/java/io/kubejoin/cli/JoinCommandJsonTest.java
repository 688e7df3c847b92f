package io.kubejoin.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubejoin.join.Join;
import io.kubejoin.join.JoinReport;
import io.kubejoin.join.JoinRunner;
import java.io.StringWriter;
import java.io.Writer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** join -o json and --report are written node by node to their destination, and say what the reports say. */
class JoinCommandJsonTest {
    static Join.Outcome outcome(int nodes) {
        List<JoinRunner.NodeReport> reports = new ArrayList<>();
        for (int i = 0; i < nodes; i++) {
            boolean ok = i != 1;
            List<JoinRunner.PhaseRecord> phases = List.of(
                    new JoinRunner.PhaseRecord("kubelet-files", false, true, "3 files changed", Duration.ZERO, Duration.ofMillis(20)),
                    new JoinRunner.PhaseRecord("wait-ready", false, false, ok ? "Ready after 2 s" : "failed: not Ready",
                            Duration.ofMillis(20), Duration.ofMillis(2000)));
            reports.add(new JoinRunner.NodeReport("worker-" + i, ok, phases, List.of("/etc/kubernetes/kubelet-config.yaml"),
                    Duration.ofMillis(2020), ok ? null : "wait-ready", ok ? null : "not Ready <after> 2 s",
                    ok ? null : "see the journal", ok ? List.of() : List.of("E1205 \"command failed\"")));
        }
        return new Join.Outcome(List.of(), false, List.of("rbac: created"), reports);
    }

    /** A writer that counts what passes and refuses to be closed (it stands for standard output). */
    static final class Counting extends Writer {
        final StringWriter text = new StringWriter();
        int writes;
        boolean closed;

        @Override
        public void write(char[] c, int off, int len) {
            writes++;
            text.write(c, off, len);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    @Test
    void jsonCarriesEveryNodeAndPhaseAndLeavesTheOutputOpen() {
        Counting out = new Counting();
        JoinCommand.json(outcome(3), out);
        assertThat(out.closed).isFalse();
        JsonNode root = JsonMapper.builder().build().readTree(out.text.toString());
        assertThat(root.path("nodes")).hasSize(3);
        JsonNode failed = root.path("nodes").get(1);
        assertThat(failed.path("joined").asBoolean()).isFalse();
        assertThat(failed.path("failedPhase").asString()).isEqualTo("wait-ready");
        assertThat(failed.path("journal").get(0).asString()).isEqualTo("E1205 \"command failed\"");
        assertThat(root.path("nodes").get(0).path("phases").get(1).path("durationMs").asLong()).isEqualTo(2000);
        assertThat(root.path("nodes").get(0).has("failedPhase")).isFalse();
        assertThat(root.path("cluster").get(0).asString()).isEqualTo("rbac: created");
    }

    @Test
    void largeOutcomesAreWrittenPieceByPieceNotAsOneString() {
        Counting out = new Counting();
        JoinCommand.json(outcome(2000), out);
        // the generator hands over its buffer as it fills: many writes, none holding the whole document
        assertThat(out.writes).isGreaterThan(10);
        Counting html = new Counting();
        java.io.PrintWriter w = new java.io.PrintWriter(html);
        JoinReport.write(outcome(2000), "join", w);
        assertThat(html.closed).isFalse();
        assertThat(html.text.toString()).contains("worker-1999").contains("not Ready &lt;after&gt; 2 s")
                .isEqualTo(JoinReport.html(outcome(2000), "join"));
    }
}
